import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "./database.ts";
import { StoreError } from "./errors.ts";

/** The repository's `supabase/migrations`, in Supabase CLI layout. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../supabase/migrations/", import.meta.url));

export interface Migration {
  /** The timestamp prefix, e.g. `20251123100000`. */
  version: string;
  /** The rest of the file name, e.g. `supabase_compat`. */
  name: string;
  sql: string;
}

export interface MigrateResult {
  applied: Array<Pick<Migration, "version" | "name">>;
  /** Versions that were already recorded and left alone. */
  skipped: string[];
}

const FILE_PATTERN = /^(\d{14})_([a-z0-9_]+)\.sql$/;

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith(".sql")).sort();
  return Promise.all(
    files.map(async (file) => {
      const match = FILE_PATTERN.exec(file);
      if (!match?.[1] || !match[2]) {
        throw new StoreError(
          "configuration",
          `${join(dir, file)}: expected <YYYYMMDDHHMMSS>_<snake_name>.sql`,
        );
      }
      return { version: match[1], name: match[2], sql: await readFile(join(dir, file), "utf8") };
    }),
  );
}

/**
 * Applies the migrations not yet recorded, in order, each in its own transaction, and records them
 * in `supabase_migrations.schema_migrations` — the table the Supabase CLI keeps, so `supabase db
 * push` and `perceo db migrate` agree on what has run. Safe to run concurrently and repeatedly.
 */
export async function migrate(
  db: Database,
  options: { dir?: string; migrations?: Migration[] } = {},
): Promise<MigrateResult> {
  const migrations = options.migrations ?? (await loadMigrations(options.dir));
  await db.exec(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
    alter table supabase_migrations.schema_migrations add column if not exists statements text[];
    alter table supabase_migrations.schema_migrations add column if not exists name text;
  `);
  const result: MigrateResult = { applied: [], skipped: [] };
  for (const migration of migrations) {
    const applied = await db.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock(hashtext('perceo.migrate'))");
      const done = await tx.query("select 1 from supabase_migrations.schema_migrations where version = $1", [
        migration.version,
      ]);
      if (done.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query(
        "insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)",
        [migration.version, migration.name, [migration.sql]],
      );
      return true;
    });
    if (applied) result.applied.push({ version: migration.version, name: migration.name });
    else result.skipped.push(migration.version);
  }
  return result;
}

/** Versions recorded as applied, oldest first. */
export async function appliedMigrations(db: Database): Promise<string[]> {
  const rows = await db.query<{ version: string }>(
    "select version from supabase_migrations.schema_migrations order by version",
  );
  return rows.map((row) => row.version);
}
