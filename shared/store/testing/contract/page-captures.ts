import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DomSnapshot } from "../../../visual/index.ts";
import type { PageViewport, Store } from "../../store.ts";
import { aProjectName, aSha } from "../fixtures.ts";
import type { ContractContext } from "./context.ts";
import { queryAs } from "./rls.ts";

const NOW = new Date("2026-11-23T12:00:00.000Z");
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000).toISOString();

function aDomSnapshot(headline: string): DomSnapshot {
  return {
    url: "https://shop.example.com/",
    title: "Shop",
    description: "Lamps and chairs",
    width: 1280,
    height: 2000,
    elements: [
      {
        kind: "heading",
        tag: "h1",
        text: headline,
        section: "",
        path: "main>h1",
        level: 1,
        box: { x: 0, y: 100, width: 600, height: 48 },
      },
    ],
  };
}

async function aPage(store: Store) {
  const project = await store.ensureProject({ fullName: aProjectName("pages") });
  const page = await store.upsertPage(project.id, { url: `https://shop.example.com/${randomUUID()}` });
  return { project, page };
}

/** A capture by a finished analysis of its own commit, taken `hours` before NOW. */
async function aCapture(
  store: Store,
  page: { id: string; projectId: string },
  options: { hours: number; viewport?: PageViewport; status?: "succeeded" | "failed" | "running" },
) {
  const analysis = await store.startAnalysis({
    projectId: page.projectId,
    pageId: page.id,
    kind: "deploy_diff",
    commitSha: aSha(randomUUID()),
  });
  const capture = await store.recordPageCapture({
    analysisId: analysis.id,
    viewport: options.viewport ?? "desktop",
    screenshotPath: `${page.projectId}/captures/${analysis.id}/desktop.png`,
    width: 1280,
    height: 2000,
    dom: aDomSnapshot(`taken ${options.hours} h ago`),
    capturedAt: hoursAgo(options.hours),
  });
  const status = options.status ?? "succeeded";
  if (status !== "running") await store.finishAnalysis(analysis.id, { status });
  return capture;
}

