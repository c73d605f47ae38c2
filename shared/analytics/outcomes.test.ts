import nock from "nock";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { directoryBlobs, migrate, postgresDatabase, postgresStore } from "../store/index.ts";
import { type PostgresServer, startPostgresServer } from "../store/testing/index.ts";
import { recordDueCheckpoints } from "./checkpoints.ts";
import { dailyMetricsSource } from "./metrics-source.ts";
import { postgresOutcomes } from "./postgres-outcomes.ts";
import { outcomesFromConfig } from "./provider-from-config.ts";
import { supabaseOutcomes } from "./supabase-outcomes.ts";
import { failure } from "./testing/provider-calls.ts";

// The headline changed on 10 March: [3, 10) is the week before, [11, 18) the week after.
const BEFORE = { from: "2025-03-03", to: "2025-03-10" };
const AFTER = { from: "2025-03-11", to: "2025-03-18" };
const SIGNUPS = { table: "signups", timestamp: "created_at" };

describe("outcomes counted in the team's PostgreSQL", () => {
  let server: PostgresServer;
  let url: string;
  let admin: pg.Client;

  beforeAll(async () => {
    server = await startPostgresServer();
    url = await server.createDatabase("shop");
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`
      create table users (id serial primary key, email text);
      insert into users (email) values ('ada@example.com');
      create table signups (id serial primary key, created_at timestamptz not null);
      -- 29 in the week before (one at 23:30 on the 9th, Paris time, which is still the 9th in UTC),
      -- 41 in the week after, and rows on the change day itself and outside both weeks.
      insert into signups (created_at)
        select timestamptz '2025-03-03 08:00Z' + (i * interval '5 hours') from generate_series(0, 27) i;
      insert into signups (created_at) values ('2025-03-09 23:30+01');
      insert into signups (created_at)
        select timestamptz '2025-03-11 00:00Z' + (i * interval '4 hours') from generate_series(0, 40) i;
      insert into signups (created_at) values ('2025-03-10 12:00Z'), ('2025-03-18 00:00Z'), ('2025-03-02 23:59Z');
      create table "Orders" (id serial primary key, "placedAt" timestamp not null);
      insert into "Orders" ("placedAt") values ('2025-03-04 10:00'), ('2025-03-12 10:00'), ('2025-03-13 10:00');
      create table audit (at timestamptz);
      create function note_read() returns boolean language plpgsql as $$
        begin insert into audit values (now()); return true; end $$;
      create view noisy_signups as select * from signups where note_read();
      create view slow_signups as select s.* from signups s, pg_sleep(3) p;
      create role stranger login;
    `);
  }, 120_000);
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  const source = (extra: Partial<Parameters<typeof postgresOutcomes>[0]> = {}) =>
    postgresOutcomes({
      connectionString: url,
      credentialName: "PERCEO_OUTCOMES_DATABASE_URL",
      tables: [SIGNUPS, { table: "Orders", timestamp: "placedAt", name: "orders" }],
      ...extra,
    });

  it("counts each table's rows per UTC window, the change day in neither", async () => {
    expect(await source().countWindows([BEFORE, AFTER])).toStrictEqual([
      [
        { name: "signups", table: "signups", count: 29 },
        { name: "orders", table: "Orders", count: 1 },
      ],
      [
        { name: "signups", table: "signups", count: 41 },
        { name: "orders", table: "Orders", count: 2 },
      ],
    ]);
  });

  it("reads in a read-only transaction: a view that writes fails and writes nothing", async () => {
    const error = await failure(
      source({ tables: [{ table: "noisy_signups", timestamp: "created_at" }] }).countWindows([BEFORE]),
    );
    expect(error.message).toContain("read-only transaction");
    expect((await admin.query("select count(*)::int as n from audit")).rows[0]?.n).toBe(0);
  });

  it("stops a count at the statement timeout and says which index helps", async () => {
    const error = await failure(
      source({
        tables: [{ table: "slow_signups", timestamp: "created_at" }],
        statementTimeoutMs: 200,
      }).countWindows([BEFORE]),
    );
    expect(error.code).toBe("timeout");
    expect(error.message).toBe(
      "counting public.slow_signups took longer than 200 ms: an index on created_at makes it fast",
    );
  });

  it("names the missing table, the missing column and the grant a role lacks", async () => {
    const missing = await failure(
      source({ tables: [{ table: "signup", timestamp: "created_at" }] }).countWindows([BEFORE]),
    );
    expect(missing.message).toMatch(/^no table or view public\.signup: check analytics\.outcomes\.tables/);
    const column = await failure(
      source({ tables: [{ table: "signups", timestamp: "inserted_at" }] }).countWindows([BEFORE]),
    );
    expect(column.message).toMatch(/^public\.signups has no column inserted_at/);
    const stranger = await failure(
      source({
        connectionString: server.urlFor("shop").replace("postgres@", "stranger@"),
        tables: [SIGNUPS],
      }).countWindows([BEFORE]),
    );
    expect(stranger.code).toBe("permission_denied");
    expect(stranger.message).toContain("grant usage on schema public and select on public.signups");
  });

  it("refuses SQL in a table, column or schema name before connecting, and the database is untouched", async () => {
    const attempts = [
      { table: 'signups"; drop table users; --', timestamp: "created_at" },
      { table: "signups", timestamp: "created_at) or (1=1" },
      { table: "pg_catalog.pg_authid", timestamp: "created_at" },
      { table: "signups where true; --", timestamp: "created_at" },
    ];
    for (const table of attempts) {
      expect(() => source({ tables: [table] })).toThrow(/must be a plain table, view or column name/);
    }
    expect(() => source({ schema: "public; drop table users" })).toThrow(
      /analytics\.outcomes\.schema must be/,
    );
    expect((await admin.query("select count(*)::int as n from users")).rows[0]?.n).toBe(1);
  });

  it("a checkpoint says how many signups came in the days after a change and before it", async () => {
    const db = postgresDatabase({ connectionString: await server.createDatabase("perceo") });
    const store = postgresStore(db, { blobs: directoryBlobs("/nonexistent") });
    try {
      await migrate(db);
      const project = await store.ensureProject({ fullName: "lumen-and-oak/shop" });
      const page = await store.upsertPage(project.id, { url: "https://shop.example/" });
      const { change } = await store.recordDetectedChange({
        projectId: project.id,
        pageId: page.id,
        element: 'Heading (h1) "Light for slow mornings"',
        kind: "text",
        before: "Light for slow mornings",
        after: "Light, wood and linen for slow evenings",
        firstDetectedDate: "2025-03-10",
      });
      const [record] = await recordDueCheckpoints({
        store,
        source: dailyMetricsSource([]),
        changes: [{ change, pageUrl: page.url, flows: [] }],
        today: "2025-03-18",
        outcomes: source({ tables: [SIGNUPS] }),
      });
      expect(record?.assessment.reasons.at(-1)).toBe("41 signups in the 7 days after, 29 before");
      const [stored] = await store.listChangeCheckpoints([change.id]);
      expect(stored?.metrics.outcomes).toStrictEqual([{ name: "signups", before: 29, after: 41 }]);
    } finally {
      await store.close();
    }
  }, 120_000);

  it("never puts the connection string's password in a message", async () => {
    const wrong = url.replace("postgres@", "postgres:hunter2-secret@").replace(/:(\d+)\//, ":1/");
    const error = await failure(
      source({ connectionString: wrong, connectTimeoutMs: 2_000 }).countWindows([BEFORE]),
    );
    expect(error.message).toContain("could not connect to the database in PERCEO_OUTCOMES_DATABASE_URL");
    expect(error.message).not.toContain("hunter2");
  });
});

