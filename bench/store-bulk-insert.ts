import { spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { directoryBlobs } from "../shared/store/blobs.ts";
import { postgresDatabase } from "../shared/store/database.ts";
import { migrate } from "../shared/store/migrate.ts";
import { postgresStore } from "../shared/store/postgres-store.ts";
import type { AnalyticsEventInput } from "../shared/store/store.ts";
import { startPostgresServer } from "../shared/store/testing/postgres-server.ts";

// Bulk insert of analytics events through the Store vs `COPY … FROM STDIN` (psql's \copy) of the
// same rows into the same table, on a local PostgreSQL 15 that this script starts and stops.
// Target: the Store reaches at least half of COPY's rows/s.
//   node bench/store-bulk-insert.ts [--rows 1000000]

const TARGET_RATIO = 0.5;

function parseRows(argv: string[]): number {
  const inline = argv.find((arg) => arg.startsWith("--rows="));
  const index = argv.indexOf("--rows");
  const value = inline ? inline.slice("--rows=".length) : index >= 0 ? argv[index + 1] : undefined;
  const rows = value === undefined ? 1_000_000 : Number(value);
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows wants a positive integer, got ${value}`);
  return rows;
}

/** Realistic events: a handful of names, a few thousand visitors, three months, small properties. */
function makeEvents(rows: number): AnalyticsEventInput[] {
  const names = ["$pageview", "add_to_cart", "checkout_started", "checkout_completed", "search"];
  const start = Date.parse("2025-01-01T00:00:00.000Z");
  const span = 90 * 24 * 3600 * 1000;
  return Array.from({ length: rows }, (_, i) => ({
    source: "posthog",
    eventId: `evt-${i.toString(36).padStart(8, "0")}`,
    eventName: names[i % names.length] ?? "$pageview",
    distinctId: `visitor-${i % 5000}`,
    occurredAt: new Date(start + Math.floor((i / rows) * span)).toISOString(),
    properties: { path: `/products/${i % 200}`, value: i % 97 },
  }));
}

function csvField(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

async function writeCsv(file: string, projectId: string, events: AnalyticsEventInput[]): Promise<void> {
  const out = createWriteStream(file);
  for (const event of events) {
    const line = [
      projectId,
      event.source,
      event.eventId,
      event.eventName,
      event.distinctId ?? "",
      String(event.occurredAt),
      csvField(JSON.stringify(event.properties ?? {})),
    ].join(",");
    if (!out.write(`${line}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

function psqlCopy(binDir: string, url: string, file: string): Promise<void> {
  const command =
    "\\copy public.analytics_events (project_id, source, event_id, event_name, distinct_id, occurred_at, properties) " +
    `from '${file}' with (format csv)`;
  return new Promise((resolve, reject) => {
    const child = spawn(join(binDir, "psql"), [url, "-v", "ON_ERROR_STOP=1", "-qc", command], {
      stdio: "inherit",
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`psql \\copy exited with ${code}`)),
    );
  });
}

const rowsPerSecond = (rows: number, ms: number) => Math.round(rows / (ms / 1000));

async function main() {
  const rows = parseRows(process.argv.slice(2));
  // 1. a fresh server and database, migrated; 2. the same rows in memory and as CSV;
  // 3. the Store's bulk insert; 4. empty the table; 5. COPY; 6. figures.
  const server = await startPostgresServer();
  const scratch = await mkdtemp(join(tmpdir(), "perceo-bench-"));
  const db = postgresDatabase({ connectionString: await server.createDatabase("bench"), max: 4 });
  try {
    await migrate(db);
    const store = postgresStore(db, { blobs: directoryBlobs(scratch), ownsDatabase: false });
    const project = await store.ensureProject({ fullName: "bench/shop" });
    const events = makeEvents(rows);
    const csv = join(scratch, "events.csv");
    await writeCsv(csv, project.id, events);
    await db.query("select public.create_analytics_event_partitions('2025-01-01', 4)");
    const count = async () =>
      (await db.query<{ n: number }>("select count(*)::int as n from analytics_events"))[0]?.n;

    await db.exec("checkpoint");
    let started = performance.now();
    const inserted = await store.insertAnalyticsEvents(project.id, events);
    const storeMs = performance.now() - started;
    if (inserted !== rows || (await count()) !== rows)
      throw new Error(`the Store inserted ${inserted} of ${rows} rows`);

    await db.exec("truncate public.analytics_events; checkpoint");
    started = performance.now();
    await psqlCopy(server.binDir, server.urlFor("bench"), csv);
    const copyMs = performance.now() - started;
    if ((await count()) !== rows) throw new Error("COPY did not load every row");

    const storeRate = rowsPerSecond(rows, storeMs);
    const copyRate = rowsPerSecond(rows, copyMs);
    const ratio = storeRate / copyRate;
    console.log(
      `analytics events: ${rows.toLocaleString("en")} rows into a monthly-partitioned table (PostgreSQL 15)`,
    );
    console.log(
      `  Store.insertAnalyticsEvents  ${storeRate.toLocaleString("en").padStart(10)} rows/s  (${(storeMs / 1000).toFixed(2)} s)`,
    );
    console.log(
      `  COPY FROM STDIN (psql)       ${copyRate.toLocaleString("en").padStart(10)} rows/s  (${(copyMs / 1000).toFixed(2)} s)`,
    );
    console.log(`  ratio Store / COPY           ${ratio.toFixed(2)}  (target ≥ ${TARGET_RATIO})`);
    if (ratio < TARGET_RATIO) process.exitCode = 1;
  } finally {
    await db.close();
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
