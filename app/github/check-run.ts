import { ANNOTATIONS_PER_REQUEST, CHECK_RUN_TEXT_LIMIT, chunk, truncateText } from "./limits.ts";
import type { Octokit, RepoRef } from "./octokit.ts";

export const IMPACT_CHECK = "Perceo / Impact";
export const FLOWS_CHECK = "Perceo / Flows";

/** The `external_id` that finds a commit's `Perceo / Impact` run again (retries, buttons). */
export function impactExternalId(sha: string): string {
  return `impact:${sha}`;
}

/**
 * The button on `Perceo / Impact` that does what `/perceo approve` does. GitHub caps a label at 20
 * characters and a description at 40, so the label is shorter than the feature's name.
 */
export const APPROVE_VISUALS_ACTION = {
  label: "Approve visuals",
  description: "Accept the visual changes as baselines",
  identifier: "perceo-approve",
} as const;

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
}

export interface CheckRunAction {
  label: string;
  description: string;
  identifier: string;
}

export interface CheckRunResult {
  conclusion: "success" | "failure" | "neutral" | "action_required";
  title: string;
  summary: string;
  text?: string;
  annotations?: Annotation[];
  /** Link to the full report; used when the text has to be cut. */
  detailsUrl?: string;
  actions?: CheckRunAction[];
}

/**
 * Finds our check run for `externalId` on `sha`, or creates it in progress. Looking it up first is
 * what keeps a retried job from leaving a second check run on the commit.
 */
export async function startCheckRun(
  octokit: Octokit,
  repo: RepoRef,
  check: { name: string; sha: string; externalId: string },
): Promise<{ id: number; created: boolean }> {
  const existing = await findCheckRun(octokit, repo, check);
  if (existing !== undefined) return { id: existing, created: false };
  const { data } = await octokit.request("POST /repos/{owner}/{repo}/check-runs", {
    ...repo,
    name: check.name,
    head_sha: check.sha,
    external_id: check.externalId,
    status: "in_progress",
  });
  return { id: Number(data.id), created: true };
}

export async function findCheckRun(
  octokit: Octokit,
  repo: RepoRef,
  check: { name: string; sha: string; externalId: string },
): Promise<number | undefined> {
  const runs = await octokit.paginate("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
    ...repo,
    ref: check.sha,
    check_name: check.name,
    filter: "all",
    per_page: 100,
  });
  return runs.find((run) => run.external_id === check.externalId)?.id;
}

/**
 * Completes a check run. GitHub takes at most 50 annotations per request and appends them on each
 * update, so the first request concludes the run with the first 50 and later ones add the rest.
 */
export async function completeCheckRun(
  octokit: Octokit,
  repo: RepoRef,
  checkRunId: number,
  result: CheckRunResult,
): Promise<void> {
  const [first = [], ...rest] = chunk(result.annotations ?? [], ANNOTATIONS_PER_REQUEST);
  const output = {
    title: result.title,
    summary: truncateText(result.summary, CHECK_RUN_TEXT_LIMIT, result.detailsUrl),
    ...(result.text ? { text: truncateText(result.text, CHECK_RUN_TEXT_LIMIT, result.detailsUrl) } : {}),
  };
  await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
    ...repo,
    check_run_id: checkRunId,
    status: "completed",
    conclusion: result.conclusion,
    output: { ...output, ...(first.length ? { annotations: first } : {}) },
    ...(result.actions ? { actions: result.actions } : {}),
  });
  for (const annotations of rest) {
    await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      ...repo,
      check_run_id: checkRunId,
      output: { title: output.title, summary: output.summary, annotations },
    });
  }
}

/** Replaces the buttons a check run offers (GitHub shows at most 3). */
export async function offerCheckRunActions(
  octokit: Octokit,
  repo: RepoRef,
  checkRunId: number,
  actions: CheckRunAction[],
): Promise<void> {
  await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
    ...repo,
    check_run_id: checkRunId,
    actions,
  });
}
