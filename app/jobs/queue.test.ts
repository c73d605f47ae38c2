import { describe, expect, it } from "vitest";
import type { RunningApp } from "../server/start.ts";
import { countJobs, useAppHarness } from "../testing/app-harness.ts";
import { type JobRequest, postgresJobQueue } from "./queue.ts";

let app: RunningApp;

useAppHarness({
  app: (a) => {
    app = a;
  },
});

const job = (i: number, deliveryId: string | null = `delivery-${i}`): JobRequest => ({
  task: "pr-impact",
  key: `pr-impact:1:${i}`,
  payload: { n: i },
  ...(deliveryId !== null ? { deliveryId } : {}),
});

async function recordedDeliveries(): Promise<number> {
  const { rows } = await app.deps.pool.query<{ n: number }>(
    "select count(*)::int as n from perceo_app.webhook_deliveries",
  );
  return rows[0]?.n ?? 0;
}

describe("the job queue", () => {
  it("deliveries arriving together are written together, each once, copies and redeliveries too", async () => {
    const queue = postgresJobQueue(app.deps.pool);
    const requests = [
      ...Array.from({ length: 40 }, (_, i) => job(i)),
      ...Array.from({ length: 5 }, (_, i) => job(i)), // copies arriving at the same time
      job(100, null), // no delivery: the ingest route's jobs
    ];
    const outcomes = await Promise.all(requests.map((r) => queue.enqueue(r)));
    // Whichever copy is written first is the one queued: exactly one per delivery.
    const queuedPerDelivery = new Map<string | undefined, number>();
    requests.forEach((r, i) => {
      if (outcomes[i] === "queued")
        queuedPerDelivery.set(r.deliveryId, (queuedPerDelivery.get(r.deliveryId) ?? 0) + 1);
    });
    expect(queuedPerDelivery.size).toBe(41);
    expect([...queuedPerDelivery.values()].every((n) => n === 1)).toBe(true);
    expect(outcomes.filter((o) => o === "duplicate_delivery")).toHaveLength(5);
    expect(await countJobs(app, "pr-impact")).toBe(41);
    expect(await recordedDeliveries()).toBe(40);

    const again = await Promise.all([queue.enqueue(job(3)), queue.enqueue(job(41))]);
    expect(again).toStrictEqual(["duplicate_delivery", "queued"]);
    expect(await countJobs(app, "pr-impact")).toBe(42);
  });

  it("two deliveries for one job in a batch leave one job with the later payload", async () => {
    const queue = postgresJobQueue(app.deps.pool);
    // The first two occupy both writers; the next three wait and are written together.
    const outcomes = await Promise.all([
      queue.enqueue(job(10)),
      queue.enqueue(job(11)),
      queue.enqueue(job(1)),
      queue.enqueue({ ...job(1, "delivery-1b"), payload: { n: 2 } }),
      queue.enqueue(job(7)),
    ]);
    expect(outcomes).toStrictEqual(["queued", "queued", "queued", "queued", "queued"]);
    const { rows } = await app.deps.pool.query<{ key: string; payload: unknown }>(
      "select key, payload from graphile_worker._private_jobs order by key",
    );
    expect(rows).toStrictEqual([
      { key: "pr-impact:1:1", payload: { n: 2 } },
      { key: "pr-impact:1:10", payload: { n: 10 } },
      { key: "pr-impact:1:11", payload: { n: 11 } },
      { key: "pr-impact:1:7", payload: { n: 7 } },
    ]);
    expect(await recordedDeliveries()).toBe(5);
  });

  it("a batch of deliveries GitHub sent before queues nothing", async () => {
    const queue = postgresJobQueue(app.deps.pool);
    await queue.enqueue(job(1));
    const again = await Promise.all([queue.enqueue(job(1)), queue.enqueue(job(1))]);
    expect(again).toStrictEqual(["duplicate_delivery", "duplicate_delivery"]);
    expect(await countJobs(app, "pr-impact")).toBe(1);
  });

  it("a job the database refuses fails its own webhook, not the others written with it", async () => {
    const queue = postgresJobQueue(app.deps.pool);
    const results = await Promise.allSettled([
      queue.enqueue(job(1)),
      queue.enqueue({ ...job(2), maxAttempts: 0 }), // graphile-worker: max_attempts >= 1
      queue.enqueue(job(3)),
      queue.enqueue(job(4)),
    ]);
    expect(results.map((r) => r.status)).toStrictEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(await countJobs(app, "pr-impact")).toBe(3);
    expect(await recordedDeliveries()).toBe(3);
  });
});
