export {
  artifactPath,
  assertObjectPath,
  type Blobs,
  BUCKETS,
  type Bucket,
  directoryBlobs,
  supabaseBlobs,
  uploadRunArtifacts,
} from "./blobs.ts";
export { type Database, pgliteDatabase, postgresDatabase, type Queryable } from "./database.ts";
export { StoreError, type StoreErrorCode } from "./errors.ts";
export {
  appliedMigrations,
  loadMigrations,
  MIGRATIONS_DIR,
  type MigrateResult,
  type Migration,
  migrate,
} from "./migrate.ts";
export {
  migrateConfiguredDatabase,
  openDatabase,
  openPostgresStore,
  openStore,
  resolveStoreTarget,
  type StoreEnvironment,
  type StoreTarget,
} from "./open-store.ts";
export { postgresStore } from "./postgres-store.ts";
export type * from "./store.ts";
export { supabaseStore } from "./supabase-store.ts";
