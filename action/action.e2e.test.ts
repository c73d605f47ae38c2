import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningApp } from "../app/server/start.ts";
import { countJobs, type Harness, OIDC_JWKS, openHarness } from "../app/testing/app-harness.ts";
import { type RunningShop, startShop } from "../examples/shop/server.ts";
import { openPostgresStore } from "../shared/store/index.ts";
import {
  checkout,
  copyBundledAction,
  createShopRepository,
  pullRequestPayload,
  pushPayload,
  REPOSITORY,
  runAction,
  runBundledAction,
  type ShopRepository,
} from "./testing/action-harness.ts";
import { ARTIFACT_ENV, expectArtifactUpload, zipEntries } from "./testing/artifact-service.ts";
import type { EdgeLog, ExpectedRequest } from "./testing/github-edge.ts";
import { requestBodySchema, validateAgainstGitHub } from "./testing/github-schema.ts";

const GITHUB = "https://api.github.com";
const CHECK_RUNS = `/repos/${REPOSITORY}/check-runs`;

let repo: ShopRepository;
let shop: RunningShop;

/** Expects one `Perceo / Flows` check run and hands back its body once sent. */
/** A check run body the Action sent, once it validates against GitHub's published REST schema. */
function validCheckRun(body: Record<string, unknown>): Record<string, unknown> {
  expect(validateAgainstGitHub(body, requestBodySchema("/repos/{owner}/{repo}/check-runs", "post"))).toEqual(
    [],
  );
  return body;
}

function expectCheckRun(): { body: () => Record<string, unknown> } {
  let sent: Record<string, unknown> | undefined;
  nock(GITHUB)
    .post(CHECK_RUNS, (body) => {
      sent = body as Record<string, unknown>;
      return true;
    })
    .matchHeader("authorization", "Bearer ghs_test_token")
    .reply(201, { id: 77 });
  return {
    body: () => {
      if (!sent) throw new Error("no check run was sent");
      return validCheckRun(sent);
    },
  };
}

function prRun(
  workspace: string,
  inputs: Record<string, string>,
  options: { fork?: boolean; env?: Record<string, string> } = {},
) {
  return runAction({
    workspace,
    eventName: "pull_request",
    payload: pullRequestPayload(repo, options),
    sha: repo.featureSha,
    ref: "refs/pull/2/merge",
    inputs: { "base-url": shop.url, ...inputs },
    ...(options.env ? { env: options.env } : {}),
  });
}

const runJson = async (workspace: string) =>
  JSON.parse(await readFile(path.join(workspace, "perceo-report", "run.json"), "utf8")) as {
    id: string;
    flows: Array<{ name: string; status: string }>;
  };

