import path from "node:path";
import type { Runner } from "graphile-worker";
import { type Logger, Probot, ProbotOctokit, Server } from "probot";
import { BrowserPool } from "../../shared/capture/index.ts";
import { createDashboard } from "../../shared/dashboard/index.ts";
import { directoryBlobs, postgresDatabase, postgresStore, type Store } from "../../shared/store/index.ts";
import { type CreateDashboard, dashboardRoute } from "../dashboard/index.ts";
import { lazyInstallationOctokit } from "../github/lazy-octokit.ts";
import type { Octokit } from "../github/octokit.ts";
import { artifactKey, artifactRoute } from "../handlers/deploy-artifact-route.ts";
import { perceoApp } from "../index.ts";
import { ingestRoute } from "../ingest/ingest-route.ts";
import type { JobDeps, WeeklyScanServices } from "../jobs/deps.ts";
import { type JobThread, startJobThread } from "../jobs/job-thread.ts";
import { dispatchPendingJobs, postgresJobQueue, prepareQueueSchema, QUEUE_WRITERS } from "../jobs/queue.ts";
import { webhookClock } from "../jobs/webhook-lull.ts";
import { startWorker, stopWorker, type WorkerOptions } from "../jobs/worker.ts";
import { healthRoute } from "./health.ts";
import { jobDeps, openPool, unthrottledOctokit } from "./job-services.ts";
import { type AppSettings, SettingsError } from "./settings.ts";

export interface StartOptions {
  log: Logger;
  /** The Octokit class (tests turn retries and throttling off). */
  Octokit?: typeof ProbotOctokit;
  /**
   * The job worker: default on, in this thread; `thread: true` runs it on a thread of its own at a
   * lower CPU priority (what `npm start` does). Tests run the server without it and run jobs themselves.
   */
  worker?: boolean | (WorkerOptions & { thread?: boolean });
  /** Octokit's throttling of GitHub requests (default on; the benchmark's fake GitHub has no rate limits). */
  githubThrottle?: boolean;
  /** Where artifacts go; default `.perceo/blobs` under the working directory. */
  blobsDir?: string;
  /** Where parsed module facts are kept between a repository's pull requests; default `.perceo/facts`. */
  factsDir?: string;
  /** Where the job thread writes its logs (a file descriptor or path; default stdout, as `log` does by default). */
  logDestination?: number | string;
  /** The browsers for page captures; default a pool that launches Chromium on first use. */
  browsers?: BrowserPool;
  /** The dashboard's pages (default shared/dashboard's), mounted under /dashboard when GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are set. */
  dashboardPages?: CreateDashboard;
  /** The weekly scan's clock (tests). */
  weeklyScan?: WeeklyScanServices;
}

export interface RunningApp {
  server: Server;
  port: number;
  deps: JobDeps;
  /** The worker when it runs in this thread. */
  runner: Runner | undefined;
  /** Stops taking webhooks, lets running jobs finish (or hands them back), closes the database. */
  stop(): Promise<void>;
}

/**
 * 1. connect to Postgres and prepare the queue's schema, 2. build the Probot server with our routes,
 * 3. listen, 4. start the job worker.
 */
