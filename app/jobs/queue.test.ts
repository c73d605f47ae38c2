import pg from "pg";
import { describe, expect, it } from "vitest";
import type { RunningApp } from "../server/start.ts";
import { countJobs, type Harness, useAppHarness } from "../testing/app-harness.ts";
import { dispatchPendingJobs, type JobRequest, postgresJobQueue } from "./queue.ts";

let app: RunningApp;
let harness: Harness;

useAppHarness({
  app: (a) => {
    app = a;
  },
  harness: (h) => {
    harness = h;
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
    await dispatchPendingJobs(app.deps.pool);
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

  it("a webhook is answered at once while its job waits for a lull in webhooks to be handed over", async () => {
    let lullEnds: () => void = () => undefined;
    let lullsAsked = 0;
    const queue = postgresJobQueue(app.deps.pool, {
      lull: () => {
        lullsAsked += 1;
        return new Promise((resolve) => {
          lullEnds = resolve;
        });
      },
    });
    expect(await Promise.all([queue.enqueue(job(1)), queue.enqueue(job(2))])).toStrictEqual([
      "queued",
      "queued",
    ]);
    const jobs = async () => {
      const { rows } = await app.deps.pool.query<{ n: number }>(
        "select count(*)::int as n from graphile_worker.jobs",
      );
      return rows[0]?.n;
    };
    expect(lullsAsked).toBe(1);
    expect(await jobs()).toBe(0);
    lullEnds();
    await expect.poll(jobs).toBe(2);
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

  it("a webhook's job recorded by a process that stopped before handing it over is queued by the next one", async () => {
    // The dispatch pool is closed: recording succeeds, handing over fails, as if the process died in between.
    const gone = new pg.Pool({ connectionString: harness.databaseUrl, max: 1 });
    await gone.end();
    const queue = postgresJobQueue(app.deps.pool, { dispatchPool: gone });
    expect(await queue.enqueue(job(1))).toBe("queued");
    const waiting = async () => {
      const { rows } = await app.deps.pool.query<{ pending: number; jobs: number }>(
        `select (select count(*)::int from perceo_app.webhook_deliveries where pending) as pending,
                (select count(*)::int from graphile_worker.jobs) as jobs`,
      );
      return rows[0];
    };
    expect(await waiting()).toStrictEqual({ pending: 1, jobs: 0 });
    // Another App process starting (or any process's minutely tick) hands it over.
    await harness.start();
    expect(await waiting()).toStrictEqual({ pending: 0, jobs: 1 });
  });

  it("a pending job the queue refuses is set aside with its error and the ones after it are queued", async () => {
    const queue = postgresJobQueue(app.deps.pool);
    await queue.enqueue(job(1));
    // graphile-worker refuses task names over 128 characters; recorded directly, as nothing in the App writes one.
    await app.deps.pool.query(
      `insert into perceo_app.webhook_deliveries (delivery_id, task, job_key, payload, max_attempts, seq, pending)
       values ('bad', repeat('x', 200), 'bad', '{}', 1, nextval('perceo_app.webhook_delivery_seq'), true)`,
    );
    await Promise.all([queue.enqueue(job(2)), queue.enqueue(job(3))]);
    await dispatchPendingJobs(app.deps.pool);
    expect(await countJobs(app, "pr-impact")).toBe(3);
    const { rows } = await app.deps.pool.query<{ delivery_id: string; pending: boolean; failed: boolean }>(
      `select delivery_id, pending, dispatch_error is not null as failed
       from perceo_app.webhook_deliveries order by seq`,
    );
    expect(rows).toStrictEqual([
      { delivery_id: "delivery-1", pending: false, failed: false },
      { delivery_id: "bad", pending: false, failed: true },
      { delivery_id: "delivery-2", pending: false, failed: false },
      { delivery_id: "delivery-3", pending: false, failed: false },
    ]);
  });
});
