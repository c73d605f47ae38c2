import type { Database } from "../database.ts";
import { pgliteDatabase, postgresDatabase } from "../database.ts";
import { migrate } from "../migrate.ts";
import { type PostgresServer, startPostgresServer } from "./postgres-server.ts";

export interface TestDatabase {
  db: Database;
  /** A second, independent connection pool (real PostgreSQL) or the same database (PGlite). */
  openAnother(): Database;
  close(): Promise<void>;
}

export type Engine = "pglite" | "postgres";

/** A freshly migrated database on the engine: in-memory PGlite, or a throwaway PostgreSQL server. */
export async function openMigratedDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === "pglite") {
    const db = await pgliteDatabase();
    await migrate(db);
    return { db, openAnother: () => db, close: () => db.close() };
  }
  let server: PostgresServer | undefined;
  const pools: Database[] = [];
  try {
    server = await startPostgresServer();
    const url = await server.createDatabase("perceo_test");
    const open = () => {
      const pool = postgresDatabase({ connectionString: url, max: 6 });
      pools.push(pool);
      return pool;
    };
    const db = open();
    await migrate(db);
    const running = server;
    return {
      db,
      openAnother: open,
      async close() {
        await Promise.allSettled(pools.map((pool) => pool.close()));
        await running.stop();
      },
    };
  } catch (error) {
    await Promise.allSettled(pools.map((pool) => pool.close()));
    await server?.stop();
    throw error;
  }
}
