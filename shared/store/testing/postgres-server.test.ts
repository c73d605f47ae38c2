import pg from "pg";
import { describe, expect, it } from "vitest";
import { startPostgresServer } from "./postgres-server.ts";

describe("the throwaway PostgreSQL server", () => {
  it("starts on a free port, serves queries and is gone after stop()", async () => {
    const server = await startPostgresServer();
    try {
      const client = new pg.Client(await server.createDatabase("harness_check"));
      await client.connect();
      const { rows } = await client.query<{ version: string }>(
        "select current_setting('server_version_num') as version",
      );
      await client.end();
      expect(Number(rows[0]?.version)).toBeGreaterThanOrEqual(150000);
    } finally {
      await server.stop();
    }
    const client = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 2_000 });
    await expect(client.connect()).rejects.toThrow();
  });

  it("fails loudly, saying what to install, when the binaries are missing", async () => {
    await expect(startPostgresServer({ binDir: "/nonexistent/postgresql/15/bin" })).rejects.toThrow(
      /install PostgreSQL 15 .*postgresql-15/i,
    );
  });
});
