import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { directoryBlobs } from "../../blobs.ts";
import type { Database } from "../../database.ts";
import { postgresStore } from "../../postgres-store.ts";
import type { Store } from "../../store.ts";
import { type Engine, openMigratedDatabase, type TestDatabase } from "../databases.ts";

export interface ContractContext {
  engine: Engine;
  db: Database;
  store: Store;
  /** Another connection pool to the same database (the same PGlite instance on PGlite). */
  openAnother(): Database;
  blobsDir: string;
}

/** Opens one migrated database for the whole file and hands each test the same context. */
export function useMigratedStore(engine: Engine): () => ContractContext {
  let opened: TestDatabase | undefined;
  let context: ContractContext | undefined;
  beforeAll(async () => {
    opened = await openMigratedDatabase(engine);
    const blobsDir = mkdtempSync(join(tmpdir(), "perceo-blobs-"));
    const store = postgresStore(opened.db, { blobs: directoryBlobs(blobsDir), ownsDatabase: false });
    context = { engine, db: opened.db, store, openAnother: opened.openAnother, blobsDir };
  });
  afterAll(async () => {
    if (context) rmSync(context.blobsDir, { recursive: true, force: true });
    await opened?.close();
  });
  return () => {
    if (!context) throw new Error("the database did not start; see the beforeAll error above");
    return context;
  };
}
