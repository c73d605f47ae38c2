import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../shared/store/database.ts";
import { type Engine, openMigratedDatabase, type TestDatabase } from "../shared/store/testing/databases.ts";

const dir = fileURLToPath(new URL(".", import.meta.url));
const read = (name: string) => readFile(`${dir}${name}`, "utf8");

describe("supabase/ layout", () => {
  it("names migrations the way the Supabase CLI expects, in order", async () => {
    const files = (await readdir(`${dir}migrations`)).sort();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(file).toMatch(/^\d{14}_[a-z0-9_]+\.sql$/);
    expect(files[0]).toMatch(/_supabase_compat\.sql$/);
  });

  it("config.toml names the project and keeps secrets in env()", async () => {
    const config = await read("config.toml");
    expect(config).toMatch(/^project_id = "perceo"$/m);
    for (const line of config.split("\n").filter((l) => /^(secret|client_id|.*key) =/.test(l))) {
      expect(line).toMatch(/= "env\([A-Z_]+\)"$/);
    }
  });
});

describe.each<Engine>(["pglite", "postgres"])("migrations and seed on %s", (engine) => {
  let opened: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    opened = await openMigratedDatabase(engine);
    db = opened.db;
  });
  afterAll(async () => {
    await opened?.close();
  });

  it("the seed loads, twice, and its demo run reads back through test_run_result", async () => {
    const seed = await read("seed.sql");
    await db.exec(seed);
    await db.exec(seed);
    const [row] = await db.query<{ result: { id: string; flows: Array<{ name: string; status: string }> } }>(
      `select public.test_run_result(r.id) as result from test_runs r where r.run_key = 'demo-run-1'`,
    );
    expect(row?.result.flows.map((f) => `${f.name}:${f.status}`)).toEqual([
      "checkout:passed",
      "signup:flaky",
      "search:passed",
    ]);
    const [baseline] = await db.query("select count(*)::int as n from baselines");
    expect(baseline).toEqual({ n: 1 });
    const [events] = await db.query("select count(*)::int as n from analytics_events");
    expect(events).toEqual({ n: 30 });
  });

  it("the compatibility migration created only what Supabase would have provided", async () => {
    const roles = await db.query<{ rolname: string; rolbypassrls: boolean }>(
      "select rolname, rolbypassrls from pg_roles where rolname in ('anon', 'authenticated', 'service_role') order by 1",
    );
    expect(roles).toEqual([
      { rolname: "anon", rolbypassrls: false },
      { rolname: "authenticated", rolbypassrls: false },
      { rolname: "service_role", rolbypassrls: true },
    ]);
    const buckets = await db.query("select id, public from storage.buckets order by id");
    expect(buckets).toEqual([
      { id: "reports", public: false },
      { id: "screenshots", public: false },
      { id: "traces", public: false },
    ]);
  });
});
