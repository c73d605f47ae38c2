import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMigrations } from "./migrate.ts";
import { migrateConfiguredDatabase, openStore, resolveStoreTarget } from "./open-store.ts";
import { aRunResult } from "./testing/fixtures.ts";
import { type PostgresServer, startPostgresServer } from "./testing/postgres-server.ts";

describe("choosing the store from the environment", () => {
  const cwd = "/repo";

  it("prefers DATABASE_URL and never repeats its password", () => {
    const target = resolveStoreTarget({
      env: {
        DATABASE_URL: "postgres://perceo:s3cret@db.example.com:5432/perceo",
        SUPABASE_URL: "https://x.supabase.co",
      },
      cwd,
    });
    expect(target).toMatchObject({
      kind: "postgres",
      description: "PostgreSQL at db.example.com:5432/perceo",
    });
    expect(target.description).not.toContain("s3cret");
  });

  it("uses Supabase's APIs with SUPABASE_URL and the service role key", () => {
    expect(
      resolveStoreTarget({
        env: { SUPABASE_URL: "https://x.supabase.co", SUPABASE_SERVICE_ROLE_KEY: "k" },
        cwd,
      }),
    ).toEqual({
      kind: "supabase",
      url: "https://x.supabase.co",
      serviceRoleKey: "k",
      description: "Supabase at https://x.supabase.co",
    });
  });

  it("refuses SUPABASE_URL without its key, saying what to set", () => {
    expect(() => resolveStoreTarget({ env: { SUPABASE_URL: "https://x.supabase.co" }, cwd })).toThrow(
      /SUPABASE_SERVICE_ROLE_KEY is not/,
    );
  });

  it("falls back to the embedded database under .perceo", () => {
    expect(resolveStoreTarget({ env: { DATABASE_URL: " " }, cwd })).toEqual({
      kind: "pglite",
      dataDir: "/repo/.perceo/data",
      blobsDir: "/repo/.perceo/blobs",
      description: "embedded database in .perceo/data",
    });
  });
});

describe("the embedded store", () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), "perceo-cwd-"));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it("keeps runs and blobs across a restart, and `db migrate` then has nothing to do", async () => {
    const run = aRunResult({ project: "shop" });
    const first = await openStore({ env: {}, cwd });
    expect(first.backend).toBe("pglite");
    await first.recordRun(run);
    await first.blobs.put("reports", "shop/index.html", new TextEncoder().encode("<h1>report</h1>"));
    await first.close();

    const migrated = await migrateConfiguredDatabase({ env: {}, cwd });
    expect(migrated).toMatchObject({ applied: [], target: "embedded database in .perceo/data" });
    expect(migrated.skipped).toHaveLength((await loadMigrations()).length);

    const second = await openStore({ env: {}, cwd });
    try {
      expect((await second.listRuns()).map((summary) => summary.id)).toEqual([run.id]);
      expect(await second.getRun(run.id)).toEqual(run);
      expect(await readFile(join(cwd, ".perceo/blobs/reports/shop/index.html"), "utf8")).toBe(
        "<h1>report</h1>",
      );
    } finally {
      await second.close();
    }
    // Three PGlite opens, the first of them an initdb: ~10 s idle, more on a busy 2-core runner.
  }, 90_000);
});

describe("a store on DATABASE_URL", () => {
  let server: PostgresServer;
  let url: string;
  beforeAll(async () => {
    server = await startPostgresServer();
    url = await server.createDatabase("perceo_open");
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("is migrated by `db migrate`, once", async () => {
    const environment = { env: { DATABASE_URL: url }, cwd: "/nonexistent" };
    const first = await migrateConfiguredDatabase(environment);
    expect(first.applied.map((m) => m.name)).toContain("supabase_compat");
    expect(first.target).toBe(`PostgreSQL at 127.0.0.1:${server.port}/perceo_open`);
    expect((await migrateConfiguredDatabase(environment)).applied).toEqual([]);

    const store = await openStore(environment);
    try {
      expect(store.backend).toBe("postgres");
      const run = aRunResult();
      await store.recordRun(run);
      expect(await store.getRun(run.id)).toEqual(run);
    } finally {
      await store.close();
    }
  });

  it("tells the user to migrate a database that never was", async () => {
    const empty = await server.createDatabase("perceo_empty");
    const store = await openStore({ env: { DATABASE_URL: empty }, cwd: "/nonexistent" });
    try {
      await expect(store.listRuns()).rejects.toMatchObject({
        code: "not_migrated",
        message: expect.stringContaining("perceo db migrate"),
      });
    } finally {
      await store.close();
    }
  });
});