describe("outcomes counted through Supabase's REST API", () => {
  const ORIGIN = "https://abcdefghijklmnop.supabase.co";
  const KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";
  const openapi = {
    swagger: "2.0",
    info: { title: "standard public schema", version: "12.2.3" },
    host: "abcdefghijklmnop.supabase.co:443",
    basePath: "/",
    paths: { "/": {}, "/signups": { get: {}, head: {} }, "/orders": { get: {}, head: {} } },
    definitions: {
      signups: {
        required: ["id", "created_at"],
        properties: {
          id: { format: "bigint", type: "integer", description: "Note:\nThis is a Primary Key.<pk/>" },
          created_at: { default: "now()", format: "timestamp with time zone", type: "string" },
          email: { format: "text", type: "string" },
        },
        type: "object",
      },
      orders: {
        properties: {
          id: { format: "uuid", type: "string" },
          placed_at: { format: "timestamp", type: "string" },
        },
        type: "object",
      },
    },
  };
  const source = (tables = [SIGNUPS]) =>
    supabaseOutcomes({
      url: ORIGIN,
      key: KEY,
      credentialName: "PERCEO_OUTCOMES_SUPABASE_KEY",
      tables,
      http: { sleep: async () => {}, timeoutMs: 2_000 },
    });

  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("finds the tables in the OpenAPI document and counts each window with HEAD and count=exact", async () => {
    const scope = nock(ORIGIN, { reqheaders: { apikey: KEY } })
      .get("/rest/v1/")
      .reply(200, openapi, { "content-type": "application/openapi+json; charset=utf-8" })
      .head("/rest/v1/signups")
      .query({ select: "created_at", created_at: ["gte.2025-03-03", "lt.2025-03-10"] })
      .matchHeader("prefer", "count=exact")
      .reply(206, undefined, { "content-range": "0-0/29" })
      .head("/rest/v1/signups")
      .query({ select: "created_at", created_at: ["gte.2025-03-11", "lt.2025-03-18"] })
      .reply(206, undefined, { "content-range": "0-0/41" });
    expect(await source().countWindows([BEFORE, AFTER])).toStrictEqual([
      [{ name: "signups", table: "signups", count: 29 }],
      [{ name: "signups", table: "signups", count: 41 }],
    ]);
    expect(scope.pendingMocks()).toStrictEqual([]);
  });

  it("reads a count of nothing from a star range", async () => {
    nock(ORIGIN)
      .get("/rest/v1/")
      .reply(200, openapi)
      .head("/rest/v1/signups")
      .query(true)
      .reply(200, undefined, { "content-range": "*/0" });
    expect(await source().countWindows([BEFORE])).toStrictEqual([
      [{ name: "signups", table: "signups", count: 0 }],
    ]);
  });

  it("names the tables and columns the API has when the config names others", async () => {
    nock(ORIGIN).get("/rest/v1/").times(2).reply(200, openapi);
    const table = await failure(
      source([{ table: "sign_ups", timestamp: "created_at" }]).countWindows([BEFORE]),
    );
    expect(table.message).toContain(
      "no table or view public.sign_ups in https://abcdefghijklmnop.supabase.co's API (it has orders, signups)",
    );
    const column = await failure(
      source([{ table: "orders", timestamp: "created_at" }]).countWindows([BEFORE]),
    );
    expect(column.message).toContain("public.orders has no column created_at (it has id, placed_at)");
  });

  it("says which key to use when Supabase refuses the document", async () => {
    nock(ORIGIN).get("/rest/v1/").reply(401, {
      message: "Invalid API key",
      hint: "Double check your Supabase `anon` or `service_role` API key.",
    });
    const error = await failure(source().countWindows([BEFORE]));
    expect(error.code).toBe("invalid_credential");
    expect(error.message).toContain("use the project's service role (or secret) key");
    expect(error.message).not.toContain(KEY);
  });

  it("refuses a table name that would change the request, before sending anything", () => {
    for (const table of ["signups?select=*", "signups/../users", "signups&or=(id.gt.0)", "rpc/delete_all"]) {
      expect(() => source([{ table, timestamp: "created_at" }])).toThrow(
        /must be a plain table, view or column name/,
      );
    }
  });

  it("from the config, the App sends the key only to a Supabase project or an origin its operator allowed", () => {
    const settings = {
      database: "supabase" as const,
      url: "https://outcomes.attacker.example",
      schema: "public",
      tables: [SIGNUPS],
    };
    expect(() =>
      outcomesFromConfig(settings, KEY, { credentialName: "outcomes-key", selfHostedOrigins: [] }),
    ).toThrow(/https:\/\/outcomes\.attacker\.example is not a host this App sends keys to/);
    expect(
      outcomesFromConfig(settings, KEY, {
        credentialName: "outcomes-key",
        selfHostedOrigins: ["https://outcomes.attacker.example"],
      }).database,
    ).toBe("supabase");
    expect(
      outcomesFromConfig({ ...settings, url: ORIGIN }, KEY, {
        credentialName: "outcomes-key",
        selfHostedOrigins: [],
      }).database,
    ).toBe("supabase");
  });
});
