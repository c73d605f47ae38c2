import type { Runner } from "graphile-worker";
import pg from "pg";
import { type Logger, Probot, type ProbotOctokit, Server } from "probot";
import { BrowserPool } from "../../shared/capture/index.ts";
import { directoryBlobs, postgresDatabase, postgresStore, type Store } from "../../shared/store/index.ts";
import type { Octokit } from "../github/octokit.ts";
import { artifactKey, artifactLink, artifactRoute } from "../handlers/deploy-artifact-route.ts";
import { perceoApp } from "../index.ts";
import { ingestRoute } from "../ingest/ingest-route.ts";
import type { JobDeps } from "../jobs/deps.ts";
import { dispatchPendingJobs, postgresJobQueue, prepareQueueSchema, QUEUE_WRITERS } from "../jobs/queue.ts";
import type { WeeklyScanServices } from "../jobs/weekly-scan.ts";
import { startWorker, type WorkerOptions } from "../jobs/worker.ts";
import { healthRoute } from "./health.ts";
import type { AppSettings } from "./settings.ts";

export interface StartOptions {
  log: Logger;
  /** The Octokit class (tests turn retries and throttling off). */
  Octokit?: typeof ProbotOctokit;
  /** Default true; the benchmark's peer and some tests run the server without the worker. */
  worker?: boolean | WorkerOptions;
  /** Where artifacts go; default `.perceo/blobs` under the working directory. */
  blobsDir?: string;
  /** The browsers for page captures; default a pool that launches Chromium on first use. */
  browsers?: BrowserPool;
  /** The weekly scan's environment and clock (tests). */
  weeklyScan?: WeeklyScanServices;
}

export interface RunningApp {
  server: Server;
  port: number;
  deps: JobDeps;
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
  const pool = openPool(settings.databaseUrl, 8, options.log);
  const ackPool = openPool(settings.databaseUrl, QUEUE_WRITERS, options.log);
  const db = postgresDatabase({ connectionString: settings.databaseUrl, max: 6 });
  const store: Store = postgresStore(db, { blobs: directoryBlobs(options.blobsDir ?? ".perceo/blobs") });
  try {
    await prepareQueueSchema(pool);
  } catch (error) {
    await Promise.allSettled([pool.end(), ackPool.end(), db.close()]);
    throw error;
  }
  const queue = postgresJobQueue(ackPool, { dispatchPool: pool, log: options.log });
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
      ...(options.Octokit ? { Octokit: options.Octokit } : {}),
    }),
    port: settings.port,
    host: settings.host,
    log: options.log,
    ...(settings.webhookProxyUrl ? { webhookProxy: settings.webhookProxyUrl } : {}),
    enableStaticFiles: false,
  });
  const browsers = options.browsers ?? new BrowserPool();
  const linkKey = artifactKey(settings.webhookSecret);
  const publicUrl = settings.deploys?.publicUrl;
  const routes = [
    healthRoute(pool),
    artifactRoute({ blobs: store.blobs, key: linkKey }),
    ingestRoute({ ...settings.oidc, store, queue, log: options.log.child({ name: "ingest" }) }),
  ];
  await server.load((app, appOptions) => {
    probot = app;
    return perceoApp({
      queue,
      store,
      routes,
      ...(settings.deploys?.pushDelaySeconds !== undefined
        ? { pushDelaySeconds: settings.deploys.pushDelaySeconds }
        : {}),
    })(app, appOptions);
  });
  const deps: JobDeps = {
    auth: async (installationId) => {
      if (!probot) throw new Error("the Probot instance is not loaded");
      return (await probot.auth(installationId)) as Octokit;
    },
    store,
    pool,
    queue,
    log: options.log.child({ name: "jobs" }),
    capture: {
      pool: browsers,
      allowedTargets: settings.deploys?.captureAllowedTargets ?? [],
      ...(settings.deploys?.anthropicApiKey ? { vision: { apiKey: settings.deploys.anthropicApiKey } } : {}),
      ...(publicUrl ? { artifactUrl: (bucket, path) => artifactLink(publicUrl, linkKey, bucket, path) } : {}),
    },
    ...(options.weeklyScan ? { weeklyScan: options.weeklyScan } : {}),
  };
  await server.start();
  const workerOptions =
    options.worker === false ? undefined : options.worker === true ? {} : (options.worker ?? {});
  const runner = workerOptions ? await startWorker(deps, workerOptions) : undefined;

  let stopping: Promise<void> | undefined;
  return {
    server,
    port: server.port,
    deps,
    runner,
    stop() {
      stopping ??= (async () => {
        await server.stop();
        await runner?.stop();
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

function openPool(databaseUrl: string, max: number, log: Logger): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 10_000 });
  // A lost connection must not crash the process; the pool reconnects on the next query.
  pool.on("error", (error) => log.warn({ err: error }, "idle database connection lost"));
  pool.on("connect", (client) => {
    client.on("error", (error) => log.warn({ err: error }, "database connection lost"));
  });
  return pool;
}
