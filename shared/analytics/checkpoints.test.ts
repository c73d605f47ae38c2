import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { directoryBlobs, postgresStore, type Store } from "../store/index.ts";
import { aProjectName, openMigratedDatabase, type TestDatabase } from "../store/testing/index.ts";
import { recordDueCheckpoints, type TrackedChange } from "./checkpoints.ts";
import { addDays } from "./correlation.ts";
import { type DailyPageMetrics, dailyMetricsSource } from "./metrics-source.ts";

const PAGE = "https://shop.example/checkout";
const CHANGE_DAY = "2025-03-10";

/** 120 days of a page's traffic around the change; after it, bounces go from 40% to `bounceAfter`. */
function traffic(bounceAfter: number): DailyPageMetrics[] {
  return Array.from({ length: 120 }, (_, i) => {
    const day = addDays(CHANGE_DAY, i - 60);
    const bounce = day > CHANGE_DAY ? bounceAfter : 0.4;
    return {
      day,
      path: "/checkout",
      pageviews: 900,
      visitors: 600,
      sessions: 500,
      bouncedSessions: Math.round(500 * bounce),
    };
  });
}

describe("checkpoints through the Store", () => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await openMigratedDatabase("pglite");
    store = postgresStore(database.db, {
      blobs: directoryBlobs(await mkdtemp(path.join(tmpdir(), "perceo-analytics-"))),
      ownsDatabase: false,
    });
  });
  afterAll(async () => {
    await store?.close();
    await database?.close();
  });

  async function aChange(element: string): Promise<TrackedChange> {
    const project = await store.ensureProject({ fullName: aProjectName() });
    const page = await store.upsertPage(project.id, { url: PAGE });
    const { change } = await store.recordDetectedChange({
      projectId: project.id,
      pageId: page.id,
      element,
      kind: "text",
      before: "Buy now",
      after: "Continue",
      firstDetectedDate: CHANGE_DAY,
    });
    return { change, pageUrl: PAGE, flows: [] };
  }

  it("writes each checkpoint once even when the job runs twice, and keeps the first measurement", async () => {
    const tracked = await aChange("button#buy");
    const today = addDays(CHANGE_DAY, 15);
    const first = await recordDueCheckpoints({
      store,
      source: dailyMetricsSource(traffic(0.5)),
      changes: [tracked],
      today,
    });
    expect(first.map((r) => [r.horizonDays, r.created, r.verdict])).toEqual([
      [7, true, "worsened"],
      [14, true, "worsened"],
    ]);
    // Run again with different figures: nothing new is written, the stored verdicts stand.
    const again = await recordDueCheckpoints({
      store,
      source: dailyMetricsSource(traffic(0.4)),
      changes: [{ ...tracked, change: (await store.getDetectedChange(tracked.change.id)) ?? tracked.change }],
      today,
    });
    expect(again.map((r) => [r.horizonDays, r.created, r.verdict])).toEqual([
      [7, false, "worsened"],
      [14, false, "worsened"],
    ]);
  });

  it("moves a regressed change to regressed at 14 days, with a lifecycle event, and only once", async () => {
    const tracked = await aChange("h1");
    const records = await recordDueCheckpoints({
      store,
      source: dailyMetricsSource(traffic(0.5)),
      changes: [tracked],
      today: addDays(CHANGE_DAY, 40),
    });
    expect(records.map((r) => r.movedTo)).toEqual([undefined, "regressed", undefined]);
    expect((await store.getDetectedChange(tracked.change.id))?.status).toBe("regressed");
    const events = await store.listChangeEvents(tracked.change.id);
    expect(events.map((e) => [e.fromStatus, e.toStatus, e.reason])).toEqual([
      [null, "watching", null],
      ["watching", "regressed", "14-day checkpoint: worsened"],
    ]);
  });

  it("validates a change that did no harm for 30 days", async () => {
    const tracked = await aChange("footer");
    const records = await recordDueCheckpoints({
      store,
      source: dailyMetricsSource(traffic(0.4)),
      changes: [tracked],
      today: addDays(CHANGE_DAY, 31),
    });
    expect(records.map((r) => [r.horizonDays, r.verdict, r.movedTo])).toEqual([
      [7, "neutral", undefined],
      [14, "neutral", undefined],
      [30, "neutral", "validated"],
    ]);
  });

  it("records insufficient data when the page has too little traffic", async () => {
    const tracked = await aChange("nav");
    const quiet = traffic(0.4).map((d) => ({ ...d, sessions: 10, bouncedSessions: 4 }));
    const records = await recordDueCheckpoints({
      store,
      source: dailyMetricsSource(quiet),
      changes: [tracked],
      today: addDays(CHANGE_DAY, 8),
    });
    expect(records.map((r) => r.verdict)).toEqual(["insufficient_data"]);
  });
});
