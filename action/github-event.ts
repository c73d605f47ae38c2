import { readFileSync } from "node:fs";
import { z } from "zod";
import { ActionInputError } from "./inputs.ts";

/** What the rest of the Action needs to know about the event that started the workflow. */
export interface RunEventContext {
  eventName: string;
  /** `owner/name`. */
  repository: string;
  repositoryId: number | undefined;
  defaultBranch: string | undefined;
  /** The commit the check run is reported on (a PR's head, not its merge commit). */
  headSha: string;
  /** The commit the changes are compared with; undefined when there is none (new branch, dispatch). */
  baseSha: string | undefined;
  branch: string | undefined;
  prNumber: number | undefined;
  /** A pull request from a fork: its token is read-only and it gets no secrets. */
  fromFork: boolean;
  isDefaultBranchPush: boolean;
  runId: number;
  runAttempt: number;
  apiUrl: string;
  serverUrl: string;
  workspace: string;
}

const ZERO_SHA = /^0+$/;

const repoSchema = z.object({
  id: z.number().optional(),
  full_name: z.string(),
  default_branch: z.string().optional(),
});
const pullRequestSchema = z.object({
  number: z.number(),
  head: z.object({ sha: z.string(), ref: z.string(), repo: z.object({ full_name: z.string() }).nullable() }),
  base: z.object({ sha: z.string(), ref: z.string(), repo: repoSchema }),
});
const payloadSchema = z.object({
  repository: repoSchema.optional(),
  pull_request: pullRequestSchema.optional(),
  before: z.string().optional(),
  after: z.string().optional(),
  merge_group: z.object({ head_sha: z.string(), base_sha: z.string(), head_ref: z.string() }).optional(),
});

/** Reads GITHUB_* variables and the event payload (pull_request, push, merge_group, workflow_dispatch, …). */
export function readRunEvent(env: NodeJS.ProcessEnv): RunEventContext {
  const need = (name: string): string => {
    const value = env[name];
    if (!value)
      throw new ActionInputError(`${name} is not set: run Perceo as a step of a GitHub Actions job`);
    return value;
  };
  const eventName = need("GITHUB_EVENT_NAME");
  const payload = payloadSchema.parse(readPayload(env.GITHUB_EVENT_PATH));
  const repository = env.GITHUB_REPOSITORY ?? payload.repository?.full_name ?? need("GITHUB_REPOSITORY");
  const common = {
    eventName,
    repository,
    repositoryId: payload.repository?.id ?? numberOr(env.GITHUB_REPOSITORY_ID, undefined),
    defaultBranch: payload.repository?.default_branch,
    runId: numberOr(env.GITHUB_RUN_ID, 0) ?? 0,
    runAttempt: numberOr(env.GITHUB_RUN_ATTEMPT, 1) ?? 1,
    apiUrl: env.GITHUB_API_URL ?? "https://api.github.com",
    serverUrl: env.GITHUB_SERVER_URL ?? "https://github.com",
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
  };
  const refBranch = env.GITHUB_REF?.startsWith("refs/heads/")
    ? env.GITHUB_REF.slice("refs/heads/".length)
    : undefined;
  const pr = payload.pull_request;
  if (pr && (eventName === "pull_request" || eventName === "pull_request_target")) {
    return {
      ...common,
      repositoryId: pr.base.repo.id ?? common.repositoryId,
      defaultBranch: pr.base.repo.default_branch ?? common.defaultBranch,
      headSha: pr.head.sha,
      baseSha: pr.base.sha,
      branch: pr.head.ref,
      prNumber: pr.number,
      fromFork: pr.head.repo?.full_name !== pr.base.repo.full_name,
      isDefaultBranchPush: false,
    };
  }
  if (eventName === "merge_group" && payload.merge_group) {
    return {
      ...common,
      headSha: payload.merge_group.head_sha,
      baseSha: payload.merge_group.base_sha,
      branch: payload.merge_group.head_ref.replace(/^refs\/heads\//, ""),
      prNumber: undefined,
      fromFork: false,
      isDefaultBranchPush: false,
    };
  }
  const headSha = (eventName === "push" ? payload.after : undefined) ?? need("GITHUB_SHA");
  const before = eventName === "push" ? payload.before : undefined;
  return {
    ...common,
    headSha,
    baseSha: before && !ZERO_SHA.test(before) ? before : undefined,
    branch: refBranch,
    prNumber: undefined,
    fromFork: false,
    isDefaultBranchPush:
      eventName === "push" && refBranch !== undefined && refBranch === common.defaultBranch,
  };
}

function readPayload(path: string | undefined): unknown {
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ActionInputError(
      `cannot read the event payload at GITHUB_EVENT_PATH=${path}: ${(error as Error).message}`,
    );
  }
}

function numberOr(value: string | undefined, fallback: number | undefined): number | undefined {
  const parsed = Number(value);
  return value && Number.isFinite(parsed) ? parsed : fallback;
}
