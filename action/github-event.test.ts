import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import webhookExamples from "@octokit/webhooks-examples";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRunEvent } from "./github-event.ts";
import { ActionInputError } from "./inputs.ts";

type Example = { name: string; examples: Array<Record<string, unknown>> };

function example(name: string, index = 0): Record<string, unknown> {
  const found = (webhookExamples as unknown as Example[]).find((e) => e.name === name)?.examples[index];
  if (!found) throw new Error(`no ${name} example`);
  return structuredClone(found);
}

let dir: string;
let written = 0;

async function eventFile(payload: unknown): Promise<string> {
  const file = path.join(dir, `event-${++written}.json`);
  await writeFile(file, JSON.stringify(payload));
  return file;
}

const runner = { GITHUB_RUN_ID: "7", GITHUB_RUN_ATTEMPT: "2", GITHUB_WORKSPACE: "/work" };

describe("the event that started the workflow", () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "perceo-event-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a merge queue group compares its head with the queue's base, on the temporary branch", async () => {
    const payload = example("merge_group") as { merge_group: Record<string, string> };
    const event = readRunEvent({
      ...runner,
      GITHUB_EVENT_NAME: "merge_group",
      GITHUB_EVENT_PATH: await eventFile(payload),
      GITHUB_REPOSITORY: "octo-org/octo-repo",
    });
    expect(event).toMatchObject({
      headSha: payload.merge_group.head_sha,
      baseSha: payload.merge_group.base_sha,
      branch: payload.merge_group.head_ref?.replace("refs/heads/", ""),
      prNumber: undefined,
      fromFork: false,
      isDefaultBranchPush: false,
      runId: 7,
      runAttempt: 2,
    });
  });

  it("a manual dispatch has no base: every flow runs, on the commit GITHUB_SHA names", async () => {
    const event = readRunEvent({
      ...runner,
      GITHUB_EVENT_NAME: "workflow_dispatch",
      GITHUB_EVENT_PATH: await eventFile(example("workflow_dispatch")),
      GITHUB_REPOSITORY: "octo-org/octo-repo",
      GITHUB_SHA: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
      GITHUB_REF: "refs/heads/main",
    });
    expect(event).toMatchObject({
      headSha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
      baseSha: undefined,
      branch: "main",
      isDefaultBranchPush: false,
    });
  });

  it("a push to the default branch compares with the commit before it and may update baselines; a new branch has no base", async () => {
    const payload = example("push") as Record<string, unknown> & { repository: { default_branch: string } };
    payload.ref = `refs/heads/${payload.repository.default_branch}`;
    payload.before = "1111111111111111111111111111111111111111";
    payload.after = "2222222222222222222222222222222222222222";
    const env = {
      ...runner,
      GITHUB_EVENT_NAME: "push",
      GITHUB_REPOSITORY: "Codertocat/Hello-World",
      GITHUB_REF: payload.ref as string,
    };
    expect(readRunEvent({ ...env, GITHUB_EVENT_PATH: await eventFile(payload) })).toMatchObject({
      headSha: payload.after,
      baseSha: payload.before,
      isDefaultBranchPush: true,
    });
    payload.before = "0000000000000000000000000000000000000000";
    expect(readRunEvent({ ...env, GITHUB_EVENT_PATH: await eventFile(payload) }).baseSha).toBeUndefined();
  });

  it("outside a workflow, says to run as a step of a job", () => {
    expect(() => readRunEvent({})).toThrow(ActionInputError);
    expect(() => readRunEvent({})).toThrow(
      "GITHUB_EVENT_NAME is not set: run Perceo as a step of a GitHub Actions job",
    );
  });
});