describe("the Action in a workflow", { timeout: 90_000 }, () => {
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
    [repo, shop] = await Promise.all([createShopRepository(), startShop()]);
  });
  afterAll(async () => {
    nock.enableNetConnect();
    await shop?.close();
    if (repo) await rm(repo.root, { recursive: true, force: true });
  });
  beforeEach(() => nock.cleanAll());
  afterEach(() => {
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("runs only the flows a pull request affects, from a shallow checkout, and reports a check run GitHub accepts", async () => {
    const workspace = await checkout(repo, "feature", "affected");
    const check = expectCheckRun();
    const result = await prRun(workspace, {});

    expect(result.log).not.toContain("::error::");
    expect(result.log.match(/::error::.*/)?.[0]).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toEqual({
      "affected-flows": '["not-found"]',
      passed: "1",
      failed: "0",
      flaky: "0",
      "visual-changes": "0",
      "report-path": path.join(workspace, "perceo-report"),
      "run-id": "gh-4242-1-shard-1-of-1",
    });
    const body = check.body();
    expect(body).toMatchObject({
      name: "Perceo / Flows",
      head_sha: repo.featureSha,
      status: "completed",
      conclusion: "success",
      details_url: `https://github.com/${REPOSITORY}/actions/runs/4242`,
      external_id: "gh-4242-1-shard-1-of-1",
      output: { title: "1 flow passed" },
    });
    expect((body.output as { annotations?: unknown }).annotations).toBeUndefined();
    expect(result.summary).toContain("1 of 3 flows affected by 1 changed file");
    expect(result.summary).toMatch(/\| not-found \| .*passed.* \| [^|]+ \| — \|/);
    expect(result.summary).toContain(
      "Stored in the embedded database in .perceo/data as run gh-4242-1-shard-1-of-1.",
    );
  });

  it("shards all flows so that every flow runs exactly once across 1/2 and 2/2", async () => {
    const workspace = await checkout(repo, "feature", "shards");
    const ran: string[] = [];
    for (const shard of ["1/2", "2/2"]) {
      expectCheckRun();
      const result = await prRun(workspace, { flows: "all", shard });
      expect(result.log.match(/::error::.*/)?.[0]).toBeUndefined();
      expect(result.exitCode).toBe(0);
      expect(result.outputs["affected-flows"]).toBe('["footer-links","home-hero","not-found"]');
      expect(result.outputs["run-id"]).toBe(`gh-4242-1-shard-${shard.replace("/", "-of-")}`);
      ran.push(...(await runJson(workspace)).flows.map((flow) => flow.name));
    }
    expect(ran.sort()).toEqual(["footer-links", "home-hero", "not-found"]);
  });

  it("with a base commit the remote does not have, fails for affected flows saying how to fix the checkout, and runs named flows against the newest baselines", async () => {
    const workspace = await checkout(repo, "feature", "unknown-base");
    const payload = pullRequestPayload(repo) as { pull_request: { base: { sha: string } } };
    payload.pull_request.base.sha = "0123456789abcdef0123456789abcdef01234567";
    const run = (flows: string) =>
      runAction({
        workspace,
        eventName: "pull_request",
        payload,
        sha: repo.featureSha,
        ref: "refs/pull/2/merge",
        inputs: { "base-url": shop.url, flows },
      });

    const affected = await run("affected");
    expect(affected.exitCode).toBe(1);
    expect(affected.log.match(/::error::.*/)?.[0]).toMatch(
      /^::error::Perceo could not run: git fetch .* origin 0123456789abcdef0123456789abcdef01234567 failed.* — check that the base commit is on origin .*, or set flows: all$/,
    );
    expect(affected.outputs).toEqual({});

    expectCheckRun();
    const named = await run("not-found");
    expect(named.log.match(/::error::.*/)?.[0]).toBeUndefined();
    expect(named.exitCode).toBe(0);
    expect(named.log).toMatch(
      /::warning::Perceo: git fetch .* failed.*; screenshots are compared with the newest baselines instead/,
    );
    expect(named.outputs.passed).toBe("1");
  });

  it("runs a fork's pull request, stores nothing and writes no check run, and says why", async () => {
    const workspace = await checkout(repo, "feature", "fork");
    const result = await prRun(workspace, { flows: "not-found" }, { fork: true });
    expect(result.log.match(/::error::.*/)?.[0]).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(result.outputs.passed).toBe("1");
    expect(result.summary).toContain("Not stored: this pull request comes from a fork");
    expect(result.log).toContain("::warning::Perceo: this pull request comes from a fork");
  });

  it("keeps going when Supabase is down: retries, then warns and keeps the report", async () => {
    const workspace = await checkout(repo, "feature", "backend-down");
    const supabase = nock("https://perceo-down.supabase.co")
      .post("/rest/v1/projects", [
        { full_name: REPOSITORY, repository_id: 186853002, default_branch: "main" },
      ])
      .query({ on_conflict: "full_name", select: "*" })
      .times(3)
      .reply(503, { message: "upstream unavailable" });
    const check = expectCheckRun();
    const artifact = expectArtifactUpload("perceo-report-shard-1-of-1-attempt-1");
    const result = await prRun(
      workspace,
      {
        flows: "not-found",
        "supabase-url": "https://perceo-down.supabase.co",
        "supabase-key": "service-role-secret",
      },
      { env: ARTIFACT_ENV },
    );
    expect(supabase.isDone()).toBe(true);
    expect(result.log.match(/::error::.*/)?.[0]).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(check.body()).toMatchObject({ conclusion: "success" });
    expect(result.summary).toContain("Supabase at https://perceo-down.supabase.co could not be reached");
    expect(result.log).toMatch(/::warning::Perceo: Supabase at .* could not be reached/);
    expect(result.log).toContain("::add-mask::service-role-secret");
    expect((await runJson(workspace)).flows).toHaveLength(1);

    // The results that reached no backend travel in the artifact, with the screenshots.
    expect(artifact.create()).toEqual({
      workflow_run_backend_id: expect.any(String),
      workflow_job_run_backend_id: expect.any(String),
      name: "perceo-report-shard-1-of-1-attempt-1",
      mime_type: "application/zip",
      version: 7,
    });
    const zip = artifact.zip();
    expect(zipEntries(zip)).toEqual([
      "index.html",
      "results.json",
      "run.json",
      "screenshots/not-found/attempt-1/not-found.png",
    ]);
    expect(artifact.finalize()).toEqual({
      workflow_run_backend_id: artifact.create().workflow_run_backend_id,
      workflow_job_run_backend_id: artifact.create().workflow_job_run_backend_id,
      name: "perceo-report-shard-1-of-1-attempt-1",
      size: String(zip.length),
      hash: `sha256:${createHash("sha256").update(zip).digest("hex")}`,
    });
    expect(result.summary).toContain(
      `the artifact [perceo-report-shard-1-of-1-attempt-1](https://github.com/${REPOSITORY}/actions/runs/4242/artifacts/4711) (4 files, with the results as run.json and results.json)`,
    );
    const kept = JSON.parse(await readFile(path.join(workspace, "perceo-report", "results.json"), "utf8"));
    expect(kept).toMatchObject({
      notStored: expect.stringContaining("could not be reached"),
      run: { id: "gh-4242-1-shard-1-of-1" },
      context: { commitSha: repo.featureSha, prNumber: 2 },
      visual: { changes: [] },
    });
  });

  it("makes a default-branch push's screenshots the baselines, then reports a visual change on a pull request", async () => {
    const workspace = await checkout(repo, "main", "baselines");
    expectCheckRun();
    const pushed = await runAction({
      workspace,
      eventName: "push",
      payload: pushPayload(repo),
      sha: repo.mainSha,
      ref: "refs/heads/main",
      inputs: { "base-url": shop.url, flows: "not-found" },
    });
    expect(pushed.log.match(/::error::.*/)?.[0]).toBeUndefined();
    expect(pushed.exitCode).toBe(0);
    expect(pushed.summary).toContain("1 screenshots became baselines.");

    const reworded = await startShop({
      copy: { notFoundText: "This page took a different path. Try the catalog." },
    });
    try {
      const check = expectCheckRun();
      const artifact = expectArtifactUpload("perceo-report-shard-1-of-1-attempt-1");
      const result = await runAction({
        workspace,
        eventName: "pull_request",
        payload: pullRequestPayload(repo),
        sha: repo.featureSha,
        ref: "refs/pull/2/merge",
        inputs: { "base-url": reworded.url, flows: "not-found", "fail-on": "visual" },
        env: ARTIFACT_ENV,
      });
      expect(result.outputs["visual-changes"]).toBe("1");
      // Stored: the artifact carries the pictures and the diff, not the results.
      expect(zipEntries(artifact.zip())).toEqual([
        "index.html",
        "screenshots/not-found/attempt-1/not-found.diff.png",
        "screenshots/not-found/attempt-1/not-found.png",
      ]);
      expect(artifact.finalize()).toMatchObject({ size: String(artifact.zip().length) });
      expect(result.exitCode).toBe(1);
      expect(result.log).toContain("::error::1 screenshots changed (fail-on: visual)");
      const body = check.body();
      expect(body).toMatchObject({
        conclusion: "failure",
        output: { title: "1 flow passed, 1 visual change" },
      });
      const annotations = (body.output as { annotations: Array<Record<string, unknown>> }).annotations;
      expect(annotations).toEqual([
        {
          path: "examples/shop/.perceo/flows/not-found.yml",
          start_line: 13,
          end_line: 13,
          annotation_level: "warning",
          title: "not-found: screenshot not-found changed",
          message: expect.stringMatching(
            new RegExp(
              `^\\d+\\.\\d\\d% of the pixels differ from the baseline of ${repo.mainSha.slice(0, 7)}; diff image: screenshots/not-found/attempt-1/not-found\\.diff\\.png$`,
            ),
          ),
        },
      ]);
    } finally {
      await reworded.close();
    }
  });

  it("with Supabase, makes a default-branch push's screenshots the baselines in one RPC, and compares the next pull request with them", async () => {
    const SUPABASE = "https://perceo-shop.supabase.co";
    const PROJECT_ID = "11111111-2222-4333-8444-555555555555";
    const key = { "supabase-url": SUPABASE, "supabase-key": "service-role-secret" };
    const storagePath = (runId: string) =>
      `${PROJECT_ID}/${runId}/screenshots/not-found/attempt-1/not-found.png`;
    const pushRun = "gh-4242-1-shard-1-of-1";
    const prRunId = "gh-4343-1-shard-1-of-1";
    const supabase = () =>
      nock(SUPABASE)
        .matchHeader("apikey", "service-role-secret")
        .matchHeader("authorization", "Bearer service-role-secret");
    const projectRow = {
      id: PROJECT_ID,
      full_name: REPOSITORY,
      installation_id: null,
      repository_id: 186853002,
      default_branch: "main",
      created_at: "2026-11-23T10:00:00+00:00",
    };
    const recorded: Array<{ p_run: { id: string }; p_context: Record<string, unknown> }> = [];
    const expectRecordedRun = () =>
      supabase()
        .post("/rest/v1/projects", [
          { full_name: REPOSITORY, repository_id: 186853002, default_branch: "main" },
        ])
        .query({ on_conflict: "full_name", select: "*" })
        .reply(201, [projectRow])
        .post("/rest/v1/rpc/record_test_run", (body) => {
          // nock may offer this matcher other requests' bodies too: keep only the run.
          if (body?.p_project_id !== PROJECT_ID || !body.p_run) return false;
          recorded.push(body);
          return true;
        })
        .reply(200, JSON.stringify("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"));

    // 1. The push: no baseline yet; the screenshot is uploaded, the run recorded, then approved.
    const workspace = await checkout(repo, "main", "supabase-baselines");
    let baselinePicture: Buffer | undefined;
    expectRecordedRun();
    supabase()
      .post("/rest/v1/rpc/resolve_baseline", (body) => body.p_flow_name === "not-found")
      .reply(200, [])
      .post(`/storage/v1/object/screenshots/${storagePath(pushRun)}`, (body) => {
        // A PNG arrives hex-encoded (nock's form for binary bodies).
        if (typeof body !== "string" || !body.startsWith("89504e47")) return false;
        baselinePicture = Buffer.from(body, "hex");
        return true;
      })
      .matchHeader("x-upsert", "true")
      .reply(200, { Key: `screenshots/${storagePath(pushRun)}` })
      .post("/rest/v1/rpc/approve_run_screenshots", {
        p_project_id: PROJECT_ID,
        p_run_key: pushRun,
        p_reviewed_by: "perceo/action",
      })
      .reply(200, "1");
    expectCheckRun();
    const pushed = await runAction({
      workspace,
      eventName: "push",
      payload: pushPayload(repo),
      sha: repo.mainSha,
      ref: "refs/heads/main",
      inputs: { "base-url": shop.url, flows: "not-found", ...key },
    });
    expect(pushed.log.match(/::error::.*/)?.[0]).toBeUndefined();
    expect(pushed.exitCode).toBe(0);
    expect(pushed.summary).toContain(
      `Stored in Supabase at ${SUPABASE} as run ${pushRun}. 1 screenshots became baselines.`,
    );
    expect(recorded[0]?.p_context).toMatchObject({
      commitSha: repo.mainSha,
      branch: "main",
      artifacts: { "screenshots/not-found/attempt-1/not-found.png": storagePath(pushRun) },
    });
    expect(baselinePicture?.subarray(1, 4).toString()).toBe("PNG");

    // 2. The pull request, against a reworded 404 page: compared with the pushed picture.
    const reworded = await startShop({
      copy: { notFoundText: "This page took a different path. Try the catalog." },
    });
    try {
      expectRecordedRun();
      supabase()
        .post("/rest/v1/rpc/resolve_baseline", {
          p_project_id: PROJECT_ID,
          p_flow_name: "not-found",
          p_step_name: "not-found",
          p_viewport_width: 1280,
          p_viewport_height: 800,
          p_merge_base_sha: repo.mainSha,
        })
        .reply(200, [
          {
            baseline_id: "b1",
            screenshot_id: "s1",
            commit_sha: repo.mainSha,
            branch: "main",
            storage_path: storagePath(pushRun),
            path: "screenshots/not-found/attempt-1/not-found.png",
            approved_at: "2026-11-23T10:00:00+00:00",
            from_merge_base: true,
          },
        ])
        .get(`/storage/v1/object/authenticated/screenshots/${storagePath(pushRun)}`)
        .reply(200, () => baselinePicture, { "content-type": "image/png" })
        .post(`/storage/v1/object/screenshots/${storagePath(prRunId)}`)
        .reply(200, { Key: `screenshots/${storagePath(prRunId)}` });
      const check = expectCheckRun();
      const result = await runAction({
        workspace: await checkout(repo, "feature", "supabase-pr"),
        eventName: "pull_request",
        payload: pullRequestPayload(repo),
        sha: repo.featureSha,
        ref: "refs/pull/2/merge",
        inputs: { "base-url": reworded.url, flows: "not-found", ...key },
        env: { GITHUB_RUN_ID: "4343" },
      });
      expect(result.log.match(/::error::.*/)?.[0]).toBeUndefined();
      expect(result.exitCode).toBe(0);
      expect(result.outputs["visual-changes"]).toBe("1");
      expect(check.body()).toMatchObject({
        conclusion: "neutral",
        output: { title: "1 flow passed, 1 visual change" },
      });
      expect(recorded[1]?.p_run.id).toBe(prRunId);
    } finally {
      await reworded.close();
    }
  });
});

