import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import nock from "nock";
import { pino } from "pino";
import { ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { migrate, postgresDatabase } from "../../shared/store/index.ts";
import { type PostgresServer, startPostgresServer } from "../../shared/store/testing/index.ts";
import { dispatchPendingJobs } from "../jobs/queue.ts";
import { runDueJobs } from "../jobs/worker.ts";
import type { AppSettings } from "../server/settings.ts";
import { type RunningApp, type StartOptions, startApp } from "../server/start.ts";
import { githubRequestProblems } from "./github-schema.ts";

/*
 * A real App for tests: a throwaway PostgreSQL 15 (one per test file), the real Probot server on a
 * loopback port, jobs run on demand with graphile-worker's runOnce, and GitHub behind nock.
 */

export const WEBHOOK_SECRET = "perceo-test-webhook-secret";
export const GITHUB = "https://api.github.com";
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
export const PRIVATE_KEY = privateKey.export({ type: "pkcs1", format: "pem" }).toString();

/**
 * Probot's Octokit with retries and throttling off. A function, not an object: Probot hands the
 * constructor its own `throttle` options, which would replace an object default's whole `throttle`
 * (and with it `enabled: false`), leaving every write paced at one a second.
 */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object | undefined), enabled: false },
}));

export interface Harness {
  databaseUrl: string;
  start(options?: Partial<StartOptions> & { settings?: Partial<AppSettings> }): Promise<RunningApp>;
  /** Empties the product's and the queue's tables between tests. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function openHarness(): Promise<Harness> {
  const server: PostgresServer = await startPostgresServer();
  const databaseUrl = await server.createDatabase("perceo_app_test");
  const db = postgresDatabase({ connectionString: databaseUrl, max: 2 });
  await migrate(db);
  // Screenshots and diffs the App keeps go to a folder of the test's own, not the repository's .perceo/.
  const blobsDir = await mkdtemp(path.join(tmpdir(), "perceo-app-blobs-"));
  const factsDir = await mkdtemp(path.join(tmpdir(), "perceo-app-facts-"));
  const running: RunningApp[] = [];
  return {
    databaseUrl,
    async start(options = {}) {
      const app = await startApp(
        {
          appId: 1,
          privateKey: PRIVATE_KEY,
          webhookSecret: WEBHOOK_SECRET,
          databaseUrl,
          port: await freePort(),
          host: "127.0.0.1",
          production: false,
          oidc: {
            issuer: "https://token.actions.githubusercontent.com",
            jwksUrl: `${OIDC_JWKS}`,
            audience: "perceo",
          },
          ...options.settings,
        },
        {
          log: pino({ level: process.env.PERCEO_TEST_LOG ?? "silent" }),
          Octokit: TestOctokit,
          worker: false,
          blobsDir,
          factsDir,
          ...options,
        },
      );
      running.push(app);
      return app;
    },
    async reset() {
      await Promise.all(running.splice(0).map((app) => app.stop()));
      await db.exec(`
        truncate public.projects cascade;
        do $$ begin
          if to_regclass('graphile_worker._private_jobs') is not null then
            truncate graphile_worker._private_jobs, graphile_worker._private_job_queues cascade;
          end if;
          if to_regclass('perceo_app.webhook_deliveries') is not null then
            truncate perceo_app.webhook_deliveries;
          end if;
        end $$;`);
    },
    async close() {
      await Promise.all(running.splice(0).map((app) => app.stop()));
      await db.close();
      await server.stop();
      await rm(blobsDir, { recursive: true, force: true });
      await rm(factsDir, { recursive: true, force: true });
    },
  };
}

export const OIDC_JWKS = "https://oidc.test/.well-known/jwks";

/** Signs and sends a delivery to the running server, as GitHub does. */
export async function deliver(
  app: Pick<RunningApp, "port">,
  event: string,
  payload: unknown,
  options: { id?: string; secret?: string | null } = {},
): Promise<{ status: number; id: string; body: string }> {
  const id = options.id ?? randomUUID();
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": id,
  };
  if (options.secret !== null) {
    const signature = createHmac("sha256", options.secret ?? WEBHOOK_SECRET)
      .update(body)
      .digest("hex");
    headers["x-hub-signature-256"] = `sha256=${signature}`;
  }
  const response = await fetch(`http://127.0.0.1:${app.port}/api/github/webhooks`, {
    method: "POST",
    headers,
    body,
  });
  return { status: response.status, id, body: await response.text() };
}

