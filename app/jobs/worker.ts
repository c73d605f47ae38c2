import { EventEmitter } from "node:events";
import { type Runner, run, runOnce, type Task, type TaskList, type WorkerEvents } from "graphile-worker";
import type { z } from "zod";
import { statusOf } from "../github/octokit.ts";
import { diffDeploy } from "./deploy-diff.ts";
import type { JobDeps } from "./deps.ts";
import { reportFlowResults } from "./flows-result.ts";
import { deployDiffPayload, flowsResultPayload, prCommandPayload, prImpactPayload } from "./payloads.ts";
import { runPrCommand } from "./pr-command.ts";
import { analysePullRequest } from "./pr-impact.ts";
import { dispatchPendingJobs, forgetOldDeliveries, type TaskName, workerLogger } from "./queue.ts";
import { holdLiveness, releaseJobsOfDeadWorkers } from "./stalled-jobs.ts";
import { queueDueWeeklyScans, runWeeklyScan } from "./weekly-scan.ts";
import { weeklyScanPayload } from "./weekly-scan-payloads.ts";

/**
 * Scheduled work comes from graphile-worker's crontab in Postgres, never from an in-process timer:
 * with several App processes, each tick still runs once.
 */
// The hourly tick queues each repository's weekly scan (the job waits for the configured day and
// hour); `fill` runs a tick missed while no App process was up, so a missed week is caught up at start.
export const CRONTAB = [
  "0 * * * * weekly-scan-tick ?fill=1h&max=1",
  "30 3 * * * forget-deliveries ?max=3",
  "* * * * * release-stalled-jobs ?max=1",
].join("\n");

/** GitHub answers that retrying cannot change: the repository or pull request is gone, or the request is wrong. */
const FINAL_STATUSES = new Set([404, 410, 422]);

export function buildTaskList(deps: JobDeps): Record<TaskName, Task> {
  const task = <S extends z.ZodType>(
    name: TaskName,
    schema: S,
    work: (job: z.infer<S>, log: JobDeps["log"]) => Promise<void>,
  ): Task => {
    return async (raw, helpers) => {
      await deps.lull?.();
      const payload = schema.parse(raw) as z.infer<S> & {
        owner?: string;
        repo?: string;
        headSha?: string;
        sha?: string;
        deliveryId?: string;
      };
      const log = deps.log.child({
        task: name,
        jobId: helpers.job.id,
        attempt: helpers.job.attempts,
        ...(payload.deliveryId ? { deliveryId: payload.deliveryId } : {}),
        ...(payload.owner ? { repo: `${payload.owner}/${payload.repo}` } : {}),
        ...(payload.headSha ? { sha: payload.headSha } : {}),
        ...(payload.sha ? { sha: payload.sha } : {}),
      });
      try {
        await work(payload, log);
      } catch (error) {
        const status = statusOf(error);
        if (status !== undefined && FINAL_STATUSES.has(status)) {
          log.warn({ err: error, status }, "GitHub refused the job's request; not retrying");
          return;
        }
        log.warn({ err: error }, "job failed; it will be retried with backoff");
        throw error;
      }
    };
  };
  return {
    "pr-impact": task("pr-impact", prImpactPayload, (job, log) => analysePullRequest(deps, job, log)),
    "flows-result": task("flows-result", flowsResultPayload, (job, log) => reportFlowResults(deps, job, log)),
    "pr-command": task("pr-command", prCommandPayload, (job, log) => runPrCommand(deps, job, log)),
    "deploy-diff": task("deploy-diff", deployDiffPayload, (job, log) => diffDeploy(deps, job, log)),
    "weekly-scan": task("weekly-scan", weeklyScanPayload, (job, log) => runWeeklyScan(deps, job, log)),
    "weekly-scan-tick": async () => {
      await queueDueWeeklyScans(deps, deps.log.child({ task: "weekly-scan-tick" }));
    },
    "release-stalled-jobs": async () => {
      const released = await releaseJobsOfDeadWorkers(deps.pool);
      if (released.length > 0) deps.log.warn({ workers: released }, "jobs of dead App processes handed back");
      const dispatched = await dispatchPendingJobs(deps.pool, deps.log);
      if (dispatched > 0)
        deps.log.warn({ dispatched }, "webhook jobs left pending by a stopped App process queued");
    },
    "forget-deliveries": async () => {
      const forgotten = await forgetOldDeliveries(deps.pool);
      deps.log.info({ task: "forget-deliveries", forgotten }, "old webhook deliveries forgotten");
    },
  };
}

export interface WorkerOptions {
  concurrency?: number;
  /** Milliseconds between polls for jobs due later (retries); new jobs arrive by LISTEN/NOTIFY. */
  pollInterval?: number;
  /** Run the crontab (default true). */
  schedule?: boolean;
}

/**
 * Starts the job runner; `stop()` lets running jobs finish (or hands them back) before it resolves.
 * While it runs, the process holds its pool's liveness lock (see stalled-jobs.ts), and on start it
 * hands back the jobs of processes that died.
 */
export async function startWorker(deps: JobDeps, options: WorkerOptions = {}): Promise<Runner> {
  const events = new EventEmitter() as WorkerEvents;
  let workerPoolId: string | undefined;
  events.on("pool:create", ({ workerPool }) => {
    workerPoolId = workerPool.id;
  });
  const released = await releaseJobsOfDeadWorkers(deps.pool);
  if (released.length > 0) deps.log.warn({ workers: released }, "jobs of dead App processes handed back");
  const runner = await run({
    pgPool: deps.pool,
    taskList: buildTaskList(deps) as TaskList,
    ...(options.schedule === false ? {} : { crontab: CRONTAB }),
    concurrency: options.concurrency ?? 4,
    pollInterval: options.pollInterval ?? 2_000,
    noHandleSignals: true,
    logger: workerLogger(deps.log),
    events,
    // Without batching, graphile-worker writes a job's completion without waiting for it, and a
    // stopping process could close its pool first: the finished job would run again. Batched
    // (even with no delay), the runner's promise settles only once every completion is written.
    preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
  if (workerPoolId) {
    const liveness = await holdLiveness(deps.pool, workerPoolId, deps.log);
    runner.promise.finally(() => liveness.release()).catch(() => undefined);
  }
  // A weekly scan missed while no App process ran is caught up now rather than at the next hour.
  if (options.schedule !== false) {
    await deps.queue.enqueue({
      task: "weekly-scan-tick",
      key: "weekly-scan-tick",
      payload: {},
      maxAttempts: 1,
    });
  }
  return runner;
}

/** Lets running jobs finish and waits until their outcomes are written (or hands them back). */
export async function stopWorker(runner: Runner): Promise<void> {
  await runner.stop();
  await runner.promise;
}

/** Runs every job that is due now, then returns (tests, one-off maintenance). */
export function runDueJobs(deps: JobDeps): Promise<void> {
  return runOnce({
    pgPool: deps.pool,
    taskList: buildTaskList(deps) as TaskList,
    noHandleSignals: true,
    logger: workerLogger(deps.log),
  });
}
