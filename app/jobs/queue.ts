import { runMigrations, Logger as WorkerLogger } from "graphile-worker";
import type pg from "pg";
import type { Logger } from "probot";

/** The App's own bookkeeping lives beside graphile-worker's schema, not in the product's tables. */
export const APP_SCHEMA = "perceo_app";

export type TaskName =
  | "pr-impact"
  | "flows-result"
  | "pr-command"
  | "weekly-scan"
  | "weekly-scan-tick"
  | "forget-deliveries"
  | "deploy-diff"
  | "release-stalled-jobs";

export interface JobRequest {
  task: TaskName;
  payload: Record<string, unknown>;
  /** What the job is about (repository + sha + kind): a second request while it waits merges into it. */
  key: string;
  /** The webhook delivery that asked for it: the same delivery again adds nothing. */
  deliveryId?: string;
  maxAttempts?: number;
  /** Not before this time (a push's deploy diff waits for the deploy to finish). */
  runAt?: Date;
}

export type EnqueueOutcome = "queued" | "duplicate_delivery";

export interface JobQueue {
  /** Records the delivery and its job in one statement, so a webhook is answered only once it is durable. */
  enqueue(job: JobRequest): Promise<EnqueueOutcome>;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

interface Waiting {
  job: JobRequest;
  resolve(outcome: EnqueueOutcome): void;
  reject(error: unknown): void;
}

/** Batches in flight at once; the rest wait and go together in the next one. */
export const QUEUE_WRITERS = 2;
const MAX_BATCH = 100;

/**
 * The queue on Postgres. Webhooks that arrive while earlier ones are being written are written
 * together in one statement (one round trip, one commit): under load the App pays for a commit per
 * batch rather than per delivery, and still answers each webhook only once its row is durable.
 */
export function postgresJobQueue(pool: pg.Pool): JobQueue {
  const waiting: Waiting[] = [];
  let writers = 0;
  const flush = () => {
    while (writers < QUEUE_WRITERS && waiting.length > 0) {
      const batch = waiting.splice(0, MAX_BATCH);
      writers += 1;
      writeBatch(pool, batch).finally(() => {
        writers -= 1;
        flush();
      });
    }
  };
  return {
    enqueue(job) {
      return new Promise<EnqueueOutcome>((resolve, reject) => {
        waiting.push({ job, resolve, reject });
        flush();
      });
    },
  };
}

async function writeBatch(pool: pg.Pool, batch: Waiting[]): Promise<void> {
  // Copies of one delivery in the same batch: the first is written, the others are duplicates.
  const seen = new Set<string>();
  const unique: Waiting[] = [];
  for (const entry of batch) {
    const id = entry.job.deliveryId;
    if (id !== undefined && seen.has(id)) entry.resolve("duplicate_delivery");
    else {
      if (id !== undefined) seen.add(id);
      unique.push(entry);
    }
  }
  try {
    const queued = await insertJobs(
      pool,
      unique.map((entry) => entry.job),
    );
    unique.forEach((entry, i) => {
      entry.resolve(queued.has(i) ? "queued" : "duplicate_delivery");
    });
  } catch (error) {
    if (unique.length === 1) {
      unique[0]?.reject(error);
      return;
    }
    // One bad job must not fail the others' webhooks: write each on its own.
    await Promise.all(unique.map((entry) => writeBatch(pool, [entry])));
  }
}

/**
 * One statement for the whole batch: each delivery's row is inserted unless GitHub sent it before
 * (a concurrent copy waits on the primary key, then inserts nothing), and the new deliveries' jobs
 * are added with one `add_jobs` call — one wake-up for the workers per batch, not one per job.
 * Returns the indexes of the jobs that were queued.
 */
async function insertJobs(pool: pg.Pool, jobs: JobRequest[]): Promise<Set<number>> {
  const { rows } = await pool.query<{ ord: string }>(
    `with input as (
       select * from unnest($1::text[], $2::json[], $3::int[], $4::text[], $5::timestamptz[], $6::text[])
         with ordinality as t(task, payload, max_attempts, job_key, run_at, delivery_id, ord)),
     fresh as (
       insert into ${APP_SCHEMA}.webhook_deliveries (delivery_id, task, job_key)
       select delivery_id, task, job_key from input where delivery_id is not null order by delivery_id
       on conflict (delivery_id) do nothing returning delivery_id),
     wanted as (
       select * from input
       where input.delivery_id is null or input.delivery_id in (select delivery_id from fresh)),
     -- Two requests for one job in a batch end as two add_job calls in a row would: the last
     -- request's payload, the first one's run_at (the key's mode is preserve_run_at).
     specs as (
       select distinct on (job_key) task, payload, max_attempts, job_key,
         first_value(run_at) over (partition by job_key order by ord) as run_at
       from wanted order by job_key, ord desc),
     added as (
       select count(*) from graphile_worker.add_jobs(
         (select array_agg(row(task, payload, null, run_at, max_attempts, job_key, null, null)
            ::graphile_worker.job_spec) from specs),
         job_key_preserve_run_at := true)
       where exists (select 1 from specs))
     select wanted.ord from wanted, added order by wanted.ord`,
    [
      jobs.map((job) => job.task),
      jobs.map((job) => JSON.stringify(job.payload)),
      jobs.map((job) => job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
      jobs.map((job) => job.key),
      jobs.map((job) => job.runAt?.toISOString() ?? null),
      jobs.map((job) => job.deliveryId ?? null),
    ],
  );
  return new Set(rows.map((row) => Number(row.ord) - 1));
}

/** Creates graphile-worker's schema and the App's delivery log; safe for several processes at once. */
export async function prepareQueueSchema(pool: pg.Pool): Promise<void> {
  await runMigrations({ pgPool: pool, logger: workerLogger() });
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock(hashtext('perceo_app.schema'))");
    await client.query(`
      create schema if not exists ${APP_SCHEMA};
      -- One row per webhook delivery that queued work: GitHub redelivers with the same id.
      create table if not exists ${APP_SCHEMA}.webhook_deliveries (
        delivery_id text primary key,
        task text not null,
        job_key text not null,
        received_at timestamptz not null default now()
      );
      create index if not exists webhook_deliveries_received_at_idx
        on ${APP_SCHEMA}.webhook_deliveries (received_at);
    `);
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Deliveries older than GitHub's redelivery window (3 days) are forgotten. */
export async function forgetOldDeliveries(pool: pg.Pool, olderThanDays = 7): Promise<number> {
  const result = await pool.query(
    `delete from ${APP_SCHEMA}.webhook_deliveries where received_at < now() - make_interval(days => $1)`,
    [olderThanDays],
  );
  return result.rowCount ?? 0;
}

/**
 * Runs `work` while holding a transaction-scoped advisory lock for one pull request, so two jobs
 * (two App processes, or a retry racing a new push) never write its comment at the same time.
 */
export async function withPullRequestLock<T>(
  pool: pg.Pool,
  pr: { repositoryId: number; number: number },
  work: () => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [
      `perceo-pr:${pr.repositoryId}:${pr.number}`,
    ]);
    const result = await work();
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** graphile-worker's logger, writing into the App's pino logger (or nowhere). */
export function workerLogger(log?: Logger): WorkerLogger {
  if (!log) return new WorkerLogger(() => () => undefined);
  return new WorkerLogger((scope) => (level, message, meta) => {
    const fields = { ...scope, ...meta };
    if (level === "error") log.error(fields, message);
    else if (level === "warning") log.warn(fields, message);
    else if (level === "info") log.info(fields, message);
    else log.debug(fields, message);
  });
}
