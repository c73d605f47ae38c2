import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createFunnelMatcher,
  DEVICES,
  type FunnelDefinition,
  funnelsFromFlows,
  stepMatchesUrl,
} from "../shared/analytics/index.ts";
import { generateSessionEvents } from "../shared/analytics/testing/generate-events.ts";
import { loadProject } from "../shared/config/index.ts";
import { postgresDatabase } from "../shared/store/database.ts";
import { startPostgresServer } from "../shared/store/testing/postgres-server.ts";

// Funnel matching of generated shop analytics against 100 flows (the shop's 17 and 83 more over a
// larger synthetic catalogue): events/s and peak memory of the streaming matcher on one core, vs the
// same greedy in-order matching written as one SQL query on a local PostgreSQL 15 that this script
// starts and stops. Both get the URLs already coded as integers and the (code → flow step) table.
// Target: ≥ 1,000,000 events/s, and faster than the SQL query.
//   node bench/funnel-matching.ts [--events 5000000] [--no-sql]

const TARGET_EVENTS_PER_SECOND = 1_000_000;
const FLOWS = 100;

function argValue(name: string): string | undefined {
  const inline = process.argv.find((a) => a.startsWith(`${name}=`));
  const index = process.argv.indexOf(name);
  return inline ? inline.slice(name.length + 1) : index >= 0 ? process.argv[index + 1] : undefined;
}

const wanted = Number(argValue("--events") ?? 5_000_000);
if (!Number.isInteger(wanted) || wanted < 1) throw new Error(`--events wants a positive integer`);
const withSql = !process.argv.includes("--no-sql");

/** The shop's funnels, then synthetic ones: landing → category → product → cart → order pages. */
async function benchFunnels(): Promise<FunnelDefinition[]> {
  const shop = join(fileURLToPath(new URL("../examples/shop", import.meta.url)));
  const funnels = funnelsFromFlows((await loadProject(shop)).flows);
  for (let i = 0; funnels.length < FLOWS; i++) {
    const steps = 2 + (i % 4);
    funnels.push({
      name: `synthetic-${i}`,
      steps: Array.from({ length: steps }, (_, k) => ({
        kind: "page" as const,
        path: k === 0 ? `/c/${i % 20}` : `/c/${i % 20}/p/${i}/s${k}`,
        query: [],
      })),
    });
  }
  return funnels;
}

interface Columns {
  length: number;
  session: Int32Array;
  user: Int32Array;
  time: Float64Array;
  code: Int32Array;
  device: Uint8Array;
}

const heapMb = () => process.memoryUsage().heapUsed / 1e6;
const rssMb = () => process.memoryUsage().rss / 1e6;

async function main(): Promise<void> {
  const funnels = await benchFunnels();
  const matcher = createFunnelMatcher(funnels);
  const labels: string[] = [];

  // 1. generate and code the events (string work done once per distinct URL, outside the timing).
  const sessionsNeeded = Math.ceil(wanted / 5);
  const columns: Columns = {
    length: 0,
    session: new Int32Array(wanted),
    user: new Int32Array(wanted),
    time: new Float64Array(wanted),
    code: new Int32Array(wanted),
    device: new Uint8Array(wanted),
  };
  const generateStarted = performance.now();
  for (const event of generateSessionEvents(funnels, { sessions: sessionsNeeded * 4, seed: 42, days: 60 })) {
    if (columns.length >= wanted) break;
    const i = columns.length++;
    const code =
      event.url !== undefined ? matcher.codeOfUrl(event.url) : matcher.codeOfEvent(event.event ?? "");
    if (code === labels.length) labels.push(event.url ?? "");
    columns.session[i] = Number(event.sessionId.slice(1));
    columns.user[i] = matcher.codeOfUser(event.userId ?? "");
    columns.time[i] = event.time;
    columns.code[i] = code;
    columns.device[i] = DEVICES.indexOf(event.device ?? "other");
  }
  const generateMs = performance.now() - generateStarted;
  console.log(
    `${columns.length.toLocaleString("en")} events, ${labels.length} distinct URLs, ${funnels.length} flows (generated and coded in ${(generateMs / 1000).toFixed(1)} s)`,
  );

  // 2. match, one core, sampling memory as it goes.
  globalThis.gc?.();
  const heapBefore = heapMb();
  let peakHeap = heapBefore;
  let peakOpen = 0;
  const started = performance.now();
  const { session, user, time, code, device } = columns;
  for (let i = 0; i < columns.length; i++) {
    matcher.pushCoded(
      session[i] as number,
      user[i] as number,
      time[i] as number,
      code[i] as number,
      device[i] as number,
    );
    if ((i & 0xffff) === 0) {
      peakHeap = Math.max(peakHeap, heapMb());
      peakOpen = Math.max(peakOpen, matcher.openSessions);
    }
  }
  const report = matcher.finish();
  const matchMs = performance.now() - started;
  peakHeap = Math.max(peakHeap, heapMb());
  const rate = columns.length / (matchMs / 1000);
  const entered = report.flows.reduce((s, f) => s + f.entered, 0);
  const completed = report.flows.reduce((s, f) => s + f.completed, 0);
  console.log(
    `  streaming matcher   ${Math.round(rate).toLocaleString("en").padStart(12)} events/s  (${(matchMs / 1000).toFixed(2)} s; ${report.sessions.toLocaleString("en")} sessions; peak ${peakOpen} open)`,
  );
  console.log(
    `  memory              heap +${(peakHeap - heapBefore).toFixed(0)} MB over the ${((columns.length * 21) / 1e6).toFixed(0)} MB of input columns; rss ${rssMb().toFixed(0)} MB`,
  );
  console.log(
    `  matched             ${entered.toLocaleString("en")} flow entries, ${completed.toLocaleString("en")} completions`,
  );

  let sqlMs: number | undefined;
  if (withSql) sqlMs = await sqlPeer(funnels, labels, columns, { entered, completed });
  console.log(
    `target ≥ ${TARGET_EVENTS_PER_SECOND.toLocaleString("en")} events/s: ${rate >= TARGET_EVENTS_PER_SECOND ? "met" : "MISSED"}` +
      (sqlMs !== undefined
        ? `; vs SQL ${(sqlMs / matchMs).toFixed(1)}× faster ${sqlMs > matchMs ? "(met)" : "(MISSED)"}`
        : ""),
  );
  if (rate < TARGET_EVENTS_PER_SECOND || (sqlMs !== undefined && sqlMs <= matchMs)) process.exitCode = 1;
}

