import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { webhookClock } from "./webhook-lull.ts";

/** Ticks the clock every 20 ms until stopped. */
function deliveries(tick: () => void) {
  const timer = setInterval(tick, 20);
  tick();
  return () => clearInterval(timer);
}

const settled = (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  return () => done;
};

describe("waiting for a lull in webhooks", () => {
  it("starts a job at once when no delivery arrived lately", async () => {
    const clock = webhookClock();
    const winner = await Promise.race([clock.lull().then(() => "lull"), sleep(5_000).then(() => "timeout")]);
    expect(winner).toBe("lull");
  });

  it("waits while deliveries keep arriving and goes once they stop", async () => {
    const server = webhookClock();
    // The job thread's view: the same shared memory.
    const jobs = webhookClock(server.buffer);
    const stop = deliveries(() => server.tick());
    const done = settled(jobs.lull({ quietMs: 1_000, maxWaitMs: 60_000 }));
    await sleep(300);
    expect(done()).toBe(false);
    stop();
    await expect.poll(done, { timeout: 10_000 }).toBe(true);
  });

  it("never waits longer than the longest wait, however busy", async () => {
    const clock = webhookClock();
    const stop = deliveries(() => clock.tick());
    try {
      const done = settled(clock.lull({ quietMs: 1_000, maxWaitMs: 200 }));
      await expect.poll(done, { timeout: 10_000 }).toBe(true);
    } finally {
      stop();
    }
  });
});