/**
 * The published Action is action/dist and nothing else: with no backend configured, the bundle
 * keeps runs and baselines in the embedded database under the workspace, and actions/cache carries
 * `.perceo/data` and `.perceo/blobs` from a default-branch push to the pull requests after it.
 */
describe("the bundled Action with no backend configured", { timeout: 180_000 }, () => {
  let bundle: string;
  beforeAll(async () => {
    [repo, shop, bundle] = await Promise.all([createShopRepository(), startShop(), copyBundledAction()]);
  });
  afterAll(async () => {
    await shop?.close();
    if (repo) await rm(repo.root, { recursive: true, force: true });
    if (bundle) await rm(path.resolve(bundle, "../../.."), { recursive: true, force: true });
  });

  const checkRun: ExpectedRequest = {
    method: "POST",
    origin: GITHUB,
    path: CHECK_RUNS,
    authorization: "Bearer ghs_test_token",
    status: 201,
    reply: { id: 77 },
  };
  /** The one check run the bundle sent, once GitHub (nock in its process) saw nothing else. */
  const onlyCheckRun = (github: EdgeLog) => {
    expect(github.unexpected).toEqual([]);
    expect(github.pending).toEqual([]);
    expect(github.received).toHaveLength(1);
    return validCheckRun(github.received[0]?.body as Record<string, unknown>);
  };
  /** What actions/cache does for the next job: the store's two folders, restored into a fresh checkout. */
  const restoreCache = async (from: string, to: string) => {
    for (const dir of [".perceo/data", ".perceo/blobs"])
      await cp(path.join(from, dir), path.join(to, dir), { recursive: true });
  };

  it("records a default-branch push and its baselines in .perceo/data; pull requests with that folder restored compare against them", async () => {
    // 1. The push to main: recorded, and its screenshot becomes the baseline.
    const main = await checkout(repo, "main", "bundled-push");
    const pushed = await runBundledAction(bundle, {
      workspace: main,
      eventName: "push",
      payload: pushPayload(repo),
      sha: repo.mainSha,
      ref: "refs/heads/main",
      inputs: { "base-url": shop.url, flows: "not-found" },
      github: [checkRun],
    });
    expect(pushed.log.match(/::error::.*/)?.[0]).toBeUndefined();
    expect(pushed.log).not.toContain("::warning::");
    expect(pushed.exitCode).toBe(0);
    expect(onlyCheckRun(pushed.github)).toMatchObject({ head_sha: repo.mainSha, conclusion: "success" });
    expect(pushed.summary).toContain(
      "Stored in the embedded database in .perceo/data as run gh-4242-1-shard-1-of-1. 1 screenshots became baselines.",
    );
    expect(pushed.summary).toContain(
      `The embedded database lives in \`.perceo/data\` (runs, baselines) and \`.perceo/blobs\` (screenshots) under the workspace (${main}), which the runner discards after the job: keep both between runs with actions/cache`,
    );

    // 2. A pull request that does not change the page: compared with the push's baseline, no change.
    const same = await checkout(repo, "feature", "bundled-pr-same");
    await restoreCache(main, same);
    const unchanged = await runBundledAction(bundle, {
      workspace: same,
      eventName: "pull_request",
      payload: pullRequestPayload(repo),
      sha: repo.featureSha,
      ref: "refs/pull/2/merge",
      inputs: { "base-url": shop.url, flows: "not-found", "fail-on": "visual" },
      env: { GITHUB_RUN_ID: "4343" },
      github: [checkRun],
    });
    expect(unchanged.log.match(/::error::.*/)?.[0]).toBeUndefined();
    expect(unchanged.exitCode).toBe(0);
    expect(unchanged.outputs).toMatchObject({ passed: "1", "visual-changes": "0" });
    expect(onlyCheckRun(unchanged.github)).toMatchObject({
      conclusion: "success",
      output: { title: "1 flow passed" },
    });
    expect(unchanged.summary).not.toContain("no baseline yet");
    expect(unchanged.summary).toContain(
      "Stored in the embedded database in .perceo/data as run gh-4343-1-shard-1-of-1.",
    );

    // 3. A pull request that rewords the 404 page: the visual change, against main's baseline.
    const reworded = await startShop({
      copy: { notFoundText: "This page took a different path. Try the catalog." },
    });
    const changed = await checkout(repo, "feature", "bundled-pr-changed");
    await restoreCache(main, changed);
    try {
      const result = await runBundledAction(bundle, {
        workspace: changed,
        eventName: "pull_request",
        payload: pullRequestPayload(repo),
        sha: repo.featureSha,
        ref: "refs/pull/2/merge",
        inputs: { "base-url": reworded.url, flows: "not-found" },
        env: { GITHUB_RUN_ID: "4344" },
        github: [checkRun],
      });
      expect(result.log.match(/::error::.*/)?.[0]).toBeUndefined();
      expect(result.exitCode).toBe(0);
      expect(result.outputs).toMatchObject({ passed: "1", "visual-changes": "1" });
      const body = onlyCheckRun(result.github);
      expect(body).toMatchObject({
        conclusion: "neutral",
        output: { title: "1 flow passed, 1 visual change" },
      });
      expect(JSON.stringify(body)).toContain(`differ from the baseline of ${repo.mainSha.slice(0, 7)}`);
    } finally {
      await reworded.close();
    }

    // 4. The store itself, opened where the bundle left it: the push's run and baseline, the pull request's run.
    const store = await openPostgresStore({ env: {}, cwd: changed });
    try {
      const runs = await store.listRuns({ project: REPOSITORY });
      expect(
        runs.map(({ id, commitSha, branch, prNumber }) => ({ id, commitSha, branch, prNumber })),
      ).toEqual([
        { id: "gh-4344-1-shard-1-of-1", commitSha: repo.featureSha, branch: "feature", prNumber: 2 },
        { id: "gh-4242-1-shard-1-of-1", commitSha: repo.mainSha, branch: "main", prNumber: null },
      ]);
      const project = await store.getProject(REPOSITORY);
      const baseline = await store.resolveBaseline({
        projectId: project?.id ?? "",
        flowName: "not-found",
        stepName: "not-found",
        viewport: { width: 1280, height: 800 },
        mergeBaseSha: repo.mainSha,
      });
      expect(baseline).toMatchObject({ commitSha: repo.mainSha, branch: "main", fromMergeBase: true });
      const picture = await store.blobs.get("screenshots", baseline?.storagePath ?? "");
      expect(
        Buffer.from(picture ?? [])
          .subarray(1, 4)
          .toString(),
      ).toBe("PNG");
    } finally {
      await store.close();
    }
  });
});