async function sqlPeer(
  funnels: FunnelDefinition[],
  labels: string[],
  columns: Columns,
  expected: { entered: number; completed: number },
): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "perceo-funnel-bench-"));
  const server = await startPostgresServer({ settings: { shared_buffers: "256MB", work_mem: "64MB" } });
  try {
    const url = await server.createDatabase("bench");
    const db = postgresDatabase({ connectionString: url, max: 1, statementTimeoutMs: 3_600_000 });
    await db.query(
      `create table events (seq int, session int, uid int, t bigint, code int, device smallint)`,
    );
    await db.query(`create table steps (flow int, step int, code int, last_step int)`);
    const csv = join(dir, "events.csv");
    const out = createWriteStream(csv);
    for (let i = 0; i < columns.length; i++) {
      const line = `${i},${columns.session[i]},${columns.user[i]},${columns.time[i]},${columns.code[i]},${columns.device[i]}\n`;
      if (!out.write(line)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));
    const loadStarted = performance.now();
    await psql(server.binDir, url, `\\copy events from '${csv}' with (format csv)`);
    // The same precompiled table the matcher builds: which codes satisfy which flow step.
    const rows: string[] = [];
    labels.forEach((label, c) => {
      funnels.forEach((funnel, f) => {
        funnel.steps.forEach((step, k) => {
          if (stepMatchesUrl(step, label)) rows.push(`(${f},${k},${c},${funnel.steps.length - 1})`);
        });
      });
    });
    await db.query(`insert into steps values ${rows.join(",")}`);
    await db.query(`create index on events (session, t, seq) include (code)`);
    await db.query(`create index on steps (code, flow, step)`);
    await db.query(`analyze events; analyze steps`);
    const loadMs = performance.now() - loadStarted;

    const started = performance.now();
    const result = await db.query<{ entered: string; completed: string }>(FUNNEL_SQL);
    const sqlMs = performance.now() - started;
    const entered = result.reduce((s, r) => s + Number(r.entered), 0);
    const completed = result.reduce((s, r) => s + Number(r.completed), 0);
    const rate = columns.length / (sqlMs / 1000);
    console.log(
      `  one SQL query (PG)  ${Math.round(rate).toLocaleString("en").padStart(12)} events/s  (${(sqlMs / 1000).toFixed(2)} s; load + indexes ${(loadMs / 1000).toFixed(1)} s not counted)`,
    );
    if (entered !== expected.entered || completed !== expected.completed) {
      console.log(`  SQL found ${entered} entries / ${completed} completions: differs from the matcher`);
    }
    await db.close();
    return sqlMs;
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

// Greedy in-order matching, as the streaming matcher does it: the first hit of step 0 per session
// and flow, then for each step the first hit of the next step after the previous one.
const FUNNEL_SQL = `
with recursive m (session, flow, step, last_step, t0, t, seq) as (
  (select distinct on (e.session, s.flow) e.session, s.flow, 0, s.last_step, e.t, e.t, e.seq
  from events e join steps s on s.code = e.code and s.step = 0
  order by e.session, s.flow, e.t, e.seq)
  union all
  select m.session, m.flow, m.step + 1, m.last_step, m.t0, n.t, n.seq
  from m cross join lateral (
    select e.t, e.seq from events e join steps s on s.code = e.code and s.flow = m.flow and s.step = m.step + 1
    where e.session = m.session and (e.t, e.seq) > (m.t, m.seq)
    order by e.t, e.seq limit 1
  ) n
  where m.step < m.last_step
), reached as (
  select session, flow, max(step) as step, max(last_step) as last_step, max(t) - min(t0) as duration
  from m group by session, flow
), per_session as (
  select r.*, (select device from events e where e.session = r.session limit 1) as device from reached r
)
select flow, count(*) as entered, count(*) filter (where step = last_step) as completed,
  percentile_disc(0.5) within group (order by duration) filter (where step = last_step) as median_ms,
  mode() within group (order by step + 1) filter (where step < last_step) as top_exit_step,
  count(*) filter (where device = 1) as mobile_entered,
  count(*) filter (where device = 1 and step = last_step) as mobile_completed
from per_session group by flow order by flow`;

function psql(binDir: string, url: string, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(binDir, "psql"), [url, "-v", "ON_ERROR_STOP=1", "-qc", command], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`psql exited with ${code}`))));
  });
}

await main();