export async function startApp(settings: AppSettings, options: StartOptions): Promise<RunningApp> {
  // The webhooks' writes have connections of their own (one per queue writer): an acknowledgement
  // never waits for a connection that a job, its pull-request lock or the worker holds.
  const pool = openPool(settings.databaseUrl, 8, options.log, { keepIdle: true });
  const ackPool = openPool(settings.databaseUrl, QUEUE_WRITERS, options.log, { keepIdle: true });
  const db = postgresDatabase({ connectionString: settings.databaseUrl, max: 6 });
  const store: Store = postgresStore(db, { blobs: directoryBlobs(options.blobsDir ?? ".perceo/blobs") });
  try {
    await prepareQueueSchema(pool);
  } catch (error) {
    await Promise.allSettled([pool.end(), ackPool.end(), db.close()]);
    throw error;
  }
  const clock = webhookClock();
  const queue = postgresJobQueue(ackPool, { dispatchPool: pool, lull: () => clock.lull(), log: options.log });
  // Webhooks a stopped or killed process recorded but never handed to the workers.
  await dispatchPendingJobs(pool, options.log);

  let probot: Probot | undefined;
  const server = new Server({
    Probot: Probot.defaults({
      appId: settings.appId,
      privateKey: settings.privateKey,
      secret: settings.webhookSecret,
      log: options.log,
      ...(settings.githubApiUrl ? { baseUrl: settings.githubApiUrl } : {}),
      // Webhook handlers here only record jobs: an event's client is built only if one calls GitHub.
      Octokit: lazyInstallationOctokit(
        options.Octokit ?? (options.githubThrottle === false ? unthrottledOctokit() : ProbotOctokit),
      ),
    }),
    port: settings.port,
    host: settings.host,
    log: options.log,
    ...(settings.webhookProxyUrl ? { webhookProxy: settings.webhookProxyUrl } : {}),
    enableStaticFiles: false,
  });
  const browsers = options.browsers ?? new BrowserPool();
  const linkKey = artifactKey(settings.webhookSecret);
  const factsDir = path.resolve(options.factsDir ?? ".perceo/facts");
  const routes = [
    healthRoute(pool),
    artifactRoute({ blobs: store.blobs, key: linkKey }),
    ingestRoute({ ...settings.oidc, store, queue, log: options.log.child({ name: "ingest" }) }),
  ];
  if (settings.dashboard) {
    routes.push(
      dashboardRoute({
        settings: settings.dashboard,
        apiUrl: settings.githubApiUrl ?? "https://api.github.com",
        store,
        createPages: options.dashboardPages ?? createDashboard,
        installationOctokit: async (installationId) => {
          if (!probot) throw new Error("the Probot instance is not loaded");
          return (await probot.auth(installationId)) as Octokit;
        },
        log: options.log.child({ name: "dashboard" }),
      }),
    );
  } else {
    options.log.info(
      "dashboard off: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (the App's OAuth credentials) to serve it",
    );
  }
  await server.load((app, appOptions) => {
    probot = app;
    app.onAny(() => clock.tick());
    return perceoApp({
      queue,
      store,
      routes,
      ...(settings.deploys?.pushDelaySeconds !== undefined
        ? { pushDelaySeconds: settings.deploys.pushDelaySeconds }
        : {}),
    })(app, appOptions);
  });
  const deps = jobDeps(settings, {
    auth: async (installationId) => {
      if (!probot) throw new Error("the Probot instance is not loaded");
      return (await probot.auth(installationId)) as Octokit;
    },
    store,
    pool,
    queue,
    log: options.log,
    browsers,
    factsDir,
    ...(options.weeklyScan ? { weeklyScan: options.weeklyScan } : {}),
  });
  try {
    await checkSecretsReadable(deps, settings, options.log);
  } catch (error) {
    await Promise.allSettled([pool.end(), ackPool.end(), store.close()]);
    throw error;
  }
  await server.start();
  const { thread, ...workerOptions } =
    options.worker === false || options.worker === true ? { thread: false } : (options.worker ?? {});
  let runner: Runner | undefined;
  let jobThread: JobThread | undefined;
  if (options.worker !== false && thread) {
    jobThread = await startJobThread(
      {
        settings,
        worker: workerOptions,
        blobsDir: path.resolve(options.blobsDir ?? ".perceo/blobs"),
        factsDir,
        log: { level: options.log.level, destination: options.logDestination ?? 1 },
        githubThrottle: options.githubThrottle !== false,
        niceness: JOB_NICENESS,
        webhookClock: clock.buffer,
      },
      options.log,
    );
  } else if (options.worker !== false) runner = await startWorker(deps, workerOptions);

  let stopping: Promise<void> | undefined;
  return {
    server,
    port: server.port,
    deps,
    runner,
    stop() {
      stopping ??= (async () => {
        await server.stop();
        await Promise.all([runner && stopWorker(runner), jobThread?.stop()]);
        await Promise.allSettled([
          pool.end(),
          ackPool.end(),
          store.close(),
          options.browsers ? undefined : browsers.close(),
        ]);
      })();
      return stopping;
    },
  };
}

/**
 * Project secrets the App's keys cannot open: in production the App refuses to start (a missing
 * PERCEO_ENCRYPTION_KEY, or a key that is not the one that sealed them); elsewhere it warns.
 */
async function checkSecretsReadable(deps: JobDeps, settings: AppSettings, log: Logger): Promise<void> {
  const unreadable = await deps.secrets.unreadable();
  if (unreadable.length === 0) return;
  const keys = [...new Set(unreadable.map((s) => s.keyId))].join(", ");
  const message = settings.encryption?.key
    ? `${unreadable.length} project secret(s) were sealed with key ${keys}, which neither PERCEO_ENCRYPTION_KEY nor PERCEO_ENCRYPTION_KEY_PREVIOUS is: set the key that sealed them`
    : `${unreadable.length} project secret(s) are stored and PERCEO_ENCRYPTION_KEY is not set: set the key that sealed them (key ${keys})`;
  if (settings.production) throw new SettingsError(`Perceo App cannot start:\n  - ${message}`);
  log.warn({ secrets: unreadable.length }, message);
}

/** How much lower the job thread's CPU priority is than the server's (nice 10 of 19). */
const JOB_NICENESS = 10;
