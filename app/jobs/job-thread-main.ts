import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { pino } from "pino";
import { Probot } from "probot";
import { BrowserPool } from "../../shared/capture/index.ts";
import { directoryBlobs, postgresDatabase, postgresStore } from "../../shared/store/index.ts";
import type { Octokit } from "../github/octokit.ts";
import { jobDeps, openPool, unthrottledOctokit } from "../server/job-services.ts";
import type { JobThreadData, JobThreadMessage } from "./job-thread.ts";
import { postgresJobQueue } from "./queue.ts";
import { webhookClock } from "./webhook-lull.ts";
import { startWorker, stopWorker } from "./worker.ts";

// The job thread's entry (see job-thread.ts).
const data = workerData as JobThreadData;
const port = parentPort;
if (!port) throw new Error("job-thread-main.ts runs as a worker thread (startJobThread)");
const send = (message: JobThreadMessage) => port.postMessage(message);

// On Linux a thread's nice value is its own: this lowers the jobs' priority, not the server's.
if (data.niceness > 0 && process.platform === "linux") {
  try {
    setPriority(data.niceness);
  } catch {
    // not allowed here (a container without the capability): jobs run at the server's priority
  }
}

const log = pino(
  { level: data.log.level, name: "perceo-app" },
  pino.destination({ dest: data.log.destination, sync: false }),
);
const { settings } = data;
const pool = openPool(settings.databaseUrl, 8, log);
const db = postgresDatabase({ connectionString: settings.databaseUrl, max: 6 });
const store = postgresStore(db, { blobs: directoryBlobs(data.blobsDir) });
const browsers = new BrowserPool();
const probot = new Probot({
  appId: settings.appId,
  privateKey: settings.privateKey,
  secret: settings.webhookSecret,
  log,
  ...(settings.githubApiUrl ? { baseUrl: settings.githubApiUrl } : {}),
  ...(data.githubThrottle ? {} : { Octokit: unthrottledOctokit() }),
});
const clock = webhookClock(data.webhookClock);
const deps = jobDeps(settings, {
  auth: async (installationId) => (await probot.auth(installationId)) as Octokit,
  store,
  pool,
  queue: postgresJobQueue(pool, { log }),
  log,
  browsers,
  factsDir: data.factsDir,
});
deps.lull = () => clock.lull();

try {
  const runner = await startWorker(deps, data.worker);
  port.on("message", (message: unknown) => {
    if (message !== "stop") return;
    stopWorker(runner)
      .catch((error: unknown) => log.error({ err: error }, "the job worker did not stop cleanly"))
      .finally(async () => {
        await Promise.allSettled([pool.end(), store.close(), browsers.close()]);
        // In a worker thread, exit ends the thread only.
        log.flush(() => process.exit(0));
      });
  });
  send({ type: "ready" });
} catch (error) {
  send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
  await Promise.allSettled([pool.end(), store.close(), browsers.close()]);
  log.flush(() => process.exit(1));
}
