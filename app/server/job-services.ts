import pg from "pg";
import { type Logger, ProbotOctokit } from "probot";
import type { BrowserPool } from "../../shared/capture/index.ts";
import { keyringFromEnv, projectSecrets } from "../../shared/secrets/index.ts";
import type { Store } from "../../shared/store/index.ts";
import { artifactKey, artifactLink } from "../handlers/deploy-artifact-route.ts";
import type { JobDeps, WeeklyScanServices } from "../jobs/deps.ts";
import type { JobQueue } from "../jobs/queue.ts";
import type { AppSettings } from "./settings.ts";

/** What the jobs use, from the settings and the pieces the process opened (the server's, or the job thread's own). */
export function jobDeps(
  settings: AppSettings,
  parts: {
    auth: JobDeps["auth"];
    store: Store;
    pool: pg.Pool;
    queue: JobQueue;
    log: Logger;
    browsers: BrowserPool;
    weeklyScan?: WeeklyScanServices;
    factsDir?: string;
  },
): JobDeps {
  const publicUrl = settings.deploys?.publicUrl;
  const linkKey = artifactKey(settings.webhookSecret);
  return {
    auth: parts.auth,
    store: parts.store,
    pool: parts.pool,
    queue: parts.queue,
    log: parts.log.child({ name: "jobs" }),
    capture: {
      pool: parts.browsers,
      allowedTargets: settings.deploys?.captureAllowedTargets ?? [],
      ...(settings.deploys?.anthropicApiKey ? { vision: { apiKey: settings.deploys.anthropicApiKey } } : {}),
      ...(publicUrl ? { artifactUrl: (bucket, path) => artifactLink(publicUrl, linkKey, bucket, path) } : {}),
    },
    secrets: projectSecrets(parts.store, appKeyring(settings)),
    analyticsAllowedHosts: settings.analyticsAllowedHosts ?? [],
    ...(parts.weeklyScan ? { weeklyScan: parts.weeklyScan } : {}),
    ...(parts.factsDir ? { factsDir: parts.factsDir } : {}),
  };
}

/** The keys that seal and open project secrets (validated by readSettings). */
export function appKeyring(settings: AppSettings) {
  return keyringFromEnv({
    PERCEO_ENCRYPTION_KEY: settings.encryption?.key,
    PERCEO_ENCRYPTION_KEY_PREVIOUS: settings.encryption?.previous,
  });
}

export function openPool(
  databaseUrl: string,
  max: number,
  log: Logger,
  options: { keepIdle?: boolean } = {},
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: 10_000,
    // Kept open while idle (no 10 s idle timeout): the first webhook after a quiet spell would wait for a new connection.
    ...(options.keepIdle ? { idleTimeoutMillis: 0 } : {}),
  });
  // A lost connection must not crash the process; the pool reconnects on the next query.
  pool.on("error", (error) => log.warn({ err: error }, "idle database connection lost"));
  pool.on("connect", (client) => {
    client.on("error", (error) => log.warn({ err: error }, "database connection lost"));
  });
  return pool;
}

/** Octokit without its throttling of GitHub requests (a fake GitHub has no rate limits to respect). */
export function unthrottledOctokit(): typeof ProbotOctokit {
  return ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    throttle: { ...(options.throttle as object | undefined), enabled: false },
  }));
}
