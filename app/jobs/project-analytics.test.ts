import nock from "nock";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AnalyticsError } from "../../shared/analytics/index.ts";
import { BrowserPool } from "../../shared/capture/index.ts";
import { keyringFromEnv, projectSecrets } from "../../shared/secrets/index.ts";
import {
  type Database,
  directoryBlobs,
  migrate,
  type Project,
  postgresDatabase,
  postgresStore,
  type Store,
} from "../../shared/store/index.ts";
import { aProjectName, type PostgresServer, startPostgresServer } from "../../shared/store/testing/index.ts";
import { projectAnalytics, projectOutcomes } from "./project-analytics.ts";

/*
 * Issue 20's rule for Mixpanel and the outcome tables: the config names a secret stored for its own
 * project, and the key goes only to the provider's own hosts (or an origin the operator listed),
 * through the SSRF guard; a connection string's host is the operator's, never the repository's.
 */

const ACCOUNT = "perceo.1b2c3d.mp-service-account:9f8e7d6c5b4a39281706f5e4d3c2b1a0";
let server: PostgresServer;
let db: Database;
let store: Store;
let shopUrl: string;
let project: Project;
const pool = new BrowserPool({ concurrency: 1 });
const secrets = () =>
  projectSecrets(store, keyringFromEnv({ PERCEO_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString("base64") }));
const deps = (resolve?: (host: string) => Promise<string[]>) => ({
  secrets: secrets(),
  analyticsAllowedHosts: [],
  capture: { pool, allowedTargets: [], ...(resolve ? { resolve } : {}) },
});

beforeAll(async () => {
  server = await startPostgresServer();
  db = postgresDatabase({ connectionString: await server.createDatabase("perceo"), max: 3 });
  await migrate(db);
  store = postgresStore(db, { blobs: directoryBlobs("/nonexistent"), ownsDatabase: false });
  project = await store.ensureProject({ fullName: aProjectName("outcomes") });
  shopUrl = await server.createDatabase("shop");
  const shop = new pg.Client({ connectionString: shopUrl });
  await shop.connect();
  await shop.query(`create table signups (id serial, created_at timestamptz not null);
    insert into signups (created_at) values ('2025-03-04 10:00Z'), ('2025-03-05 10:00Z'), ('2025-03-12 09:00Z');`);
  await shop.end();
}, 120_000);
afterEach(() => nock.cleanAll());
afterAll(async () => {
  await pool.close();
  await db?.close();
  await server?.stop();
});

describe("the App's Mixpanel key and outcome tables", () => {
  it("a stored Mixpanel service account goes to its residency's hosts only through the SSRF guard", async () => {
    await secrets().set(project.id, "mixpanel-service-account", ACCOUNT, "operator");
    nock.disableNetConnect();
    const mixpanel = nock("https://data-eu.mixpanel.com").get(/.*/).reply(200, "");
    const analytics = await projectAnalytics(
      deps(async () => ["10.0.0.5"]),
      project,
      {
        provider: "mixpanel",
        projectId: "3141592",
        residency: "eu",
        secret: "mixpanel-service-account",
      },
    );
    expect(analytics.kind).toBe("ready");
    if (analytics.kind !== "ready") return;
    const error = await analytics.provider
      .fetchDailyPageMetrics({ from: "2025-03-01", to: "2025-03-02" })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(AnalyticsError);
    expect((error as Error).message).toMatch(
      /could not reach data-eu\.mixpanel\.com: Refused .*10\.0\.0\.5 is a private address/,
    );
    expect(mixpanel.isDone()).toBe(false);
    nock.enableNetConnect();
  });

  it("counts the outcome tables with the connection string the operator stored", async () => {
    await secrets().set(project.id, "outcomes-database-url", shopUrl, "operator");
    const outcomes = await projectOutcomes(deps(), project, {
      database: "postgres",
      schema: "public",
      secret: "outcomes-database-url",
      tables: [{ table: "signups", timestamp: "created_at" }],
    });
    expect(outcomes.kind).toBe("ready");
    if (outcomes.kind !== "ready") return;
    expect(
      await outcomes.source.countWindows([
        { from: "2025-03-03", to: "2025-03-10" },
        { from: "2025-03-11", to: "2025-03-18" },
      ]),
    ).toStrictEqual([
      [{ name: "signups", table: "signups", count: 2 }],
      [{ name: "signups", table: "signups", count: 1 }],
    ]);
  });

  it("refuses a Supabase URL outside supabase.co even with a stored key, and says how to store a missing one", async () => {
    await secrets().set(project.id, "outcomes-supabase-key", "sb_secret_projectKey-31f0", "operator");
    const tables = [{ table: "signups", timestamp: "created_at" }];
    const elsewhere = await projectOutcomes(deps(), project, {
      database: "supabase",
      url: "https://supabase.attacker.example",
      schema: "public",
      secret: "outcomes-supabase-key",
      tables,
    });
    expect(elsewhere).toStrictEqual({
      kind: "unavailable",
      reason:
        "analytics.outcomes.url https://supabase.attacker.example is not a host this App sends keys to: it must be a Supabase project (https://<ref>.supabase.co), or an origin its operator lists in PERCEO_ANALYTICS_ALLOWED_HOSTS",
    });
    const unnamed = await projectOutcomes(deps(), project, {
      database: "postgres",
      schema: "public",
      tables,
    });
    expect(unnamed.kind === "unavailable" && unnamed.reason).toContain(
      `\`perceo secrets set --repo ${project.fullName} --name outcomes-database-url\``,
    );
  });
});
