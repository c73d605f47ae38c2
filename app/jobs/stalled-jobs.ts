import type pg from "pg";
import type { Logger } from "probot";

/*
 * graphile-worker leaves the jobs of a process that died (SIGKILL, out of memory, a lost machine)
 * locked for 4 hours before another worker may take them. To hand them back sooner, every App
 * process holds a session advisory lock named after its worker pool for as long as it runs: the
 * lock goes with the process's connection. A job locked by a pool whose lock is free belongs to a
 * process that is gone. Jobs are idempotent (check runs are found by external id, the comment is
 * edited in place), so the rare false alarm — a live process whose connection dropped — runs a
 * job twice rather than losing it.
 */

function livenessKey(workerPoolId: string): string {
  return `perceo-worker:${workerPoolId}`;
}

export interface Liveness {
  release(): Promise<void>;
}

/** Holds the liveness lock of a worker pool on a connection of its own, until `release()`. */
export async function holdLiveness(pool: pg.Pool, workerPoolId: string, log?: Logger): Promise<Liveness> {
  const client = await pool.connect();
  client.on("error", (error) => log?.warn({ err: error }, "the worker's liveness connection was lost"));
  await client.query("select pg_advisory_lock(hashtextextended($1, 0))", [livenessKey(workerPoolId)]);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query("select pg_advisory_unlock(hashtextextended($1, 0))", [livenessKey(workerPoolId)]);
      } finally {
        client.release();
      }
    },
  };
}

/**
 * Unlocks the jobs of worker pools whose process is gone, so any worker can run them again now.
 * Jobs locked less than `minLockedMs` ago are left alone: a pool that just started may not hold
 * its liveness lock yet. Returns the pools whose jobs were handed back.
 */
export async function releaseJobsOfDeadWorkers(
  pool: pg.Pool,
  options: { minLockedMs?: number } = {},
): Promise<string[]> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ locked_by: string }>(
      `select distinct locked_by from graphile_worker._private_jobs
       where locked_by is not null and locked_at < now() - make_interval(secs => $1)`,
      [(options.minLockedMs ?? 10_000) / 1000],
    );
    const dead: string[] = [];
    for (const { locked_by: poolId } of rows) {
      const { rows: probe } = await client.query<{ free: boolean }>(
        "select pg_try_advisory_lock(hashtextextended($1, 0)) as free",
        [livenessKey(poolId)],
      );
      if (!probe[0]?.free) continue;
      try {
        await client.query("select graphile_worker.force_unlock_workers($1::text[])", [[poolId]]);
        dead.push(poolId);
      } finally {
        await client.query("select pg_advisory_unlock(hashtextextended($1, 0))", [livenessKey(poolId)]);
      }
    }
    return dead;
  } finally {
    client.release();
  }
}