/**
 * The recommended setup end to end: the Action asks GitHub (nock) for an OIDC token for audience
 * `perceo` and posts the run to the real App's ingest route, which verifies the token against
 * GitHub's JWKS (nock) and records into PostgreSQL 15.
 */
describe("the Action reporting to the Perceo App with an OIDC token", { timeout: 120_000 }, () => {
  const ISSUER = "https://token.actions.githubusercontent.com";
  const TOKEN_URL = "https://pipelines.actions.example/idtoken";
  let harness: Harness;
  let app: RunningApp;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  /** Where this test's App keeps the pictures it receives. */
  let blobsDir: string;
  const blobDirs: string[] = [];

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
    [repo, shop, harness, keys] = await Promise.all([
      createShopRepository(),
      startShop(),
      openHarness(),
      generateKeyPair("RS256"),
    ]);
  });
  afterAll(async () => {
    nock.enableNetConnect();
    await Promise.all([shop?.close(), harness?.close()]);
    if (repo) await rm(repo.root, { recursive: true, force: true });
    await Promise.all(blobDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  beforeEach(async () => {
    nock.cleanAll();
    blobsDir = await mkdtemp(path.join(tmpdir(), "perceo-app-blobs-"));
    blobDirs.push(blobsDir);
    app = await harness.start({ blobsDir });
    // The App knows the repository: it is installed (installation 1).
    await app.deps.store.ensureProject({ fullName: REPOSITORY, installationId: 1, repositoryId: 186853002 });
  });
  afterEach(async () => {
    expect(nock.pendingMocks()).toStrictEqual([]);
    await harness.reset();
  });

  /** A token as GitHub signs it for this workflow run (4242, attempt 1). */
  function signToken(claims: Record<string, unknown>, options: { audience?: string; expires?: string } = {}) {
    return new SignJWT({
      repository: REPOSITORY,
      repository_id: "186853002",
      sha: repo.featureSha,
      ref: "refs/pull/2/merge",
      run_id: "4242",
      run_attempt: "1",
      ...claims,
    })
      .setProtectedHeader({ alg: "RS256", kid: "actions-1" })
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? "perceo")
      .setIssuedAt()
      .setExpirationTime(options.expires ?? "5m")
      .sign(keys.privateKey);
  }

  /** GitHub's JWKS lets the App check tokens; the App asks once and keeps the keys. */
  async function serveJwks() {
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: "actions-1", alg: "RS256", use: "sig" };
    nock(new URL(OIDC_JWKS).origin)
      .get(new URL(OIDC_JWKS).pathname)
      .reply(200, { keys: [jwk] });
  }

  /** GitHub's token endpoint hands the job this token (and, unless the App has them, the JWKS is served). */
  async function issueToken(
    claims: Record<string, unknown>,
    options: { audience?: string; expires?: string; jwks?: boolean } = {},
  ) {
    const token = await signToken(claims, options);
    nock(new URL(TOKEN_URL).origin)
      .get("/idtoken")
      .query({ "api-version": "2.0", audience: "perceo" })
      .matchHeader("authorization", "Bearer runtime-request-token")
      .reply(200, { value: token });
    if (options.jwks !== false) await serveJwks();
    return token;
  }

  function runWithToken(
    workspace: string,
    options: { push?: boolean; baseUrl?: string; inputs?: Record<string, string> } = {},
  ) {
    expectCheckRun();
    return runAction({
      workspace,
      ...(options.push
        ? { eventName: "push", payload: pushPayload(repo), sha: repo.mainSha, ref: "refs/heads/main" }
        : {
            eventName: "pull_request",
            payload: pullRequestPayload(repo),
            sha: repo.featureSha,
            ref: "refs/pull/2/merge",
          }),
      inputs: {
        "base-url": options.baseUrl ?? shop.url,
        flows: "not-found",
        "ingest-url": `http://127.0.0.1:${app.port}/api/perceo/runs`,
        ...options.inputs,
      },
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: `${TOKEN_URL}?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runtime-request-token",
      },
    });
  }

  it("a verified token records the run in the App and queues its comment update", async () => {
    const workspace = await checkout(repo, "feature", "oidc-verified");
    const token = await issueToken({});
    const result = await runWithToken(workspace);
    expect(result.log.match(/::error::.*/)?.[0]).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(result.log).toContain(`::add-mask::${token}`);
    expect(result.summary).toContain(
      `Sent to the Perceo App at http://127.0.0.1:${app.port}/api/perceo/runs with 1 screenshots.`,
    );
    const [stored] = await app.deps.store.listRuns({ project: REPOSITORY });
    expect(stored).toMatchObject({
      id: "gh-4242-1-shard-1-of-1",
      source: "ci",
      commitSha: repo.featureSha,
      prNumber: 2,
      totals: { passed: 1, failed: 0 },
    });
    expect(await countJobs(app, "flows-result")).toBe(1);
  });

  it.each([
    [
      "a token for another audience",
      {},
      { audience: "sts.amazonaws.com" },
      401,
      "the OIDC token was refused",
    ],
    ["an expired token", {}, { expires: "-1m" }, 401, "the OIDC token was refused: ERR_JWT_EXPIRED"],
    [
      "a token for a repository the App is not installed on",
      { repository: "someone-else/Hello-World", repository_id: "42" },
      {},
      403,
      "repository someone-else/Hello-World is not an installed Perceo project",
    ],
  ])(
    "%s is refused: the run is reported, stored nowhere, and the job fails saying why",
    async (_, claims, options, status, reason) => {
      const workspace = await checkout(repo, "feature", `oidc-${status}-${Object.keys(options).join("")}`);
      await issueToken(claims, options);
      const result = await runWithToken(workspace);
      expect(result.exitCode).toBe(1);
      const error = result.log.match(/::error::.*/)?.[0] ?? "";
      // The pictures go first: the first of them is refused, and nothing after it is sent.
      expect(error).toContain(
        `Perceo could not store the results: the Perceo App refused the screenshot screenshots/not-found/attempt-1/not-found.png (${status}`,
      );
      expect(error).toContain(reason);
      expect(result.log).toContain(
        `::warning::Perceo: screenshots were not compared: the Perceo App refused the baseline lookup of not-found / not-found (${status}`,
      );
      expect(await readdir(blobsDir)).toEqual([]);
      expect(result.outputs.passed).toBe("1");
      expect(result.summary).toContain("Not stored: the Perceo App refused the screenshot");
      expect(await app.deps.store.listRuns({ project: REPOSITORY })).toEqual([]);
      expect(await countJobs(app)).toBe(0);
    },
  );

  it("through the App, a default-branch push sets the baselines and the next pull request reports its visual change against them", async () => {
    // 1. The push: no baseline yet; its screenshot reaches the App and becomes the baseline.
    await issueToken({ sha: repo.mainSha, ref: "refs/heads/main" });
    const pushed = await runWithToken(await checkout(repo, "main", "oidc-push"), { push: true });
    expect(pushed.log.match(/::error::.*/)?.[0]).toBeUndefined();
    expect(pushed.exitCode).toBe(0);
    expect(pushed.summary).toContain(
      `Sent to the Perceo App at http://127.0.0.1:${app.port}/api/perceo/runs with 1 screenshots. 1 screenshots became baselines.`,
    );
    const project = await app.deps.store.getProject(REPOSITORY);
    const baseline = await app.deps.store.resolveBaseline({
      projectId: project?.id ?? "",
      flowName: "not-found",
      stepName: "not-found",
      viewport: { width: 1280, height: 800 },
    });
    expect(baseline).toMatchObject({
      commitSha: repo.mainSha,
      branch: "main",
      storagePath: `${project?.id}/gh-4242-1-shard-1-of-1/screenshots/not-found/attempt-1/not-found.png`,
    });

    // 2. The pull request against a reworded 404 page, a new workflow run: compared through the App.
    const reworded = await startShop({
      copy: { notFoundText: "This page took a different path. Try the catalog." },
    });
    try {
      await issueToken({ run_id: "4343" }, { jwks: false });
      const check = expectCheckRun();
      const workspace = await checkout(repo, "feature", "oidc-pr-visual");
      const result = await runAction({
        workspace,
        eventName: "pull_request",
        payload: pullRequestPayload(repo),
        sha: repo.featureSha,
        ref: "refs/pull/2/merge",
        inputs: {
          "base-url": reworded.url,
          flows: "not-found",
          "ingest-url": `http://127.0.0.1:${app.port}/api/perceo/runs`,
        },
        env: {
          GITHUB_RUN_ID: "4343",
          ACTIONS_ID_TOKEN_REQUEST_URL: `${TOKEN_URL}?api-version=2.0`,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runtime-request-token",
        },
      });
      expect(result.log.match(/::error::.*/)?.[0]).toBeUndefined();
      expect(result.exitCode).toBe(0);
      expect(result.outputs["visual-changes"]).toBe("1");
      const body = check.body();
      expect(body).toMatchObject({
        conclusion: "neutral",
        output: { title: "1 flow passed, 1 visual change" },
      });
      const [annotation] = (body.output as { annotations: Array<{ message: string }> }).annotations;
      expect(annotation?.message).toContain(`from the baseline of ${repo.mainSha.slice(0, 7)}`);
      // The App holds the pull request's picture, pending, for the approve button and /perceo approve.
      const pending = await app.deps.store.listPendingScreenshots(project?.id ?? "", repo.featureSha);
      expect(pending.map((shot) => [shot.flowName, shot.storagePath])).toEqual([
        ["not-found", `${project?.id}/gh-4343-1-shard-1-of-1/screenshots/not-found/attempt-1/not-found.png`],
      ]);
      expect(await countJobs(app, "flows-result")).toBe(2);
    } finally {
      await reworded.close();
    }
  });

  it("a pull request's token cannot make its screenshots the baselines: the run is stored, the baselines stay, the job warns", async () => {
    await issueToken({});
    const result = await runWithToken(await checkout(repo, "feature", "oidc-pr-promote"), {
      inputs: { "update-baselines": "true" },
    });
    expect(result.log.match(/::error::.*/)?.[0]).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(result.log).toContain(
      "::warning::Perceo: update-baselines: the Perceo App refused the baselines (403 ",
    );
    expect(result.log).toContain(
      "baselines are set only by a workflow on main; this token is for refs/pull/2/merge",
    );
    const project = await app.deps.store.getProject(REPOSITORY);
    const query = { flowName: "not-found", stepName: "not-found", viewport: { width: 1280, height: 800 } };
    expect(await app.deps.store.resolveBaseline({ projectId: project?.id ?? "", ...query })).toBeUndefined();
    expect(await app.deps.store.listRuns({ project: REPOSITORY })).toHaveLength(1);
  });

  describe("uploads the App refuses, storing nothing", () => {
    /** A PUT with its path sent as written (fetch would resolve an encoded `..` before sending it). */
    const upload = (bearer: string, reportPath: string, body: Uint8Array<ArrayBuffer> | string) =>
      new Promise<{ status: number; error: string }>((resolve, reject) => {
        const request = httpRequest(
          {
            host: "127.0.0.1",
            port: app.port,
            method: "PUT",
            path: `/api/perceo/runs/gh-4242-1-shard-1-of-1/artifacts/${reportPath}`,
            headers: { authorization: `Bearer ${bearer}`, "content-type": "image/png" },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () =>
              resolve({
                status: response.statusCode ?? 0,
                error: (JSON.parse(Buffer.concat(chunks).toString()) as { error: string }).error,
              }),
            );
          },
        );
        request.on("error", reject);
        request.end(body);
      });
    let picture: Uint8Array<ArrayBuffer>;
    beforeAll(async () => {
      const workspace = await checkout(repo, "main", "oidc-picture");
      // A real screenshot of the shop's 404 page, from a fork's run (which stores and reports nowhere).
      await runAction({
        workspace,
        eventName: "pull_request",
        payload: pullRequestPayload(repo, { fork: true }),
        sha: repo.featureSha,
        ref: "refs/pull/2/merge",
        inputs: { "base-url": shop.url, flows: "not-found" },
      });
      picture = new Uint8Array(
        await readFile(
          path.join(workspace, "perceo-report", "screenshots", "not-found", "attempt-1", "not-found.png"),
        ),
      );
    });

    const refused: Array<{
      name: string;
      body: () => Uint8Array<ArrayBuffer> | string;
      path?: string;
      claims?: Record<string, unknown>;
      status: number;
      reason: string;
    }> = [
      {
        name: "a file that is not a PNG",
        body: () => "<svg xmlns='http://www.w3.org/2000/svg'/>",
        status: 415,
        reason: "the screenshot is not a PNG",
      },
      {
        name: "a path that climbs out with ..",
        body: () => picture,
        path: "screenshots/%2E%2E/%2E%2E/escape.png",
        status: 400,
        reason: "invalid screenshot path",
      },
      {
        name: "a picture over 20 MB",
        body: () => new Uint8Array(Buffer.concat([picture, Buffer.alloc(20 * 1024 * 1024)])),
        status: 413,
        reason: "the screenshot is larger than 20 MB",
      },
      {
        name: "another repository's token",
        body: () => picture,
        claims: { repository: "someone-else/Hello-World", repository_id: "42" },
        status: 403,
        reason: "repository someone-else/Hello-World is not an installed Perceo project",
      },
      {
        name: "another workflow run's token",
        body: () => picture,
        claims: { run_id: "5151" },
        status: 403,
        reason: "is not this workflow run's",
      },
    ];
    it.each(refused)(
      "$name is refused with $status",
      async ({ body, path: reportPath, claims, status, reason }) => {
        await serveJwks();
        const token = await signToken(claims ?? {});
        const response = await upload(
          token,
          reportPath ?? "screenshots/not-found/attempt-1/not-found.png",
          body(),
        );
        expect(response.status).toBe(status);
        expect(response.error).toContain(reason);
        expect(await readdir(blobsDir)).toEqual([]);
      },
    );
  });
});