/**
 * Runs every due job once, as a worker would. graphile-worker does not await a job's completion
 * before `runOnce` resolves, so this also waits until no job is locked any more.
 */
export async function runJobs(app: RunningApp): Promise<void> {
  await dispatchPendingJobs(app.deps.pool);
  await runDueJobs(app.deps);
  for (let waited = 0; waited < 5_000; waited += 10) {
    const { rows } = await app.deps.pool.query<{ n: number }>(
      "select count(*)::int as n from graphile_worker._private_jobs where locked_at is not null",
    );
    if (rows[0]?.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Jobs in graphile-worker's queue, once the webhooks' pending jobs are handed over. */
export async function countJobs(app: RunningApp, task?: string): Promise<number> {
  await dispatchPendingJobs(app.deps.pool);
  const { rows } = await app.deps.pool.query<{ n: number }>(
    "select count(*)::int as n from graphile_worker.jobs where $1::text is null or task_identifier = $1",
    [task ?? null],
  );
  return rows[0]?.n ?? 0;
}

/** Problems with request bodies sent to GitHub in this test (see github-schema.ts). */
const schemaProblems: string[] = [];

/**
 * GitHub's API for installation 1, with the installation token request every job makes first.
 * Every JSON body sent through it is checked against GitHub's OpenAPI description.
 */
export function githubApi(options: { token?: boolean } = {}) {
  const scope = nock(GITHUB);
  scope.on("request", (req: { method: string; path?: string; url?: string }, _: unknown, body: unknown) => {
    const path = new URL(req.path ?? req.url ?? "/", GITHUB).pathname;
    if (typeof body !== "string" || !body || path.startsWith("/app/installations/")) return;
    try {
      schemaProblems.push(...githubRequestProblems(req.method, path, JSON.parse(body)));
    } catch (error) {
      schemaProblems.push(`${req.method} ${path}: ${String(error)}`);
    }
  });
  if (options.token !== false) {
    scope.post("/app/installations/1/access_tokens").reply(201, {
      token: "ghs_test",
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      permissions: { checks: "write", pull_requests: "write", issues: "write", contents: "read" },
      repository_selection: "all",
    });
  }
  return scope;
}

export function clearGithubEnv(): void {
  for (const name of Object.keys(process.env)) if (name.startsWith("GITHUB_")) delete process.env[name];
}

async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/**
 * The lifecycle every App test file shares: one database per file, a fresh App per test with GitHub
 * behind nock (only loopback reachable), and the tables emptied after each test.
 */
export function useAppHarness(
  bind: { app(a: RunningApp): void; harness?(h: Harness): void },
  /** Start options for each test's App, read when it starts. */
  options?: () => Partial<StartOptions> & { settings?: Partial<AppSettings> },
): void {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await openHarness();
    bind.harness?.(harness);
  });
  afterAll(async () => {
    await harness?.close();
  });
  beforeEach(async () => {
    clearGithubEnv();
    nock.disableNetConnect();
    nock.enableNetConnect("127.0.0.1");
    bind.app(await (harness as Harness).start(options?.()));
  });
  afterEach(async () => {
    const problems = schemaProblems.splice(0);
    nock.cleanAll();
    nock.enableNetConnect();
    await harness?.reset();
    if (problems.length > 0) {
      throw new Error(`requests GitHub would refuse or misread:\n${problems.join("\n")}`);
    }
  });
}
