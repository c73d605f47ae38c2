import { describe, expect, it } from "vitest";
import type { AnalyticsEventInput } from "../../store.ts";
import { aProjectName } from "../fixtures.ts";
import type { ContractContext } from "./context.ts";

const event = (eventId: string, occurredAt: string, properties = {}): AnalyticsEventInput => ({
  source: "posthog",
  eventId,
  eventName: "checkout_completed",
  distinctId: "user-1",
  occurredAt,
  properties,
});

export function describeAnalyticsEvents(ctx: () => ContractContext) {
  describe("analytics events", () => {
    it("each event lands in the partition of its UTC month, created on demand", async () => {
      const { store, db } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      const inserted = await store.insertAnalyticsEvents(project.id, [
        event("a", "2021-01-31T23:59:59.999Z"),
        event("b", "2021-02-01T00:00:00.000Z"),
        // 01:00 on 1 February in Paris is still January in UTC.
        event("c", "2021-02-01T00:30:00+01:00", { cart: { total: 42 } }),
        event("d", "2021-03-15T12:00:00.000Z"),
      ]);
      expect(inserted).toBe(4);
      const rows = await db.query(
        `select event_id, tableoid::regclass::text as partition, properties from analytics_events
         where project_id = $1 order by event_id`,
        [project.id],
      );
      expect(rows).toEqual([
        { event_id: "a", partition: "analytics_events_2021_01", properties: {} },
        { event_id: "b", partition: "analytics_events_2021_02", properties: {} },
        { event_id: "c", partition: "analytics_events_2021_01", properties: { cart: { total: 42 } } },
        { event_id: "d", partition: "analytics_events_2021_03", properties: {} },
      ]);
    });

    it("a partition's bounds are UTC months whatever the session's time zone", async () => {
      const { db } = ctx();
      await db.transaction(async (tx) => {
        await tx.query("set local timezone = 'Pacific/Auckland'");
        await tx.query("select public.create_analytics_event_partitions('2020-06-01', 1)");
      });
      const [bounds] = await db.query<{ bound: string }>(
        `select pg_get_expr(c.relpartbound, c.oid) as bound from pg_class c where c.relname = 'analytics_events_2020_06'`,
      );
      expect(bounds?.bound).toBe("FOR VALUES FROM ('2020-06-01 00:00:00+00') TO ('2020-07-01 00:00:00+00')");
    });

    it("the migration creates partitions around the current month, and creating them again is a no-op", async () => {
      const { db } = ctx();
      const month = new Date().toISOString().slice(0, 7).replace("-", "_");
      const existing = await db.query("select 1 from pg_class where relname = $1", [
        `analytics_events_${month}`,
      ]);
      expect(existing).toHaveLength(1);
      expect(
        await db.query("select * from public.create_analytics_event_partitions(current_date, 2)"),
      ).toEqual([]);
    });

    it("a re-sync of the same events inserts nothing", async () => {
      const { store, db } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      const events = Array.from({ length: 25 }, (_, i) =>
        event(`e${i}`, `2021-04-0${(i % 9) + 1}T10:00:00.000Z`),
      );
      const small = (await import("../../postgres-store.ts")).postgresStore(db, {
        blobs: store.blobs,
        ownsDatabase: false,
        batchSize: 10,
      });
      expect(await small.insertAnalyticsEvents(project.id, events)).toBe(25);
      expect(await small.insertAnalyticsEvents(project.id, events)).toBe(0);
      expect(
        await store.insertAnalyticsEvents(project.id, [...events, event("new", "2021-04-01T00:00:00.000Z")]),
      ).toBe(1);
      const [count] = await db.query(
        "select count(*)::int as n from analytics_events where project_id = $1",
        [project.id],
      );
      expect(count).toEqual({ n: 26 });
    });

    it("refuses an event with an impossible time", async () => {
      const { store } = ctx();
      const project = await store.ensureProject({ fullName: aProjectName() });
      await expect(store.insertAnalyticsEvents(project.id, [event("x", "yesterday")])).rejects.toMatchObject({
        code: "invalid",
      });
    });
  });
}
