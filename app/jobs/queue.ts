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

export interface JobQueueOptions {
  /** Where recorded deliveries are handed to the workers (default: the queue's own pool). */
  dispatchPool?: pg.Pool;
  /** Waits for a lull in webhooks before a hand-over (see webhook-lull.ts); none: at once. */
  lull?: () => Promise<void>;
  log?: Logger;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

interface Waiting {
  job: JobRequest;
  resolve(outcome: EnqueueOutcome): void;
  reject(error: unknown): void;
}

/**
 * Batches in flight at once; the rest wait and go together in the next one. One: commits wait for
 * the WAL flush one after another anyway, so a second writer halved the batches (2.6 deliveries
 * each instead of 4.3 under 10 connections) and doubled the round trips and commits, which cost the
 * database and the server CPU that the acknowledgements compete for.
 */
export const QUEUE_WRITERS = 1;
const MAX_BATCH = 100;

/**
 * The queue on Postgres. Webhooks that arrive while earlier ones are being written are written
 * together in one statement (one round trip, one commit): under load the App pays for a commit per
 * batch rather than per delivery, and still answers each webhook only once its row is durable.
 *
 * A webhook's job is recorded with its delivery, as a pending row of `webhook_deliveries`, and
 * handed to graphile-worker after the answer, in the next lull between webhooks (`dispatchPendingJobs`).
 * graphile-worker's `add_jobs` costs several times the plain insert and its NOTIFY serialises
 * commits; out of the acknowledgement's path, it runs once for all the deliveries recorded meanwhile,
 * and during a burst it does not compete with the answers for the disk. A process that dies between
 * the two leaves pending rows, which the next dispatch of any App process hands over.
 */
export function postgresJobQueue(pool: pg.Pool, options: JobQueueOptions = {}): JobQueue {
  const waiting: Waiting[] = [];
  let writers = 0;
  const dispatcher = pendingJobsDispatcher(options.dispatchPool ?? pool, options.log, options.lull);
  const flush = () => {
    while (writers < QUEUE_WRITERS && waiting.length > 0) {
      const batch = waiting.splice(0, MAX_BATCH);
      writers += 1;
      writeBatch(pool, batch)
        .then((recorded) => {
          if (recorded) dispatcher.request();
        })
        .finally(() => {
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

/** Writes a batch; true when it recorded a delivery whose job waits to be dispatched. */
async function writeBatch(pool: pg.Pool, batch: Waiting[]): Promise<boolean> {
  // Copies of one delivery in the same batch: the first is written, the others are duplicates.
  const seen = new Set<string>();
  const deliveries: Waiting[] = [];
  const direct: Waiting[] = [];
  for (const entry of batch) {
    const id = entry.job.deliveryId;
    if (id === undefined) direct.push(entry);
    else if (seen.has(id)) entry.resolve("duplicate_delivery");
    else {
      seen.add(id);
      deliveries.push(entry);
    }
  }
  const [recorded] = await Promise.all([
    deliveries.length > 0 &&
      write(deliveries, async (jobs) => {
        const fresh = await recordDeliveries(pool, jobs);
        return jobs.map((job) => fresh.has(job.deliveryId as string));
      }),
    direct.length > 0 &&
      write(direct, async (jobs) => {
        await addJobs(pool, jobs);
        return jobs.map(() => true);
      }),
  ]);
  return recorded === true;
}

/** Runs one statement for `entries`; true when at least one was queued. If it fails, each is retried on its own. */
async function write(
  entries: Waiting[],
  statement: (jobs: JobRequest[]) => Promise<boolean[]>,
): Promise<boolean> {
  try {
    const queued = await statement(entries.map((entry) => entry.job));
    entries.forEach((entry, i) => {
      entry.resolve(queued[i] ? "queued" : "duplicate_delivery");
    });
    return queued.some(Boolean);
  } catch (error) {
    if (entries.length === 1) {
      entries[0]?.reject(error);
      return false;
    }
    // One bad job must not fail the others' webhooks: write each on its own.
    const alone = await Promise.all(entries.map((entry) => write([entry], statement)));
    return alone.some(Boolean);
  }
}

const INPUT = `input as (
       select * from unnest($1::text[], $2::json[], $3::int[], $4::text[], $5::timestamptz[], $6::text[])
         with ordinality as t(task, payload, max_attempts, job_key, run_at, delivery_id, ord))`;

const inputValues = (jobs: JobRequest[]) => [
  jobs.map((job) => job.task),
  jobs.map((job) => JSON.stringify(job.payload)),
  jobs.map((job) => job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
  jobs.map((job) => job.key),
  jobs.map((job) => job.runAt?.toISOString() ?? null),
  jobs.map((job) => job.deliveryId ?? null),
];

/**
 * The deliveries and their jobs, pending, unless GitHub sent them before (a concurrent copy waits
 * on the primary key, then inserts nothing). Rows go in in delivery-id order, so two batches
 * holding the same deliveries cannot deadlock; `seq` keeps the order they arrived in.
 * Returns the delivery ids that were new.
 */
async function recordDeliveries(pool: pg.Pool, jobs: JobRequest[]): Promise<Set<string>> {
  const { rows } = await pool.query<{ delivery_id: string }>({
    name: "perceo-record-deliveries",
    text: `with ${INPUT},
     numbered as materialized (
       select *, nextval('${APP_SCHEMA}.webhook_delivery_seq') as seq from input order by ord)
     insert into ${APP_SCHEMA}.webhook_deliveries
       (delivery_id, task, job_key, payload, max_attempts, run_at, seq, pending)
     select delivery_id, task, job_key, payload, max_attempts, run_at, seq, true
     from numbered order by delivery_id
     on conflict (delivery_id) do nothing returning delivery_id`,
    values: inputValues(jobs),
  });
  return new Set(rows.map((row) => row.delivery_id));
}

/** Jobs no webhook asked for (scheduled scans, the ingest route's), straight to graphile-worker. */
async function addJobs(pool: pg.Pool, jobs: JobRequest[]): Promise<void> {
  await pool.query(
    `with ${INPUT},
     ${specs("input", "ord")}
     select count(*) from ${ADD_SPECS}`,
    inputValues(jobs),
  );
}

// Two requests for one job end as two add_job calls in a row would: the last request's payload,
// the first one's run_at (the key's mode is preserve_run_at).
const specs = (rows: string, order: string) => `specs as (
       select distinct on (job_key) task, payload, max_attempts, job_key,
         first_value(run_at) over (partition by job_key order by ${order}) as run_at
       from ${rows} order by job_key, ${order} desc)`;

/** graphile-worker's `add_jobs` for the rows of `specs`. */
const ADD_SPECS = `graphile_worker.add_jobs(
         (select array_agg(row(task, payload, null, run_at, max_attempts, job_key, null, null)
            ::graphile_worker.job_spec) from specs),
         job_key_preserve_run_at := true)`;

/** Pending deliveries handed over per transaction. */
const DISPATCH_BATCH = 500;

/**
 * Hands pending deliveries' jobs to graphile-worker, oldest first, in one transaction per batch;
 * App processes take turns (an advisory lock), so a key's requests are added in the order they
 * arrived. A batch the queue refuses is retried one delivery at a time, and a delivery whose job
 * cannot be added is logged and left with its error rather than blocking the ones after it.
 * Returns how many deliveries were handed over.
 */
export async function dispatchPendingJobs(pool: pg.Pool, log?: Logger): Promise<number> {
  let total = 0;
  for (;;) {
    let moved: number;
    try {
      moved = await dispatchBatch(pool, DISPATCH_BATCH);
    } catch {
      moved = await dispatchOneByOne(pool, log);
    }
    total += moved;
    if (moved < DISPATCH_BATCH) return total;
  }
}

/** One delivery at a time, in one locked transaction: a job the queue refuses is set aside with its error. */
async function dispatchOneByOne(pool: pg.Pool, log?: Logger): Promise<number> {
  return inDispatchLock(pool, async (client) => {
    let total = 0;
    for (let i = 0; i < DISPATCH_BATCH; i++) {
      const { rows } = await client.query<{ delivery_id: string; task: string }>(
        `select delivery_id, task from ${APP_SCHEMA}.webhook_deliveries where pending order by seq limit 1`,
      );
      const first = rows[0];
      if (!first) break;
      await client.query("savepoint dispatch_one");
      try {
        const moved = await client.query<{ moved: number }>(handOver("$1"), [first.delivery_id]);
        total += moved.rows[0]?.moved ?? 0;
        await client.query("release savepoint dispatch_one");
      } catch (error) {
        await client.query("rollback to savepoint dispatch_one");
        await client.query(
          `update ${APP_SCHEMA}.webhook_deliveries set pending = false, dispatch_error = $2 where delivery_id = $1`,
          [first.delivery_id, error instanceof Error ? error.message : String(error)],
        );
        log?.error(
          { err: error, deliveryId: first.delivery_id, task: first.task },
          "a webhook's job could not be queued",
        );
      }
    }
    return total;
  });
}

async function dispatchBatch(pool: pg.Pool, limit: number): Promise<number> {
  return inDispatchLock(pool, async (client) => {
    // The hand-over need not wait for the disk: a crash can lose only the whole transaction, which
    // leaves its deliveries pending for the next dispatch; and a job's completion, a synchronous
    // commit, makes the hand-over before it durable first.
    await client.query("set local synchronous_commit to off");
    const { rows } = await client.query<{ moved: number }>(
      handOver(
        `select delivery_id from ${APP_SCHEMA}.webhook_deliveries where pending order by seq limit $1`,
      ),
      [limit],
    );
    return rows[0]?.moved ?? 0;
  });
}

/** Marks the selected pending deliveries handed over and adds their jobs; returns the count as `moved`. */
const handOver = (selected: string) => `with moved as (
         update ${APP_SCHEMA}.webhook_deliveries set pending = false
         where pending and delivery_id in (${selected})
         returning task, payload, max_attempts, job_key, run_at, seq),
       ${specs("moved", "seq")},
       added as (
         select count(*) from ${ADD_SPECS} where exists (select 1 from specs))
       select count(*)::int as moved from moved, added`;

/** App processes dispatch one at a time, so a key's requests reach graphile-worker in the order they arrived. */
function inDispatchLock<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inLockedTransaction(pool, "perceo-app:dispatch", work);
}

/**
 * Dispatches after recorded batches, in the next lull, without ever running twice at once: requests
 * made while a dispatch waits or runs are served by one more round. A failure is logged; the next
 * request (or the worker's minutely tick) tries again.
 */
function pendingJobsDispatcher(pool: pg.Pool, log?: Logger, lull?: () => Promise<void>): { request(): void } {
  let running = false;
  let again = false;
  const run = async () => {
    running = true;
    try {
      while (again) {
        await lull?.();
        again = false;
        await dispatchPendingJobs(pool, log);
      }
    } catch (error) {
      log?.warn({ err: error }, "handing webhook jobs to the queue failed; retrying with the next delivery");
    } finally {
      running = false;
    }
  };
  return {
    request() {
      again = true;
      if (!running) void run();
    },
  };
}

/** Creates graphile-worker's schema and the App's delivery log; safe for several processes at once. */
export async function prepareQueueSchema(pool: pg.Pool): Promise<void> {
  await runMigrations({ pgPool: pool, logger: workerLogger() });
  await inLockedTransaction(pool, "perceo-app:schema", (client) =>
    client.query(`
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
      -- The delivery's job until it is handed to graphile-worker (see dispatchPendingJobs).
      create sequence if not exists ${APP_SCHEMA}.webhook_delivery_seq;
      alter table ${APP_SCHEMA}.webhook_deliveries
        add column if not exists payload json,
        add column if not exists max_attempts smallint check (max_attempts >= 1),
        add column if not exists run_at timestamptz,
        add column if not exists seq bigint,
        add column if not exists pending boolean not null default false,
        add column if not exists dispatch_error text;
      create index if not exists webhook_deliveries_pending_idx
        on ${APP_SCHEMA}.webhook_deliveries (seq) where pending;
    `),
  );
}

/** Deliveries older than GitHub's redelivery window (3 days) are forgotten. */
export async function forgetOldDeliveries(pool: pg.Pool, olderThanDays = 7): Promise<number> {
  const result = await pool.query(
    `delete from ${APP_SCHEMA}.webhook_deliveries
     where received_at < now() - make_interval(days => $1) and not pending`,
    [olderThanDays],
  );
  return result.rowCount ?? 0;
}

/**
 * Runs `work` while holding a transaction-scoped advisory lock for one pull request, so two jobs
 * (two App processes, or a retry racing a new push) never write its comment at the same time.
 */
export function withPullRequestLock<T>(
  pool: pg.Pool,
  pr: { repositoryId: number; number: number },
  work: () => Promise<T>,
): Promise<T> {
  return inLockedTransaction(pool, `perceo-pr:${pr.repositoryId}:${pr.number}`, () => work());
}

/** Runs `work` in a transaction holding the advisory lock named `lock` until it commits or rolls back. */
async function inLockedTransaction<T>(
  pool: pg.Pool,
  lock: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [lock]);
    const result = await work(client);
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
