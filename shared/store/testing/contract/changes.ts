import { describe, expect, it } from "vitest";
import type { ChangeStatus, Store } from "../../store.ts";
import { aProjectName, aSha } from "../fixtures.ts";
import type { ContractContext } from "./context.ts";

const STATUSES: ChangeStatus[] = ["watching", "validated", "regressed", "inconclusive", "reverted"];
const LEGAL: Array<[ChangeStatus, ChangeStatus]> = [
  ["watching", "validated"],
  ["watching", "regressed"],
  ["watching", "inconclusive"],
  ["watching", "reverted"],
  ["inconclusive", "watching"],
  ["inconclusive", "reverted"],
  ["validated", "reverted"],
  ["regressed", "reverted"],
];
const isLegal = (from: ChangeStatus, to: ChangeStatus) => LEGAL.some(([f, t]) => f === from && t === to);
const ILLEGAL = STATUSES.flatMap((from) =>
  STATUSES.filter((to) => to !== from && !isLegal(from, to)).map(
    (to) => [from, to] as [ChangeStatus, ChangeStatus],
  ),
);

/** A path of legal moves from watching to `status`. */
const PATH_TO: Record<ChangeStatus, ChangeStatus[]> = {
  watching: [],
  validated: ["validated"],
  regressed: ["regressed"],
  inconclusive: ["inconclusive"],
  reverted: ["reverted"],
};

export async function aDetectedChange(store: Store, element = `#buy-${Math.random()}`) {
  const project = await store.ensureProject({ fullName: aProjectName() });
  const page = await store.upsertPage(project.id, { url: "https://shop.example.com/cart", name: "Cart" });
  const { change } = await store.recordDetectedChange({
    projectId: project.id,
    pageId: page.id,
    element,
    kind: "text",
    before: "Buy",
    after: "Buy now",
  });
  return { project, page, change };
}

