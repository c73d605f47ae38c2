import { describe, expect, it } from "vitest";
import { directoryBlobs } from "../../blobs.ts";
import { postgresStore } from "../../postgres-store.ts";
import type { Store } from "../../store.ts";
import { aProjectName, aRunResult, aSha } from "../fixtures.ts";
import { aDetectedChange } from "./changes.ts";
import type { ContractContext } from "./context.ts";

/** Two stores on separate connection pools, as two App processes would be. */
function twoWriters(ctx: ContractContext): [Store, Store] {
  const blobs = directoryBlobs(ctx.blobsDir);
  return [ctx.store, postgresStore(ctx.openAnother(), { blobs, ownsDatabase: false })];
}

export function describeConcurrency(ctx: () => ContractContext) {
  describe("concurrent writers", () => {
    it("two writers of the same run leave exactly one run", async () => {
      const [one, two] = twoWriters(ctx());
      const run = aRunResult();
      const project = await one.ensureProject({ fullName: run.project });
      const results = await Promise.all([
        one.recordRun(run, { projectId: project.id }),
        two.recordRun(run, { projectId: project.id }),
        one.recordRun(run, { projectId: project.id }),
        two.recordRun(run, { projectId: project.id }),
      ]);
      expect(new Set(results.map((r) => r.recordId)).size).toBe(1);
      const rows = await ctx().db.query(
        `select (select count(*)::int from test_runs where project_id = $1) as runs,
                (select count(*)::int from flow_runs where project_id = $1) as flows,
                (select count(*)::int from step_results where project_id = $1) as steps`,
        [project.id],
      );
      expect(rows).toEqual([{ runs: 1, flows: 3, steps: 6 }]);
    });

    it("two writers of the same project leave exactly one project", async () => {
      const [one, two] = twoWriters(ctx());
      const fullName = aProjectName();
      const projects = await Promise.all([
        one.ensureProject({ fullName }),
        two.ensureProject({ fullName }),
        one.ensureProject({ fullName }),
        two.ensureProject({ fullName }),
      ]);
      expect(new Set(projects.map((p) => p.id)).size).toBe(1);
    });

    it("the first jobs of a new repository, at once, leave one project for its id", async () => {
      const [one, two] = twoWriters(ctx());
      await two.getProject(aProjectName()); // both pools connected: the race is between the writes
      for (let i = 0; i < 20; i++) {
        const input = { fullName: aProjectName(), repositoryId: 9_000_000 + Math.floor(Math.random() * 1e6) };
        const projects = await Promise.all([one, two, one, two].map((store) => store.ensureProject(input)));
        expect(new Set(projects.map((p) => p.id)).size).toBe(1);
        expect(projects[0]?.repositoryId).toBe(input.repositoryId);
      }
    });

    it("two deliveries of the same deploy leave one deploy, created once", async () => {
      const [one, two] = twoWriters(ctx());
      const project = await one.ensureProject({ fullName: aProjectName() });
      const results = await Promise.all([
        one.recordDeploy(project.id, { sha: aSha("race") }),
        two.recordDeploy(project.id, { sha: aSha("race") }),
      ]);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(results[0]?.deploy.id).toBe(results[1]?.deploy.id);
    });

    it("two writers of the same detected change and checkpoint leave one of each", async () => {
      const [one, two] = twoWriters(ctx());
      const { project, page, change } = await aDetectedChange(one);
      const input = { projectId: project.id, pageId: page.id, element: "#race", kind: "visual" as const };
      const changes = await Promise.all([one.recordDetectedChange(input), two.recordDetectedChange(input)]);
      expect(changes.filter((c) => c.created)).toHaveLength(1);
      const checkpoint = { changeId: change.id, horizonDays: 14 as const, verdict: "neutral" as const };
      const checkpoints = await Promise.all([
        one.recordCheckpoint(checkpoint),
        two.recordCheckpoint(checkpoint),
      ]);
      expect(checkpoints.filter((c) => c.created)).toHaveLength(1);
    });

    it("two writers moving the same change to different outcomes: one wins, the other is refused", async () => {
      const [one, two] = twoWriters(ctx());
      const { change } = await aDetectedChange(one);
      const results = await Promise.allSettled([
        one.transitionChange(change.id, "validated"),
        two.transitionChange(change.id, "regressed"),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r) => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: "illegal_transition" });
      expect(await one.listChangeEvents(change.id)).toHaveLength(2);
    });
  });
}
