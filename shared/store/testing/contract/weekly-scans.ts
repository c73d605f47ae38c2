import { describe, expect, it } from "vitest";
import { aFlow, aProjectName, aRunResult } from "../fixtures.ts";
import type { ContractContext } from "./context.ts";

export function describeWeeklyScans(ctx: () => ContractContext) {
  describe("weekly scans", () => {
    it("keeps one scan per project and ISO week, which must start on a Monday", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName(), installationId: 7 });
      const first = await store.beginWeeklyScan(project.id, "2026-11-23");
      const again = await store.beginWeeklyScan(project.id, "2026-11-23");
      expect(first.created).toBe(true);
      expect(again).toStrictEqual({ scan: first.scan, created: false });
      await expect(store.beginWeeklyScan(project.id, "2026-11-24")).rejects.toThrow();

      const done = await store.updateWeeklyScan(first.scan.id, { status: "succeeded", issueNumber: 12 });
      expect(done).toMatchObject({ status: "succeeded", issueNumber: 12, weekStart: "2026-11-23" });
      expect(done.finishedAt).not.toBeNull();
      expect(await store.listProjectsScannedInWeek("2026-11-23")).toContain(project.id);
      expect(await store.previousWeeklyScan(project.id, "2026-11-30")).toMatchObject({ issueNumber: 12 });
      expect(await store.previousWeeklyScan(project.id, "2026-11-23")).toBeUndefined();
      expect((await store.listInstalledProjects()).map((p) => p.id)).toContain(project.id);
    });

    it("keeps the comment of each finding a scan posted", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      const { scan } = await store.beginWeeklyScan(project.id, "2026-11-16");
      await store.recordWeeklyScanFindings(scan.id, [
        { fingerprint: "audit:p:h1", evidence: "2", title: "Two h1", commentId: null },
      ]);
      await store.recordWeeklyScanFindings(scan.id, [
        { fingerprint: "audit:p:h1", evidence: "2", title: "Two h1", commentId: 9_000_000_001 },
      ]);
      expect(await store.listWeeklyScanFindings(scan.id)).toStrictEqual([
        { fingerprint: "audit:p:h1", evidence: "2", title: "Two h1", commentId: 9_000_000_001 },
      ]);
    });

    it("counts a suggestion once per week, marks it addressed when it disappears, and reopens it when it comes back", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      const page = await store.upsertPage(project.id, { url: "https://shop.example.com/" });
      const other = await store.upsertPage(project.id, { url: "https://shop.example.com/about" });
      const h1 = {
        fingerprint: "audit:home:h1",
        source: "weekly_scan" as const,
        title: "Two h1",
        pageId: page.id,
        impact: "medium" as const,
      };
      const og = { ...h1, fingerprint: "audit:home:og", title: "No Open Graph" };
      const about = { ...h1, fingerprint: "audit:about:h1", pageId: other.id };

      await store.recordWeeklySuggestions(project.id, "2026-11-09", [h1, og, about]);
      const rerun = await store.recordWeeklySuggestions(project.id, "2026-11-09", [h1, og]);
      expect(rerun.map((s) => s.timesSuggested)).toStrictEqual([1, 1]);
      const next = await store.recordWeeklySuggestions(project.id, "2026-11-16", [h1]);
      expect(next[0]).toMatchObject({ timesSuggested: 2, status: "open", impact: "medium", pageId: page.id });

      // Only the scanned page's suggestions can be addressed: /about was not scanned this week.
      const addressed = await store.markSuggestionsAddressed(project.id, [page.id], ["audit:home:h1"]);
      expect(addressed.map((s) => [s.fingerprint, s.status])).toStrictEqual([["audit:home:og", "done"]]);
      expect(addressed[0]?.addressedAt).not.toBeNull();

      const [back] = await store.recordWeeklySuggestions(project.id, "2026-11-23", [og]);
      expect(back).toMatchObject({ status: "open", addressedAt: null, timesSuggested: 2 });
      const open = await store.listTrackedSuggestions(project.id, { status: ["open"] });
      expect(open.map((s) => s.fingerprint).sort()).toStrictEqual([
        "audit:about:h1",
        "audit:home:h1",
        "audit:home:og",
      ]);
    });

    it("sums each flow's health over a window of runs", async () => {
      const { store } = ctx();
      const name = aProjectName();
      const project = await store.ensureProject({ fullName: name });
      const run = (startedAt: string, checkout: "passed" | "failed" | "flaky", durationMs: number) =>
        store.recordRun(
          aRunResult({
            project: name,
            startedAt,
            finishedAt: startedAt,
            flows: [aFlow({ status: checkout, durationMs })],
          }),
          { projectId: project.id },
        );
      await run("2026-11-16T10:00:00.000Z", "passed", 1_000);
      await run("2026-11-18T10:00:00.000Z", "flaky", 3_000);
      await run("2026-11-20T10:00:00.000Z", "failed", 2_000);
      await run("2026-11-10T10:00:00.000Z", "failed", 9_000); // the week before
      const health = await store.flowHealth(project.id, {
        since: new Date("2026-11-16T00:00:00Z"),
        until: new Date("2026-11-23T00:00:00Z"),
      });
      expect(health).toStrictEqual([
        {
          flowName: "checkout",
          runs: 3,
          passed: 1,
          failed: 1,
          flaky: 1,
          passRate: 2 / 3,
          medianDurationMs: 2_000,
          maxDurationMs: 3_000,
        },
      ]);
    });

    it("lists insights most severe first, filtered by status", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      for (const [fingerprint, severity] of [
        ["a", "low"],
        ["b", "critical"],
        ["c", "medium"],
      ] as const) {
        await store.upsertInsight({
          projectId: project.id,
          fingerprint,
          kind: "analytics",
          severity,
          title: fingerprint,
        });
      }
      const listed = await store.listInsights(project.id, { status: ["open"] });
      expect(listed.map((i) => i.severity)).toStrictEqual(["critical", "medium", "low"]);
    });
  });
}
