import { once } from "node:events";
import { Worker } from "node:worker_threads";
import type { Logger } from "probot";
import type { AppSettings } from "../server/settings.ts";
import type { WorkerOptions } from "./worker.ts";

/*
 * The job worker on a thread of its own, at a lower CPU priority than the webhook server: a job
 * that parses a large repository or decodes screenshots for seconds never delays a webhook's
 * answer, and on a busy machine the kernel runs the answers first. The thread opens its own
 * database pools, store and browsers from the same settings; jobs reach it through Postgres.
 */

/**
 * The thread's young generation, bounded. A pull request's observer run parses every module of the
 * repository, and the AST it drops after each one is garbage by the megabyte; with V8's default for
 * a thread, a 20,000-module selection on it took 2.65-4.1 s (median 3.2) and a process peak of
 * 423-451 MB; with 48 MB, 2.46-2.91 s (median 2.8) and 325-338 MB (five runs each, 2-core machine).
 */
const JOB_THREAD_YOUNG_GENERATION_MB = 48;

/** What the thread starts from; everything in it crosses the thread boundary as a copy. */
export interface JobThreadData {
  settings: AppSettings;
  worker: WorkerOptions;
  blobsDir: string;
  factsDir: string;
  log: { level: string; destination: number | string };
  /** Octokit's throttling of requests to GitHub (off only against a fake GitHub). */
  githubThrottle: boolean;
  /** How much lower the thread's CPU priority is (Linux `nice`; 0 leaves it). */
  niceness: number;
  /** The server's webhook clock (webhook-lull.ts): jobs start in the lulls between deliveries. */
  webhookClock: SharedArrayBuffer;
}

export type JobThreadMessage = { type: "ready" } | { type: "failed"; message: string } | { type: "stopped" };

export interface JobThread {
  /** Lets running jobs finish (or hands them back), then ends the thread. */
  stop(): Promise<void>;
}

const RESTART_DELAY_MS = 1_000;

/** Starts the thread and waits until its worker runs; a thread that dies later is started again. */
export async function startJobThread(data: JobThreadData, log: Logger): Promise<JobThread> {
  let stopping = false;
  let current = await launch(data);
  const watch = (worker: Worker) => {
    worker.once("exit", (code) => {
      if (stopping) return;
      log.error({ code }, "the job thread stopped unexpectedly; starting it again");
      setTimeout(() => {
        if (stopping) return;
        launch(data).then(
          (next) => {
            current = next;
            watch(next);
          },
          (error: unknown) => log.error({ err: error }, "the job thread could not start again"),
        );
      }, RESTART_DELAY_MS).unref();
    });
  };
  watch(current);
  return {
    async stop() {
      stopping = true;
      if (current.threadId === -1) return;
      const exited = once(current, "exit");
      current.postMessage("stop");
      await exited;
    },
  };
}

async function launch(data: JobThreadData): Promise<Worker> {
  const worker = new Worker(new URL("./job-thread-main.ts", import.meta.url), {
    workerData: data,
    resourceLimits: { maxYoungGenerationSizeMb: JOB_THREAD_YOUNG_GENERATION_MB },
  });
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the job thread exited with ${code} while starting`));
    worker.once("error", reject);
    worker.once("exit", onExit);
    worker.once("message", (message: JobThreadMessage) => {
      worker.off("error", reject);
      worker.off("exit", onExit);
      if (message.type === "ready") resolve();
      else
        reject(
          new Error(
            `the job thread could not start: ${"message" in message ? message.message : message.type}`,
          ),
        );
    });
  });
  return worker;
}
