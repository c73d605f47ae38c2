import { setTimeout as sleep } from "node:timers/promises";

/*
 * Webhooks first: while deliveries keep arriving, a job about to start waits for a lull (no
 * delivery for QUIET_MS), for at most MAX_WAIT_MS, so a burst of webhooks is answered before the
 * jobs it queued compete with the answers for the CPU. The time of the latest delivery is shared
 * between the server's thread and the job thread through shared memory: nothing is sent per delivery.
 */

const QUIET_MS = 25;
const MAX_WAIT_MS = 2_000;
const POLL_MS = 10;

export interface WebhookClock {
  /** Shared with the job thread (it crosses `workerData` as the same memory). */
  readonly buffer: SharedArrayBuffer;
  /** A delivery arrived now. */
  tick(): void;
  /** Resolves once no delivery arrived for a moment, or after the longest wait. */
  lull(options?: { quietMs?: number; maxWaitMs?: number }): Promise<void>;
}

export function webhookClock(buffer = new SharedArrayBuffer(8)): WebhookClock {
  const latest = new BigInt64Array(buffer);
  return {
    buffer,
    tick() {
      Atomics.store(latest, 0, BigInt(Date.now()));
    },
    async lull({ quietMs = QUIET_MS, maxWaitMs = MAX_WAIT_MS } = {}) {
      const deadline = Date.now() + maxWaitMs;
      while (Date.now() - Number(Atomics.load(latest, 0)) < quietMs && Date.now() < deadline) {
        await sleep(POLL_MS);
      }
    },
  };
}
