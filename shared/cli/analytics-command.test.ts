import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PostgresServer, startPostgresServer } from "../store/testing/index.ts";
import { main } from "./main.ts";
import { capturedIo } from "./testing.ts";

let server: PostgresServer;
let url: string;
let dir: string;

beforeAll(async () => {
  server = await startPostgresServer();
  url = await server.createDatabase("shop");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Three signups in the last 7 days, one in the 7 before.
  await client.query(`create table signups (id serial, created_at timestamptz not null);
    insert into signups (created_at) values
      (now() - interval '2 days'), (now() - interval '3 days'), (now() - interval '6 days'), (now() - interval '10 days');`);
  await client.end();
  dir = await mkdtemp(path.join(tmpdir(), "perceo-outcomes-cli-"));
  await mkdir(path.join(dir, ".perceo/flows"), { recursive: true });
  await writeFile(
    path.join(dir, ".perceo/config.yml"),
    "project: shop\nbaseUrl: http://127.0.0.1:9\nanalytics:\n  provider: mixpanel\n  projectId: 3141592\n  outcomes:\n    database: postgres\n    keyEnv: SHOP_READONLY_URL\n    tables:\n      - { table: signups, timestamp: created_at }\n",
  );
  await writeFile(
    path.join(dir, ".perceo/flows/home.yml"),
    "name: home\ndescription: Home\npriority: low\nsteps:\n  - goto: /\n",
  );
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe("perceo analytics outcomes", () => {
  it("counts the configured tables over the last days and the as many before, with the variable keyEnv names", async () => {
    const run = capturedIo(dir, { SHOP_READONLY_URL: url });
    expect(await main(["analytics", "outcomes", "--days", "7", "--json"], run.io)).toBe(0);
    expect(JSON.parse(run.stdout())).toStrictEqual([
      { name: "signups", table: "signups", count: 3, before: 1 },
    ]);
  });

  it("names the variable to set when it is missing, without a stack", async () => {
    const run = capturedIo(dir, {});
    expect(await main(["analytics", "outcomes"], run.io)).toBe(3);
    expect(run.stderr()).toBe(
      "perceo: PostgreSQL: set SHOP_READONLY_URL (named by analytics.outcomes.keyEnv in .perceo/config.yml) to a read-only role's connection string\n",
    );
  });
});