export function describeChanges(ctx: () => ContractContext) {
  describe("pages, deploys and analyses", () => {
    it("a redelivered deploy finds the deploy already there", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      const first = await store.recordDeploy(project.id, {
        sha: aSha("d1"),
        url: "https://shop.example.com",
      });
      const again = await store.recordDeploy(project.id, { sha: aSha("d1") });
      expect(first.created).toBe(true);
      expect(again).toEqual({ created: false, deploy: first.deploy });
    });

    it("an analysis is started once per page, kind and commit, and finished with its summary", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      const page = await store.upsertPage(project.id, { url: "https://shop.example.com/" });
      expect(
        await store.upsertPage(project.id, { url: "https://shop.example.com/", name: "Home" }),
      ).toMatchObject({
        id: page.id,
        name: "Home",
      });
      const input = {
        projectId: project.id,
        pageId: page.id,
        kind: "deploy_diff" as const,
        commitSha: aSha("a1"),
      };
      const started = await store.startAnalysis(input);
      expect(started).toMatchObject({ status: "running", finishedAt: null });
      expect((await store.startAnalysis(input)).id).toBe(started.id);
      const finished = await store.finishAnalysis(started.id, {
        status: "succeeded",
        summary: { changes: 2 },
      });
      expect(finished).toMatchObject({ status: "succeeded", summary: { changes: 2 } });
      expect(finished.finishedAt).toMatch(/Z$/);
      await expect(
        store.finishAnalysis("00000000-0000-0000-0000-000000000000", { status: "failed" }),
      ).rejects.toMatchObject({ code: "not_found" });
    });
  });

  describe("detected changes", () => {
    it("the same element changing twice on one day is one detected change", async () => {
      const { store } = ctx();
      const { project, page, change } = await aDetectedChange(store, "#price");
      const again = await store.recordDetectedChange({
        projectId: project.id,
        pageId: page.id,
        element: "#price",
        kind: "text",
        firstDetectedDate: change.firstDetectedDate,
      });
      expect(again).toEqual({ created: false, change });
      const nextDay = await store.recordDetectedChange({
        projectId: project.id,
        pageId: page.id,
        element: "#price",
        kind: "text",
        firstDetectedDate: "2099-01-01",
      });
      expect(nextDay.created).toBe(true);
      expect(change.status).toBe("watching");
      expect(await store.listChangeEvents(change.id)).toMatchObject([
        { fromStatus: null, toStatus: "watching" },
      ]);
    });

    it.each(LEGAL)("moves from %s to %s and logs the move", async (from, to) => {
      const { store } = ctx();
      const { change } = await aDetectedChange(store);
      for (const step of PATH_TO[from]) await store.transitionChange(change.id, step);
      const event = await store.transitionChange(change.id, to, {
        reason: "checkpoint 14d",
        actor: "weekly-scan",
      });
      expect(event).toMatchObject({
        changeId: change.id,
        fromStatus: from,
        toStatus: to,
        reason: "checkpoint 14d",
        actor: "weekly-scan",
      });
      expect((await store.getDetectedChange(change.id))?.status).toBe(to);
      const events = await store.listChangeEvents(change.id);
      expect(events.at(-1)).toEqual(event);
      expect(events).toHaveLength(2 + PATH_TO[from].length);
    });

    it.each(ILLEGAL)("refuses to move from %s to %s and logs nothing", async (from, to) => {
      const { store } = ctx();
      const { change } = await aDetectedChange(store);
      for (const step of PATH_TO[from]) await store.transitionChange(change.id, step);
      const before = await store.listChangeEvents(change.id);
      await expect(store.transitionChange(change.id, to)).rejects.toMatchObject({
        name: "StoreError",
        code: "illegal_transition",
      });
      expect((await store.getDetectedChange(change.id))?.status).toBe(from);
      expect(await store.listChangeEvents(change.id)).toEqual(before);
    });

    it("refuses a direct UPDATE that skips the state machine, and an insert not in watching", async () => {
      const { store, db } = ctx();
      const { change, project, page } = await aDetectedChange(store);
      await store.transitionChange(change.id, "reverted");
      await expect(
        db.query("update detected_changes set status = 'watching' where id = $1", [change.id]),
      ).rejects.toMatchObject({
        code: "illegal_transition",
      });
      await expect(
        db.query(
          "insert into detected_changes (project_id, page_id, element, kind, status) values ($1, $2, 'x', 'text', 'validated')",
          [project.id, page.id],
        ),
      ).rejects.toMatchObject({ code: "illegal_transition" });
    });

    it("moving to the status it already has changes nothing", async () => {
      const { store } = ctx();
      const { change } = await aDetectedChange(store);
      const moved = await store.transitionChange(change.id, "validated");
      expect(await store.transitionChange(change.id, "validated")).toEqual(moved);
      expect(await store.listChangeEvents(change.id)).toHaveLength(2);
    });

    it("an unknown change or status is refused", async () => {
      const { store } = ctx();
      const { change } = await aDetectedChange(store);
      await expect(
        store.transitionChange("00000000-0000-0000-0000-000000000000", "validated"),
      ).rejects.toMatchObject({
        code: "not_found",
      });
      await expect(store.transitionChange(change.id, "lost" as ChangeStatus)).rejects.toMatchObject({
        code: "illegal_transition",
      });
    });
  });

  describe("checkpoints and history", () => {
    it("a checkpoint is recorded once per horizon and never changes", async () => {
      const { store, db } = ctx();
      const { change } = await aDetectedChange(store);
      const first = await store.recordCheckpoint({
        changeId: change.id,
        horizonDays: 7,
        verdict: "improved",
        metrics: { conversion: 0.12 },
      });
      expect(first.created).toBe(true);
      const again = await store.recordCheckpoint({
        changeId: change.id,
        horizonDays: 7,
        verdict: "worsened",
      });
      expect(again).toEqual({ created: false, checkpoint: first.checkpoint });
      await expect(
        db.query("update change_checkpoints set verdict = 'worsened' where id = $1", [first.checkpoint.id]),
      ).rejects.toMatchObject({
        code: "immutable",
      });
      await expect(
        db.query("delete from change_checkpoints where id = $1", [first.checkpoint.id]),
      ).rejects.toMatchObject({
        code: "immutable",
      });
      await expect(
        store.recordCheckpoint({ changeId: change.id, horizonDays: 8 as 7, verdict: "neutral" }),
      ).rejects.toMatchObject({
        code: "invalid",
      });
      await expect(
        store.recordCheckpoint({
          changeId: "00000000-0000-0000-0000-000000000000",
          horizonDays: 7,
          verdict: "neutral",
        }),
      ).rejects.toMatchObject({ code: "not_found" });
    });

    it("lifecycle events cannot be rewritten", async () => {
      const { store, db } = ctx();
      const { change } = await aDetectedChange(store);
      await expect(
        db.query("update change_lifecycle_events set actor = 'me' where change_id = $1", [change.id]),
      ).rejects.toMatchObject({
        code: "immutable",
      });
      await expect(
        db.query("delete from change_lifecycle_events where change_id = $1", [change.id]),
      ).rejects.toMatchObject({
        code: "immutable",
      });
    });

    it("deleting a project deletes its changes, their history and checkpoints", async () => {
      const { store, db } = ctx();
      const { project, change } = await aDetectedChange(store);
      await store.recordCheckpoint({ changeId: change.id, horizonDays: 30, verdict: "neutral" });
      await store.transitionChange(change.id, "validated");
      const run = await store.recordRun(
        (await import("../fixtures.ts")).aRunResult({ project: project.fullName }),
      );
      expect(run.projectId).toBe(project.id);
      await db.query("delete from projects where id = $1", [project.id]);
      const left = await db.query(
        `select (select count(*)::int from detected_changes where project_id = $1)
              + (select count(*)::int from change_lifecycle_events where project_id = $1)
              + (select count(*)::int from change_checkpoints where project_id = $1)
              + (select count(*)::int from step_results where project_id = $1)
              + (select count(*)::int from screenshots where project_id = $1) as n`,
        [project.id],
      );
      expect(left).toEqual([{ n: 0 }]);
    });
  });
}
