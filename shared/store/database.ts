import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { toStoreError } from "./errors.ts";

/** The little the Store needs from a Postgres connection: node-postgres and PGlite both provide it. */
export interface Queryable {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs several statements with no parameters (a migration file). */
  exec(text: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly engine: "postgres" | "pglite";
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// Both engines read rows the same way: int8 as a number (our counts and ids stay far below 2^53),
// date as its 'YYYY-MM-DD' text rather than a local-midnight Date.
const INT8_OID = 20;
const DATE_OID = 1082;
const parseInt8 = (value: string) => Number(value);
const keepText = (value: string) => value;
const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8_OID) return parseInt8;
    if (oid === DATE_OID) return keepText;
    return pg.types.getTypeParser(oid, format as "text");
  },
};

export interface PostgresDatabaseOptions {
  connectionString: string;
  /** Connections in the pool; default 4. */
  max?: number;
  /** Per-statement timeout; default 60 s. */
  statementTimeoutMs?: number;
}

/** A database reached over the network with node-postgres (DATABASE_URL). */
export function postgresDatabase(options: PostgresDatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 4,
    connectionTimeoutMillis: 10_000,
    statement_timeout: options.statementTimeoutMs ?? 60_000,
    types: pgTypes,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", () => undefined);
  const wrap = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query<Row>(text: string, params?: readonly unknown[]) {
      try {
        const result = await client.query(text, params as unknown[] | undefined);
        return result.rows as Row[];
      } catch (error) {
        throw toStoreError(error);
      }
    },
    async exec(text: string) {
      try {
        await client.query(text);
      } catch (error) {
        throw toStoreError(error);
      }
    },
  });
  return {
    engine: "postgres",
    ...wrap(pool),
    async transaction(work) {
      const client = await pool.connect().catch((error: unknown) => {
        throw toStoreError(error);
      });
      try {
        await client.query("begin");
        const result = await work(wrap(client));
        await client.query("commit");
        return result;
      } catch (error) {
        await client.query("rollback").catch(() => undefined);
        throw toStoreError(error);
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** An embedded PGlite database: in memory, or persisted in `dataDir`. */
export async function pgliteDatabase(dataDir?: string): Promise<Database> {
  const parsers = { [INT8_OID]: parseInt8, [DATE_OID]: keepText };
  const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), parsers }).catch((error: unknown) => {
    throw toStoreError(error);
  });
  return wrapPglite(db);
}

export function wrapPglite(db: PGlite): Database {
  type Tx = Pick<PGlite, "query" | "exec">;
  const wrap = (client: Tx): Queryable => ({
    async query<Row>(text: string, params?: readonly unknown[]) {
      try {
        const result = await client.query<Row>(text, params as unknown[] | undefined);
        return result.rows;
      } catch (error) {
        throw toStoreError(error);
      }
    },
    async exec(text: string) {
      try {
        await client.exec(text);
      } catch (error) {
        throw toStoreError(error);
      }
    },
  });
  return {
    engine: "pglite",
    ...wrap(db),
    async transaction(work) {
      try {
        return await db.transaction((tx) => work(wrap(tx)));
      } catch (error) {
        throw toStoreError(error);
      }
    },
    close: () => db.close(),
  };
}
