import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { supabaseBlobs } from "./blobs.ts";
import { supabaseStore } from "./supabase-store.ts";
import { aRunResult } from "./testing/fixtures.ts";

const URL = "https://perceo-test.supabase.co";
const KEY = "service-role-key";
const PROJECT_ID = "11111111-2222-4333-8444-555555555555";
const RECORD_ID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

const http = { url: URL, serviceRoleKey: KEY, retryDelayMs: () => 0 };
const newStore = () => supabaseStore({ ...http, blobs: supabaseBlobs(http) });

/** Every request must carry the service role key the way Supabase expects it. */
const api = () => nock(URL).matchHeader("apikey", KEY).matchHeader("authorization", `Bearer ${KEY}`);

const projectRow = {
  id: PROJECT_ID,
  full_name: "acme/shop",
  installation_id: 7,
  repository_id: 42,
  default_branch: "main",
  created_at: "2025-03-01T10:00:00+00:00",
};

describe("Supabase store", () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => nock.cleanAll());
  afterEach(() => {
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("upserts a project on its full name and returns the representation", async () => {
    api()
      .post("/rest/v1/projects", [{ full_name: "acme/shop", installation_id: 7, repository_id: 42 }])
      .query({ on_conflict: "full_name", select: "*" })
      .matchHeader("prefer", "resolution=merge-duplicates,return=representation")
      .matchHeader("content-type", "application/json")
      .reply(201, [projectRow]);
    const project = await newStore().ensureProject({
      fullName: "acme/shop",
      installationId: 7,
      repositoryId: 42,
    });
    expect(project).toEqual({
      id: PROJECT_ID,
      fullName: "acme/shop",
      installationId: 7,
      repositoryId: 42,
      defaultBranch: "main",
      createdAt: "2025-03-01T10:00:00.000Z",
    });
  });

  it("records a run in one RPC after uploading its artifacts to Storage", async () => {
    const run = aRunResult({ project: "acme/shop", id: "gh-123-1" });
    const reportDir = await mkdtemp(join(tmpdir(), "perceo-report-"));
    try {
      await mkdir(join(reportDir, "checkout"), { recursive: true });
      await mkdir(join(reportDir, "signup"), { recursive: true });
      await writeFile(join(reportDir, "checkout/cart.png"), "png-bytes");
      await writeFile(join(reportDir, "signup/failure-1.png"), "failure-bytes");
      await writeFile(join(reportDir, "signup/trace-1.zip"), "zip-bytes");
      const prefix = `${PROJECT_ID}/gh-123-1`;
      const upload = (bucket: string, path: string, body: string, type: string) =>
        api()
          .post(`/storage/v1/object/${bucket}/${prefix}/${path}`, body)
          .matchHeader("x-upsert", "true")
          .matchHeader("content-type", type)
          .reply(200, { Key: `${bucket}/${prefix}/${path}` });
      upload("screenshots", "checkout/cart.png", "png-bytes", "image/png");
      upload("screenshots", "signup/failure-1.png", "failure-bytes", "image/png");
      upload("traces", "signup/trace-1.zip", "zip-bytes", "application/zip");
      api()
        .post("/rest/v1/rpc/record_test_run", {
          p_project_id: PROJECT_ID,
          p_run: run,
          p_context: {
            source: "ci",
            commitSha: "abc1234",
            branch: "feature",
            prNumber: 12,
            ciRunId: 123,
            ciRunAttempt: 1,
            artifacts: {
              "checkout/cart.png": `${prefix}/checkout/cart.png`,
              "signup/failure-1.png": `${prefix}/signup/failure-1.png`,
              "signup/trace-1.zip": `${prefix}/signup/trace-1.zip`,
            },
          },
        })
        .reply(200, JSON.stringify(RECORD_ID));
      const recorded = await newStore().recordRun(run, {
        projectId: PROJECT_ID,
        source: "ci",
        commitSha: "abc1234",
        branch: "feature",
        prNumber: 12,
        ciRunId: 123,
        ciRunAttempt: 1,
        reportDir,
      });
      expect(recorded).toEqual({ recordId: RECORD_ID, projectId: PROJECT_ID });
    } finally {
      await rm(reportDir, { recursive: true, force: true });
    }
  });

  it("creates the run's project by name when no project id is given", async () => {
    const run = aRunResult({ project: "acme/shop" });
    api()
      .post("/rest/v1/projects", [{ full_name: "acme/shop" }])
      .query(true)
      .reply(201, [projectRow]);
    api()
      .post(
        "/rest/v1/rpc/record_test_run",
        (body: { p_project_id: string }) => body.p_project_id === PROJECT_ID,
      )
      .reply(200, JSON.stringify(RECORD_ID));
    expect(await newStore().recordRun(run)).toEqual({ recordId: RECORD_ID, projectId: PROJECT_ID });
  });

  it("lists runs newest first with the project embedded and filtered", async () => {
    api()
      .get("/rest/v1/test_runs")
      .query({
        select:
          "id,run_key,status,source,base_url,started_at,finished_at,duration_ms,passed_count,failed_count,flaky_count,skipped_count,commit_sha,branch,pr_number,projects!inner(full_name)",
        order: "started_at.desc,id.desc",
        limit: "5",
        "projects.full_name": "eq.acme/shop",
        started_at: "lt.2025-03-02T00:00:00.000Z",
      })
      .reply(200, [
        {
          id: RECORD_ID,
          run_key: "r1",
          status: "failed",
          source: "ci",
          base_url: "http://localhost:3000",
          started_at: "2025-03-01T10:00:00+00:00",
          finished_at: "2025-03-01T10:00:09.25+00:00",
          duration_ms: 9250,
          passed_count: 1,
          failed_count: 1,
          flaky_count: 0,
          skipped_count: 0,
          commit_sha: "abc1234",
          branch: "main",
          pr_number: null,
          projects: { full_name: "acme/shop" },
        },
      ]);
    const runs = await newStore().listRuns({
      project: "acme/shop",
      limit: 5,
      before: "2025-03-02T00:00:00.000Z",
    });
    expect(runs).toEqual([
      {
        id: "r1",
        recordId: RECORD_ID,
        project: "acme/shop",
        status: "failed",
        source: "ci",
        baseUrl: "http://localhost:3000",
        startedAt: "2025-03-01T10:00:00.000Z",
        finishedAt: "2025-03-01T10:00:09.250Z",
        durationMs: 9250,
        totals: { passed: 1, failed: 1, flaky: 0, skipped: 0 },
        commitSha: "abc1234",
        branch: "main",
        prNumber: null,
      },
    ]);
  });

  it("reads a run by its id, then rebuilds it with the test_run_result RPC", async () => {
    const run = aRunResult({ id: 'odd "id", with commas', project: "acme/shop" });
    api()
      .get("/rest/v1/test_runs")
      .query({
        select: "id,projects!inner(full_name)",
        order: "started_at.desc",
        limit: "1",
        or: '(run_key.eq."odd \\"id\\", with commas")',
      })
      .reply(200, [{ id: RECORD_ID, projects: { full_name: "acme/shop" } }]);
    api().post("/rest/v1/rpc/test_run_result", { p_test_run_id: RECORD_ID }).reply(200, run);
    expect(await newStore().getRun(run.id)).toEqual(run);
  });

  it("answers undefined for a run it does not know", async () => {
    api()
      .get("/rest/v1/test_runs")
      .query((query) => query.or === `(run_key.eq."${RECORD_ID}",id.eq.${RECORD_ID})`)
      .reply(200, []);
    expect(await newStore().getRun(RECORD_ID)).toBeUndefined();
  });

  it("resolves a baseline through the resolve_baseline RPC", async () => {
    api()
      .post("/rest/v1/rpc/resolve_baseline", {
        p_project_id: PROJECT_ID,
        p_flow_name: "checkout",
        p_step_name: "cart",
        p_viewport_width: 1280,
        p_viewport_height: 720,
        p_merge_base_sha: "abc1234",
      })
      .reply(200, [
        {
          baseline_id: "b1",
          screenshot_id: "s1",
          commit_sha: "abc1234",
          branch: "main",
          storage_path: `${PROJECT_ID}/r1/checkout/cart.png`,
          path: "checkout/cart.png",
          approved_at: "2025-03-01T10:00:00+00:00",
          from_merge_base: true,
        },
      ]);
    const baseline = await newStore().resolveBaseline({
      projectId: PROJECT_ID,
      flowName: "checkout",
      stepName: "cart",
      viewport: { width: 1280, height: 720 },
      mergeBaseSha: "abc1234",
    });
    expect(baseline).toMatchObject({
      baselineId: "b1",
      fromMergeBase: true,
      approvedAt: "2025-03-01T10:00:00.000Z",
    });
  });

  it("promotes a run's screenshots to baselines in one approve_run_screenshots RPC", async () => {
    api()
      .post("/rest/v1/rpc/approve_run_screenshots", {
        p_project_id: PROJECT_ID,
        p_run_key: "gh-7-1-shard-1-of-1",
        p_reviewed_by: "perceo/action",
      })
      .reply(200, "3");
    expect(await newStore().approveRunScreenshots(PROJECT_ID, "gh-7-1-shard-1-of-1", "perceo/action")).toBe(
      3,
    );
  });

  it("says the run is not recorded when the RPC raises no_data_found", async () => {
    api()
      .post("/rest/v1/rpc/approve_run_screenshots", {
        p_project_id: PROJECT_ID,
        p_run_key: "missing",
        p_reviewed_by: null,
      })
      .reply(400, { code: "P0002", message: "test run missing not found" });
    await expect(newStore().approveRunScreenshots(PROJECT_ID, "missing")).rejects.toMatchObject({
      name: "StoreError",
      code: "not_found",
      message: expect.stringContaining("test run missing not found"),
    });
  });

  it("records prediction outcomes with one PATCH per outcome, filtering on the flows", async () => {
    const patch = (actual: string, flows: string) =>
      api()
        .patch("/rest/v1/predictions", (body: { actual_result: string; actual_recorded_at: string }) => {
          return body.actual_result === actual && !Number.isNaN(Date.parse(body.actual_recorded_at));
        })
        .query({
          project_id: `eq.${PROJECT_ID}`,
          head_sha: "eq.abc1234",
          flow_name: `in.(${flows})`,
          select: "id",
        })
        .matchHeader("prefer", "return=representation");
    patch("failed", '"checkout","sign up"').reply(200, [{ id: "p1" }, { id: "p2" }]);
    patch("passed", '"search"').reply(200, []);
    const updated = await newStore().recordPredictionOutcomes(PROJECT_ID, "abc1234", [
      { flowName: "checkout", actual: "failed" },
      { flowName: "search", actual: "passed" },
      { flowName: "sign up", actual: "failed" },
    ]);
    expect(updated).toBe(2);
  });

  describe("errors", () => {
    const ensure = () => newStore().ensureProject({ fullName: "acme/shop" });
    const upsert = () => api().post("/rest/v1/projects").query(true);

    it("retries a 503 and succeeds", async () => {
      upsert().reply(503, "upstream unavailable");
      upsert().reply(201, [projectRow]);
      expect((await ensure()).id).toBe(PROJECT_ID);
    });

    it("gives up after three attempts with an `unavailable` error", async () => {
      upsert().times(3).replyWithError("socket hang up");
      await expect(ensure()).rejects.toMatchObject({ name: "StoreError", code: "unavailable" });
    });

    it("says which key to check when Supabase refuses the credentials", async () => {
      upsert().reply(401, { message: "Invalid API key" });
      await expect(ensure()).rejects.toMatchObject({
        code: "configuration",
        message: expect.stringContaining("SUPABASE_SERVICE_ROLE_KEY"),
      });
    });

    it("a project two jobs create at once: the one that lost the race on the repository id tries once more", async () => {
      upsert().reply(409, {
        code: "23505",
        message: 'duplicate key value violates unique constraint "projects_repository_id_key"',
        details: null,
      });
      upsert().reply(201, [projectRow]);
      expect((await ensure()).id).toBe(PROJECT_ID);
    });

    it("maps PostgREST's Postgres error codes", async () => {
      // A conflict is tried twice (above); the second answer is the error the user sees.
      upsert().times(2).reply(409, {
        code: "23505",
        message: "duplicate key value violates unique constraint",
        details: null,
      });
      await expect(ensure()).rejects.toMatchObject({ code: "conflict", sqlState: "23505" });
    });

    it("tells the user to migrate when the RPC does not exist", async () => {
      api()
        .post("/rest/v1/rpc/resolve_baseline")
        .reply(404, { code: "PGRST202", message: "Could not find the function public.resolve_baseline" });
      const query = {
        projectId: PROJECT_ID,
        flowName: "f",
        stepName: "s",
        viewport: { width: 1, height: 1 },
      };
      await expect(newStore().resolveBaseline(query)).rejects.toMatchObject({
        code: "not_migrated",
        message: expect.stringContaining("perceo db migrate"),
      });
    });
  });

  describe("blobs", () => {
    const blobs = () => supabaseBlobs(http);

    it("reads an object with the service role and answers undefined when it is missing", async () => {
      api().get("/storage/v1/object/authenticated/screenshots/p/r/a%20b.png").reply(200, Buffer.from("png"));
      api()
        .get("/storage/v1/object/authenticated/screenshots/p/r/missing.png")
        .reply(404, { error: "not_found" });
      expect(Buffer.from((await blobs().get("screenshots", "p/r/a b.png")) ?? []).toString()).toBe("png");
      expect(await blobs().get("screenshots", "p/r/missing.png")).toBeUndefined();
    });

    it("refuses paths that could escape the bucket before sending anything", async () => {
      await expect(blobs().put("screenshots", "../secrets", new Uint8Array())).rejects.toMatchObject({
        code: "invalid",
      });
      await expect(blobs().put("avatars" as "screenshots", "a.png", new Uint8Array())).rejects.toMatchObject({
        code: "invalid",
      });
    });
  });
});
