import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appliedMigrations, migrate } from "../../migrate.ts";
import { aProjectName, aRunResult, aSha } from "../fixtures.ts";
import type { ContractContext } from "./context.ts";

export function describeRuns(ctx: () => ContractContext) {
  describe("migrations", () => {
    it("re-applying the migrations changes nothing", async () => {
      const { db } = ctx();
      const before = await appliedMigrations(db);
      const tables = await db.query("select count(*)::int as n from pg_tables where schemaname = 'public'");
      const result = await migrate(db);
      expect(result.applied).toEqual([]);
      expect(result.skipped).toEqual(before);
      expect(await appliedMigrations(db)).toEqual(before);
      expect(await db.query("select count(*)::int as n from pg_tables where schemaname = 'public'")).toEqual(
        tables,
      );
    });
  });

  describe("runs", () => {
    it("a recorded run reads back exactly as the runner produced it", async () => {
      const { store } = ctx();
      const run = aRunResult();
      const recorded = await store.recordRun(run);
      expect(await store.getRun(run.id)).toEqual(run);
      expect(await store.getRun(recorded.recordId)).toEqual(run);
      const project = await store.getProject(run.project);
      expect(project?.id).toBe(recorded.projectId);
    });

    it("the same run sent twice is recorded once", async () => {
      const { store, db } = ctx();
      const run = aRunResult();
      const first = await store.recordRun(run, {
        source: "ci",
        commitSha: aSha("a"),
        ciRunId: 99,
        ciRunAttempt: 1,
      });
      const counts = () =>
        db.query(
          `select (select count(*)::int from test_runs where project_id = $1) as runs,
                  (select count(*)::int from flow_runs where project_id = $1) as flows,
                  (select count(*)::int from flow_run_attempts where project_id = $1) as attempts,
                  (select count(*)::int from step_results where project_id = $1) as steps,
                  (select count(*)::int from screenshots where project_id = $1) as screenshots`,
          [first.projectId],
        );
      const before = await counts();
      const second = await store.recordRun(run, {
        source: "ci",
        commitSha: aSha("a"),
        ciRunId: 99,
        ciRunAttempt: 1,
      });
      expect(second).toEqual(first);
      expect(await counts()).toEqual(before);
      expect(before).toEqual([{ runs: 1, flows: 3, attempts: 3, steps: 6, screenshots: 2 }]);
    });

    it("a run sent again with fewer flows keeps only what it now says", async () => {
      const { store } = ctx();
      const run = aRunResult();
      await store.recordRun(run);
      const [checkout] = run.flows;
      if (!checkout) throw new Error("fixture has flows");
      const smaller = { ...run, flows: [checkout], totals: { passed: 1, failed: 0, flaky: 0, skipped: 0 } };
      await store.recordRun(smaller);
      expect(await store.getRun(run.id)).toEqual(smaller);
    });

    it("lists runs newest first, by project, with paging", async () => {
      const { store } = ctx();
      const project = aProjectName();
      const times = ["2025-01-01T00:00:00.000Z", "2025-01-02T00:00:00.000Z", "2025-01-03T00:00:00.000Z"];
      for (const [index, startedAt] of times.entries()) {
        await store.recordRun(
          aRunResult({ id: `r${index}`, project, startedAt, finishedAt: startedAt, durationMs: 0 }),
          { commitSha: aSha(index), branch: "main" },
        );
      }
      const page = await store.listRuns({ project, limit: 2 });
      expect(page.map((run) => run.id)).toEqual(["r2", "r1"]);
      expect(page[0]).toMatchObject({
        project,
        status: "passed",
        source: "local",
        startedAt: times[2],
        totals: { passed: 1, failed: 0, flaky: 1, skipped: 1 },
        commitSha: aSha(2),
        branch: "main",
        prNumber: null,
      });
      const next = await store.listRuns({ project, before: page[1]?.startedAt });
      expect(next.map((run) => run.id)).toEqual(["r0"]);
      expect(await store.getRun("r1", { project })).toMatchObject({ id: "r1", project });
      expect(await store.getRun("missing")).toBeUndefined();
    });

    it("refuses something that is not a run result", async () => {
      const { store } = ctx();
      const run = aRunResult({ status: "maybe" as "passed" });
      await expect(store.recordRun(run)).rejects.toMatchObject({ name: "StoreError", code: "invalid" });
    });

    it("copies screenshots and traces into blobs and records where they went", async () => {
      const { store, db } = ctx();
      const reportDir = await mkdtemp(join(tmpdir(), "perceo-report-"));
      try {
        const run = aRunResult();
        await mkdir(join(reportDir, "checkout"), { recursive: true });
        await mkdir(join(reportDir, "signup"), { recursive: true });
        await writeFile(join(reportDir, "checkout/cart.png"), "cart");
        await writeFile(join(reportDir, "signup/trace-1.zip"), "trace");
        // signup/failure-1.png is missing on disk: recorded without a storage path.
        const { projectId } = await store.recordRun(run, { reportDir });
        const rows = await db.query<{ path: string; storage_path: string | null }>(
          "select path, storage_path from screenshots where project_id = $1 order by path",
          [projectId],
        );
        const cartPath = `${projectId}/${run.id}/checkout/cart.png`;
        expect(rows).toEqual([
          { path: "checkout/cart.png", storage_path: cartPath },
          { path: "signup/failure-1.png", storage_path: null },
        ]);
        const blob = await store.blobs.get("screenshots", cartPath);
        expect(Buffer.from(blob ?? []).toString()).toBe("cart");
        const traces = await db.query(
          "select trace_storage_path from flow_run_attempts where project_id = $1 and trace_path is not null",
          [projectId],
        );
        expect(traces).toEqual([{ trace_storage_path: `${projectId}/${run.id}/signup/trace-1.zip` }]);
        expect(
          await readFile(join(ctx().blobsDir, "traces", projectId, run.id, "signup/trace-1.zip"), "utf8"),
        ).toBe("trace");
      } finally {
        await rm(reportDir, { recursive: true, force: true });
      }
    });
  });

  describe("projects and flows", () => {
    it("ensureProject is idempotent and follows a renamed repository by its id", async () => {
      const { store } = ctx();
      const name = aProjectName();
      const repositoryId = Math.floor(Math.random() * 1e9) + 1;
      const first = await store.ensureProject({ fullName: name, repositoryId, installationId: 7 });
      const again = await store.ensureProject({ fullName: name });
      expect(again).toEqual(first);
      const renamed = await store.ensureProject({ fullName: `${name}-renamed`, repositoryId });
      expect(renamed).toMatchObject({
        id: first.id,
        fullName: `${name}-renamed`,
        installationId: 7,
        repositoryId,
      });
    });

    it("finds a project by its repository id, renamed or not", async () => {
      const { store } = ctx();
      const repositoryId = Math.floor(Math.random() * 1e9) + 1;
      expect(await store.getProjectByRepositoryId(repositoryId)).toBeUndefined();
      const project = await store.ensureProject({ fullName: aProjectName(), repositoryId });
      await store.ensureProject({ fullName: `${project.fullName}-renamed`, repositoryId });
      expect(await store.getProjectByRepositoryId(repositoryId)).toEqual({
        ...project,
        fullName: `${project.fullName}-renamed`,
      });
    });

    it("detaching an installation keeps its projects' data and a reinstall reattaches them", async () => {
      const { store } = ctx();
      const installationId = Math.floor(Math.random() * 1e9) + 1;
      const id = () => Math.floor(Math.random() * 1e9) + 1;
      const [a, b, c] = await Promise.all(
        [id(), id(), id()].map((repositoryId) =>
          store.ensureProject({ fullName: aProjectName(), repositoryId, installationId }),
        ),
      );
      const other = await store.ensureProject({
        fullName: aProjectName(),
        repositoryId: id(),
        installationId: installationId + 1,
      });
      if (!a || !b || !c) throw new Error("three projects expected");
      expect(await store.detachProjects(installationId, [a.repositoryId ?? 0])).toBe(1);
      expect(await store.getProject(a.fullName)).toMatchObject({ id: a.id, installationId: null });
      expect(await store.getProject(b.fullName)).toMatchObject({ installationId });
      expect(await store.detachProjects(installationId)).toBe(2);
      expect(await store.detachProjects(installationId)).toBe(0);
      expect(await store.getProject(c.fullName)).toMatchObject({ installationId: null });
      expect(await store.getProject(other.fullName)).toEqual(other);

      const back = await store.ensureProject({
        fullName: a.fullName,
        repositoryId: a.repositoryId ?? 0,
        installationId: installationId + 2,
      });
      expect(back).toMatchObject({ id: a.id, installationId: installationId + 2 });
    });

    it("syncing flows upserts them and deactivates the ones no longer defined", async () => {
      const { store, db } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      await store.syncFlows(project.id, aSha(1), [
        {
          name: "checkout",
          file: ".perceo/flows/checkout.yml",
          priority: "critical",
          definition: { steps: 3 },
        },
        { name: "signup", file: ".perceo/flows/signup.yml" },
      ]);
      const result = await store.syncFlows(project.id, aSha(2), [
        { name: "checkout", file: ".perceo/flows/checkout.yml", priority: "high" },
      ]);
      expect(result).toEqual({ upserted: 1, deactivated: 1 });
      const rows = await db.query(
        "select name, priority, active, synced_sha from flows where project_id = $1 order by name",
        [project.id],
      );
      expect(rows).toEqual([
        { name: "checkout", priority: "high", active: true, synced_sha: aSha(2) },
        { name: "signup", priority: "medium", active: false, synced_sha: aSha(1) },
      ]);
      // A run of a synced flow is linked to it, active or not; "search" was never synced.
      await store.recordRun(aRunResult({ project: project.fullName }));
      const linked = await db.query(
        "select flow_name, flow_id is not null as linked from flow_runs where project_id = $1 order by flow_name",
        [project.id],
      );
      expect(linked).toEqual([
        { flow_name: "checkout", linked: true },
        { flow_name: "search", linked: false },
        { flow_name: "signup", linked: true },
      ]);
    });
  });

  describe("baselines", () => {
    it("lists a commit's screenshots that wait for review, narrowed to the flows named", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      const sha = aSha();
      const shot = (flowName: string, stepIndex: number, commitSha = sha) =>
        store.recordScreenshot({
          projectId: project.id,
          flowName,
          stepName: `step-${stepIndex}`,
          stepIndex,
          viewport: { width: 1280, height: 720 },
          storagePath: `${project.id}/${commitSha}/${flowName}-${stepIndex}.png`,
          commitSha,
        });
      const signup = await shot("signup", 0);
      const cart = await shot("checkout", 1);
      const home = await shot("checkout", 0);
      await shot("checkout", 2, aSha());
      const approved = await shot("search", 0);
      await store.approveScreenshot(approved.id, "octocat");

      const all = await store.listPendingScreenshots(project.id, sha);
      expect(all.map((s) => s.id)).toEqual([home.id, cart.id, signup.id]);
      expect(all[0]).toEqual(home);
      const checkout = await store.listPendingScreenshots(project.id, sha, ["checkout"]);
      expect(checkout.map((s) => s.id)).toEqual([home.id, cart.id]);
      expect(await store.listPendingScreenshots(project.id, aSha())).toEqual([]);
    });

    it("resolves the merge base's approved screenshot, else the newest on the default branch", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName(), defaultBranch: "main" });
      const shot = (commit: string, branch: string) =>
        store.recordScreenshot({
          projectId: project.id,
          flowName: "checkout",
          stepName: "cart",
          stepIndex: 1,
          viewport: { width: 1280, height: 720 },
          storagePath: `${project.id}/${commit}/cart.png`,
          commitSha: commit,
          branch,
        });
      const query = {
        projectId: project.id,
        flowName: "checkout",
        stepName: "cart",
        viewport: { width: 1280, height: 720 },
      };
      expect(await store.resolveBaseline(query)).toBeUndefined();

      const old = await shot(aSha("old"), "main");
      const newer = await shot(aSha("new"), "main");
      const feature = await shot(aSha("feature"), "feature/x");
      const pending = await shot(aSha("pending"), "main");
      expect(pending.approval).toBe("pending");
      await store.approveScreenshot(old.id, "octocat");
      await store.approveScreenshot(newer.id, "octocat");
      await store.approveScreenshot(feature.id, "octocat");

      expect(await store.resolveBaseline({ ...query, mergeBaseSha: aSha("old") })).toMatchObject({
        screenshotId: old.id,
        commitSha: aSha("old"),
        fromMergeBase: true,
        storagePath: `${project.id}/${aSha("old")}/cart.png`,
      });
      expect(await store.resolveBaseline({ ...query, mergeBaseSha: aSha("unknown") })).toMatchObject({
        screenshotId: newer.id,
        fromMergeBase: false,
      });
      // A feature branch's approval never becomes the default branch's baseline.
      expect(await store.resolveBaseline({ ...query, mergeBaseSha: aSha("feature") })).toMatchObject({
        screenshotId: newer.id,
      });
      expect(
        await store.resolveBaseline({ ...query, viewport: { width: 390, height: 844 } }),
      ).toBeUndefined();
    });

    it("recording the same capture twice keeps one screenshot", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      const input = {
        projectId: project.id,
        flowName: "home",
        stepName: "hero",
        viewport: { width: 1280, height: 720 },
        storagePath: `${project.id}/captures/home.png`,
      };
      const first = await store.recordScreenshot(input);
      expect(await store.recordScreenshot(input)).toEqual(first);
    });

    it("a default-branch run's stored screenshots of passed flows become the baselines the next run resolves", async () => {
      const { store } = ctx();
      const reportDir = await mkdtemp(join(tmpdir(), "perceo-report-"));
      try {
        const project = await store.ensureProject({ fullName: aProjectName(), defaultBranch: "main" });
        // checkout passes; signup is flaky (its failure shot is not a baseline); search was skipped.
        const run = aRunResult();
        run.flows[1]?.attempts[1]?.screenshots.push({
          name: "welcome",
          path: "signup/welcome.png",
          viewport: { width: 1280, height: 720 },
          stepIndex: 1,
        });
        for (const file of ["checkout/cart.png", "signup/failure-1.png", "signup/welcome.png"]) {
          await mkdir(join(reportDir, file, ".."), { recursive: true });
          await writeFile(join(reportDir, file), file);
        }
        const commitSha = aSha("main-push");
        await store.recordRun(run, { projectId: project.id, commitSha, branch: "main", reportDir });
        expect(await store.approveRunScreenshots(project.id, run.id, "perceo/action")).toBe(2);
        // Approving again rewrites the same two baselines.
        expect(await store.approveRunScreenshots(project.id, run.id, "perceo/action")).toBe(2);

        const resolve = (flowName: string, stepName: string) =>
          store.resolveBaseline({
            projectId: project.id,
            flowName,
            stepName,
            viewport: { width: 1280, height: 720 },
            mergeBaseSha: commitSha,
          });
        const cart = await resolve("checkout", "cart");
        expect(cart).toMatchObject({
          commitSha,
          branch: "main",
          fromMergeBase: true,
          path: "checkout/cart.png",
        });
        expect(
          Buffer.from((await store.blobs.get("screenshots", cart?.storagePath ?? "")) ?? []).toString(),
        ).toBe("checkout/cart.png");
        expect(await resolve("signup", "welcome")).toMatchObject({ commitSha });
        expect(await resolve("signup", "failure")).toBeUndefined();
        await expect(store.approveRunScreenshots(project.id, "no-such-run")).rejects.toMatchObject({
          name: "StoreError",
          code: "not_found",
        });
      } finally {
        await rm(reportDir, { recursive: true, force: true });
      }
    });

    it("a run recorded without its pictures or on no branch promotes nothing", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName(), defaultBranch: "main" });
      const withoutPictures = aRunResult();
      await store.recordRun(withoutPictures, { projectId: project.id, commitSha: aSha("x"), branch: "main" });
      expect(await store.approveRunScreenshots(project.id, withoutPictures.id)).toBe(0);
      expect(
        await store.resolveBaseline({
          projectId: project.id,
          flowName: "checkout",
          stepName: "cart",
          viewport: { width: 1280, height: 720 },
        }),
      ).toBeUndefined();
    });
  });

  describe("predictions", () => {
    it("records predictions once per commit and flow, then their outcomes", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      const headSha = aSha("head");
      const predictions = [
        {
          prNumber: 12,
          headSha,
          flowName: "checkout",
          probability: 0.9,
          confidence: 0.8,
          reasoning: "cart.ts changed",
        },
        { prNumber: 12, headSha, flowName: "signup", probability: 0.2, confidence: 0.5 },
      ];
      await store.recordPredictions(project.id, predictions);
      await store.recordPredictions(project.id, [
        { ...predictions[0], probability: 0.95 } as (typeof predictions)[0],
      ]);
      const updated = await store.recordPredictionOutcomes(project.id, headSha, [
        { flowName: "checkout", actual: "failed" },
        { flowName: "signup", actual: "passed" },
        { flowName: "never-predicted", actual: "passed" },
      ]);
      expect(updated).toBe(2);
      const rows = await store.listPredictions(project.id, headSha);
      expect(
        rows.map(({ flowName, probability, actualResult, prNumber }) => ({
          flowName,
          probability,
          actualResult,
          prNumber,
        })),
      ).toEqual([
        { flowName: "checkout", probability: 0.95, actualResult: "failed", prNumber: 12 },
        { flowName: "signup", probability: 0.2, actualResult: "passed", prNumber: 12 },
      ]);
    });

    it("lists a project's predictions whose flows ran, newest outcome first, for the risk model", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      const other = await store.ensureProject({ fullName: aProjectName() });
      const [older, newer] = [aSha("older"), aSha("newer")];
      const predict = (headSha: string, flowName: string) => ({
        headSha,
        flowName,
        probability: 0.3,
        confidence: 0.5,
      });
      await store.recordPredictions(project.id, [predict(older, "checkout"), predict(older, "login")]);
      await store.recordPredictions(project.id, [predict(newer, "checkout"), predict(newer, "search")]);
      await store.recordPredictions(other.id, [predict(older, "checkout")]);
      await store.recordPredictionOutcomes(project.id, older, [
        { flowName: "checkout", actual: "failed" },
        { flowName: "login", actual: "not_run" },
      ]);
      await store.recordPredictionOutcomes(other.id, older, [{ flowName: "checkout", actual: "passed" }]);
      await store.recordPredictionOutcomes(project.id, newer, [{ flowName: "checkout", actual: "flaky" }]);
      // search has no outcome yet, login did not run, the other project's are its own.
      const scored = await store.listScoredPredictions(project.id);
      expect(scored.map((p) => [p.headSha, p.flowName, p.actualResult])).toEqual([
        [newer, "checkout", "flaky"],
        [older, "checkout", "failed"],
      ]);
      expect(await store.listScoredPredictions(project.id, 1)).toHaveLength(1);
    });
  });

  describe("insights, metrics, suggestions and feedback", () => {
    it("an insight seen again updates in place and a resolved one reopens", async () => {
      const { store, db } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      const input = {
        projectId: project.id,
        fingerprint: "flaky:signup",
        kind: "flaky_flow" as const,
        title: "signup is flaky",
      };
      const first = await store.upsertInsight(input);
      await db.query("update insights set status = 'resolved' where id = $1", [first.id]);
      const again = await store.upsertInsight({ ...input, severity: "high", title: "signup is flaky again" });
      expect(again).toMatchObject({
        id: first.id,
        status: "open",
        severity: "high",
        title: "signup is flaky again",
      });
      await db.query("update insights set status = 'dismissed' where id = $1", [first.id]);
      expect(await store.upsertInsight(input)).toMatchObject({ status: "dismissed" });
    });

    it("flow metrics upsert per flow, source, metric and day", async () => {
      const { store, db } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      const metric = {
        flowName: "checkout",
        source: "synthetic" as const,
        metric: "success_rate",
        day: "2025-03-01",
        value: 0.5,
      };
      expect(await store.recordFlowMetrics(project.id, [metric, { ...metric, day: "2025-03-02" }])).toBe(2);
      expect(await store.recordFlowMetrics(project.id, [{ ...metric, value: 0.75, samples: 4 }])).toBe(1);
      expect(
        await db.query(
          "select day::text, value, samples from flow_metrics where project_id = $1 order by day",
          [project.id],
        ),
      ).toEqual([
        { day: "2025-03-01", value: 0.75, samples: 4 },
        { day: "2025-03-02", value: 0.5, samples: 1 },
      ]);
    });

    it("suggestions are tracked by fingerprint and ignored findings are remembered", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      const suggestion = {
        projectId: project.id,
        fingerprint: "s1",
        source: "weekly_scan" as const,
        title: "Add alt text",
      };
      const first = await store.upsertTrackedSuggestion(suggestion);
      expect(await store.upsertTrackedSuggestion({ ...suggestion, body: "3 images" })).toMatchObject({
        id: first.id,
        body: "3 images",
        firstSeenAt: first.firstSeenAt,
      });
      await store.recordFeedback({
        projectId: project.id,
        findingFingerprint: "f1",
        verdict: "ignore",
        actor: "octocat",
      });
      await store.recordFeedback({
        projectId: project.id,
        findingFingerprint: "f1",
        verdict: "ignore",
        actor: "octocat",
      });
      await store.recordFeedback({
        projectId: project.id,
        findingFingerprint: "f2",
        verdict: "confirm",
        actor: "octocat",
      });
      await store.recordFeedback({
        projectId: project.id,
        findingFingerprint: "f3",
        verdict: "false_positive",
        actor: "hubot",
      });
      expect(await store.listIgnoredFingerprints(project.id)).toEqual(["f1", "f3"]);
    });
  });
}
