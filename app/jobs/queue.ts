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

export function postgresJobQueue(pool: pg.Pool): JobQueue {
  return {
    async enqueue(job) {
      const addJob = `graphile_worker.add_job($1, $2::json, max_attempts := $3, job_key := $4,
        job_key_mode := 'preserve_run_at', run_at := $5::timestamptz)`;
      const params: unknown[] = [
        job.task,
        JSON.stringify(job.payload),
        job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        job.key,
        job.runAt?.toISOString() ?? null,
      ];
      if (!job.deliveryId) {
        await pool.query(`select ${addJob}`, params);
        return "queued";
      }
      // One statement, so one round trip and one commit on the webhook's path. The job is added
      // only when the delivery row is new; a concurrent copy of the same delivery waits on the
      // primary key, then inserts nothing and adds no job.
      const result = await pool.query(
        `with delivery as (
           insert into ${APP_SCHEMA}.webhook_deliveries (delivery_id, task, job_key) values ($6, $1, $4)
           on conflict (delivery_id) do nothing returning 1)
         select ${addJob} from delivery`,
        [...params, job.deliveryId],
      );
      return result.rowCount === 0 ? "duplicate_delivery" : "queued";
    },
  };
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
