import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Blobs, directoryBlobs, supabaseBlobs } from "./blobs.ts";
import { type Database, pgliteDatabase, postgresDatabase } from "./database.ts";
import { StoreError } from "./errors.ts";
import { type MigrateResult, migrate } from "./migrate.ts";
import { postgresStore } from "./postgres-store.ts";
import type { RunStore, Store } from "./store.ts";
import { supabaseStore } from "./supabase-store.ts";

export interface StoreEnvironment {
  /** Reads DATABASE_URL, SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY. */
  env: Record<string, string | undefined>;
  /** The project root: the embedded database lives in `<cwd>/.perceo/data`, blobs in `<cwd>/.perceo/blobs`. */
  cwd: string;
}

export type StoreTarget =
  | { kind: "postgres"; connectionString: string; description: string }
  | { kind: "supabase"; url: string; serviceRoleKey: string; description: string }
  | { kind: "pglite"; dataDir: string; blobsDir: string; description: string };

/**
 * Where the store lives, from the environment:
 * 1. DATABASE_URL → that PostgreSQL (Supabase's connection string works too);
 * 2. SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY → Supabase's REST and Storage APIs;
 * 3. neither → PGlite embedded in `<cwd>/.perceo/data`.
 */
export function resolveStoreTarget({ env, cwd }: StoreEnvironment): StoreTarget {
  const databaseUrl = env.DATABASE_URL?.trim();
  if (databaseUrl)
    return { kind: "postgres", connectionString: databaseUrl, description: describeUrl(databaseUrl) };
  const supabaseUrl = env.SUPABASE_URL?.trim();
  if (supabaseUrl) {
    const serviceRoleKey = env.SUPABASE_SERVICE_ROLE_KEY?.trim();
    if (!serviceRoleKey) {
      throw new StoreError(
        "configuration",
        "SUPABASE_URL is set but SUPABASE_SERVICE_ROLE_KEY is not: set both (Supabase dashboard → Project " +
          "Settings → API), or unset SUPABASE_URL to use the embedded database in .perceo/data",
      );
    }
    return { kind: "supabase", url: supabaseUrl, serviceRoleKey, description: `Supabase at ${supabaseUrl}` };
  }
  const dataDir = join(cwd, ".perceo", "data");
  return {
    kind: "pglite",
    dataDir,
    blobsDir: join(cwd, ".perceo", "blobs"),
    description: `embedded database in ${join(".perceo", "data")}`,
  };
}

/**
 * The store the CLI and the Action use. The embedded database is migrated on open; a configured
 * PostgreSQL or Supabase is migrated explicitly with `perceo db migrate`.
 */
export async function openStore(environment: StoreEnvironment): Promise<RunStore> {
  const target = resolveStoreTarget(environment);
  if (target.kind === "supabase") {
    const http = { url: target.url, serviceRoleKey: target.serviceRoleKey };
    return supabaseStore({ ...http, blobs: supabaseBlobs(http) });
  }
  return openPostgresStore(environment);
}

/** The full Store (App, jobs): needs a SQL connection, so DATABASE_URL or the embedded database. */
export async function openPostgresStore(environment: StoreEnvironment): Promise<Store> {
  const target = resolveStoreTarget(environment);
  const db = await openDatabase(environment);
  try {
    if (target.kind === "pglite") await migrate(db);
    return postgresStore(db, { blobs: blobsFor(environment) });
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** A SQL connection to the configured database (what `perceo db migrate` applies migrations to). */
export async function openDatabase(environment: StoreEnvironment): Promise<Database> {
  const target = resolveStoreTarget(environment);
  switch (target.kind) {
    case "postgres":
      return postgresDatabase({ connectionString: target.connectionString });
    case "pglite":
      await mkdir(target.dataDir, { recursive: true });
      return pgliteDatabase(target.dataDir);
    case "supabase":
      throw new StoreError(
        "configuration",
        "SQL access to Supabase needs DATABASE_URL: set it to the project's connection string " +
          "(Supabase dashboard → Connect → Session pooler), or run `supabase db push`",
      );
  }
}

/** `perceo db migrate`: applies pending migrations to the configured database and says what it did. */
export async function migrateConfiguredDatabase(
  environment: StoreEnvironment,
): Promise<MigrateResult & { target: string }> {
  const target = resolveStoreTarget(environment);
  const db = await openDatabase(environment);
  try {
    return { ...(await migrate(db)), target: target.description };
  } finally {
    await db.close();
  }
}

function blobsFor(environment: StoreEnvironment): Blobs {
  const { env, cwd } = environment;
  const url = env.SUPABASE_URL?.trim();
  const serviceRoleKey = env.SUPABASE_SERVICE_ROLE_KEY?.trim();
  if (url && serviceRoleKey) return supabaseBlobs({ url, serviceRoleKey });
  return directoryBlobs(join(cwd, ".perceo", "blobs"));
}

/** `postgres://user:secret@host:5432/db` → `PostgreSQL at host:5432/db` (never the password). */
function describeUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `PostgreSQL at ${url.host}${url.pathname}`;
  } catch {
    return "PostgreSQL (DATABASE_URL)";
  }
}