export function describePageCaptures(ctx: () => ContractContext) {
  describe("page captures and baselines", () => {
    it("a capture keeps its screenshot path and DOM snapshot, once per analysis and viewport", async () => {
      const { store } = ctx();
      const { page } = await aPage(store);
      const analysis = await store.startAnalysis({
        projectId: page.projectId,
        pageId: page.id,
        kind: "deploy_diff",
        commitSha: aSha("c1"),
      });
      const input = {
        analysisId: analysis.id,
        viewport: "mobile" as const,
        screenshotPath: `${page.projectId}/captures/${analysis.id}/mobile.png`,
        width: 390,
        height: 3000,
        dom: aDomSnapshot("Ship faster"),
      };
      const first = await store.recordPageCapture(input);
      expect(first).toMatchObject({
        projectId: page.projectId,
        pageId: page.id,
        analysisId: analysis.id,
        commitSha: aSha("c1"),
        viewport: "mobile",
        diffPath: null,
        stable: true,
        dom: aDomSnapshot("Ship faster"),
      });
      const retried = await store.recordPageCapture({
        ...input,
        diffPath: `${page.projectId}/captures/${analysis.id}/mobile-diff.png`,
        dom: aDomSnapshot("Ship safely"),
        stable: false,
      });
      expect(retried).toMatchObject({ id: first.id, stable: false, dom: aDomSnapshot("Ship safely") });
      expect(await store.listPageCaptures(analysis.id)).toEqual([retried]);
      await expect(
        store.recordPageCapture({ ...input, analysisId: "00000000-0000-0000-0000-000000000000" }),
      ).rejects.toMatchObject({ code: "not_found" });
    });

    it("a page with no capture has no baseline", async () => {
      const { store } = ctx();
      const { page } = await aPage(store);
      expect(await store.resolvePageBaseline(page.id, "desktop", { now: NOW })).toBeUndefined();
    });

    it("the stable baseline wins over a newer capture, per viewport", async () => {
      const { store } = ctx();
      const { page } = await aPage(store);
      const stable = await aCapture(store, page, { hours: 24 * 5 });
      await aCapture(store, page, { hours: 30 });
      await store.setPageBaseline(stable.id, "scheduled_scan");
      expect(await store.resolvePageBaseline(page.id, "desktop", { now: NOW })).toEqual({
        capture: stable,
        source: "stable",
      });
      expect(await store.resolvePageBaseline(page.id, "mobile", { now: NOW })).toBeUndefined();
    });

    it("a stable baseline taken minutes ago still counts: a first capture sets it", async () => {
      const { store } = ctx();
      const { page } = await aPage(store);
      const first = await aCapture(store, page, { hours: 0.1 });
      await store.setPageBaseline(first.id, "first_capture");
      expect(await store.resolvePageBaseline(page.id, "desktop", { now: NOW })).toMatchObject({
        capture: { id: first.id },
        source: "stable",
      });
    });

    it("without a stable baseline, the last complete capture at least 24 h old", async () => {
      const { store } = ctx();
      const { page } = await aPage(store);
      await aCapture(store, page, { hours: 24 * 3 });
      const lastOldEnough = await aCapture(store, page, { hours: 25 });
      await aCapture(store, page, { hours: 24.5, status: "failed" });
      await aCapture(store, page, { hours: 24.2, status: "running" });
      await aCapture(store, page, { hours: 23 });
      await aCapture(store, page, { hours: 26, viewport: "mobile" });
      expect(await store.resolvePageBaseline(page.id, "desktop", { now: NOW })).toEqual({
        capture: lastOldEnough,
        source: "previous_capture",
      });
    });

    it("nothing older than 14 days: a stale stable baseline gives way to a recent capture, or to none", async () => {
      const { store } = ctx();
      const { page } = await aPage(store);
      const stale = await aCapture(store, page, { hours: 24 * 15 });
      await store.setPageBaseline(stale.id, "scheduled_scan");
      expect(await store.resolvePageBaseline(page.id, "desktop", { now: NOW })).toBeUndefined();
      const recent = await aCapture(store, page, { hours: 24 * 13 });
      expect(await store.resolvePageBaseline(page.id, "desktop", { now: NOW })).toMatchObject({
        capture: { id: recent.id },
        source: "previous_capture",
      });
    });

    it("a new baseline replaces the old one; an unknown capture is refused", async () => {
      const { store } = ctx();
      const { page } = await aPage(store);
      const older = await aCapture(store, page, { hours: 48 });
      const newer = await aCapture(store, page, { hours: 2 });
      await store.setPageBaseline(older.id, "first_capture");
      await store.setPageBaseline(newer.id, "scheduled_scan");
      expect((await store.resolvePageBaseline(page.id, "desktop", { now: NOW }))?.capture.id).toBe(newer.id);
      await expect(
        store.setPageBaseline("00000000-0000-0000-0000-000000000000", "scheduled_scan"),
      ).rejects.toMatchObject({ code: "not_found" });
    });

    it("members read their own project's captures and baselines; anon reads nothing", async () => {
      const { store, db } = ctx();
      const userId = randomUUID();
      await db.query("insert into auth.users (id, email) values ($1, $2)", [userId, `${userId}@example.com`]);
      const mine = await aPage(store);
      const theirs = await aPage(store);
      await store.addProjectMember({ projectId: mine.project.id, userId });
      for (const { page } of [mine, theirs]) {
        const capture = await aCapture(store, page, { hours: 1 });
        await store.setPageBaseline(capture.id, "first_capture");
      }
      const claims = { sub: userId, role: "authenticated", aud: "authenticated" };
      for (const table of ["page_captures", "page_baselines"]) {
        const rows = await queryAs<{ project: string }>(
          db,
          "authenticated",
          claims,
          `select project_id::text as project from public.${table} where project_id in ($1, $2)`,
          [mine.project.id, theirs.project.id],
        );
        expect(rows, table).toEqual([{ project: mine.project.id }]);
        await expect(
          queryAs(db, "anon", { role: "anon" }, `select * from public.${table}`),
        ).rejects.toMatchObject({ sqlState: "42501" });
      }
    });
  });

  describe("previous deploys", () => {
    it("finds the newest successful deploy of another commit before this one", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName("deploys") });
      const deploy = (sha: string, deployedAt: string, status?: "failure") =>
        store.recordDeploy(project.id, { sha: aSha(sha), deployedAt, ...(status ? { status } : {}) });
      await deploy("d1", "2026-11-20T10:00:00Z");
      const second = await deploy("d2", "2026-11-21T10:00:00Z");
      await deploy("d3", "2026-11-22T09:00:00Z", "failure");
      await deploy("d4", "2026-11-22T10:00:00Z");
      expect(await store.findPreviousDeploy(project.id, aSha("d4"))).toEqual(second.deploy);
      expect((await store.findPreviousDeploy(project.id, aSha("new")))?.sha).toBe(aSha("d4"));
      expect(await store.findPreviousDeploy(project.id, aSha("d1"))).toBeUndefined();
    });
  });

  describe("listing detected changes", () => {
    async function threeChanges() {
      const { store, db } = ctx();
      const { project, page } = await aPage(store);
      const other = await store.upsertPage(project.id, { url: `https://shop.example.com/${randomUUID()}` });
      const record = (pageId: string, element: string) =>
        store.recordDetectedChange({ projectId: project.id, pageId, element, kind: "text" });
      const oldest = (await record(page.id, 'Heading (h1) "A"')).change;
      const middle = (await record(other.id, 'Button "Buy"')).change;
      const newest = (await record(page.id, 'Link "Help"')).change;
      for (const [change, at] of [
        [oldest, "2026-11-01T10:00:00Z"],
        [middle, "2026-11-10T10:00:00Z"],
        [newest, "2026-11-20T10:00:00Z"],
      ] as const) {
        await db.query("update detected_changes set first_detected_at = $2 where id = $1", [change.id, at]);
      }
      await store.transitionChange(middle.id, "validated");
      return { store, project, page, other, oldest, middle, newest };
    }
    const ids = (changes: Array<{ id: string }>) => changes.map((c) => c.id);

    it("lists a project's changes newest first, and no other project's", async () => {
      const { store, project, oldest, middle, newest } = await threeChanges();
      await aPage(store).then(({ project: elsewhere, page }) =>
        store.recordDetectedChange({ projectId: elsewhere.id, pageId: page.id, element: "x", kind: "text" }),
      );
      const listed = await store.listDetectedChanges(project.id);
      expect(ids(listed)).toEqual([newest.id, middle.id, oldest.id]);
      expect(listed[1]).toMatchObject({ element: 'Button "Buy"', status: "validated" });
    });

    it("filters by page, status (one or several), time window and limit", async () => {
      const { store, project, page, oldest, middle, newest } = await threeChanges();
      expect(ids(await store.listDetectedChanges(project.id, { pageId: page.id }))).toEqual([
        newest.id,
        oldest.id,
      ]);
      expect(ids(await store.listDetectedChanges(project.id, { status: "validated" }))).toEqual([middle.id]);
      expect(
        ids(await store.listDetectedChanges(project.id, { status: ["watching", "validated"], limit: 2 })),
      ).toEqual([newest.id, middle.id]);
      expect(
        ids(
          await store.listDetectedChanges(project.id, {
            since: new Date("2026-11-10T10:00:00Z"),
            until: new Date("2026-11-20T10:00:00Z"),
          }),
        ),
      ).toEqual([middle.id]);
      expect(await store.listDetectedChanges(project.id, { status: [] })).toEqual([]);
    });
  });
}
