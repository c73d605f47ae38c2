/*
 * The weekly scan issue for the example shop, rendered the way the App writes it, so a person can
 * read it: `node examples/weekly-issue/render-weekly-issue.ts [--out weekly-issue.md]`.
 *
 * Real parts: the shop in Chromium (its flows run once with coverage recorded, as
 * `perceo run --coverage` writes `.perceo/coverage.json`; captures and audits), PGlite with every
 * migration, the Mixpanel provider (its export requests, JSONL parsing and sessions), a throwaway
 * PostgreSQL 15 holding the shop's own `signups` and `orders` tables (counted read-only, per window),
 * the funnel matcher, checkpoints and insights. Generated parts, stated here: 90 days of Mixpanel
 * events (`$mp_web_page_view` along the pages the shop's flows really visited, so a login goes
 * through /login and a signup through /signup; the home page bounces more after a heading change
 * on 26 Oct, checkout completes less after "Add to cart" became "Add to bag" on 18 Nov), answered
 * at the edge by a fetch that plays data.mixpanel.com's export, the rows of the two tables (more
 * signups after the heading change, fewer orders after the rename), a week of CI runs, and the
 * changes the deploy diff detected.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import {
  type AnalyticsProvider,
  addDays,
  DAY_MS,
  dayOf,
  funnelsFromFlows,
  outcomesFromConfig,
  providerFromConfig,
  type SessionEvent,
} from "../../shared/analytics/index.ts";
import { generateSessionEvents } from "../../shared/analytics/testing/generate-events.ts";
import { BrowserPool } from "../../shared/capture/index.ts";
import { loadProject, type OutcomesSettings, type PerceoProject } from "../../shared/config/index.ts";
import { buildCoverageMap, type CoverageMap } from "../../shared/observer/index.ts";
import { renderFindingComment, renderWeeklyIssue } from "../../shared/report/index.ts";
import { type RecordedCoverage, runFlows } from "../../shared/runner/index.ts";
import { openPostgresStore, type Store } from "../../shared/store/index.ts";
import { aFlow, aRunResult, startPostgresServer } from "../../shared/store/testing/index.ts";
import { collectWeeklyReport, groupFindings } from "../../shared/weekly/index.ts";
import { startShop } from "../shop/server.ts";

const NOW = new Date("2026-11-23T09:00:00Z");
const DAY = 86_400_000;
const START = Date.parse("2026-08-25T00:00:00Z");

const { values } = parseArgs({ options: { out: { type: "string" } } });
const shop = await startShop();
const dataDir = await mkdtemp(path.join(tmpdir(), "perceo-weekly-"));
const pool = new BrowserPool({ concurrency: 1 });
const store = await openPostgresStore({ env: {}, cwd: dataDir });
const shopDatabase = await startPostgresServer();
try {
  const loaded = await loadProject(path.resolve(import.meta.dirname, "../shop"));
  const pages = [
    { url: `${shop.url}/`, name: "Home" },
    { url: `${shop.url}/products`, name: "Catalog" },
    { url: `${shop.url}/products/aurora-lamp`, name: "Aurora lamp" },
    { url: `${shop.url}/cart`, name: "Cart" },
  ].map((p) => ({
    ...p,
    files: [],
    viewports: ["desktop", "mobile"] as Array<"desktop" | "mobile">,
    masks: [],
  }));
  const project: PerceoProject = {
    ...loaded,
    config: {
      ...loaded.config,
      baseUrl: shop.url,
      pages,
      allowedTargets: [shop.url],
      analytics: {
        provider: "mixpanel",
        projectId: "3141592",
        residency: "eu",
        secret: "mixpanel-service-account",
        outcomes: {
          database: "postgres",
          secret: "shop-database-url",
          schema: "public",
          tables: [
            { table: "signups", timestamp: "created_at" },
            { table: "orders", timestamp: "placed_at" },
          ],
        },
      },
    },
  };
  const coverage = await recordCoverage(project, dataDir);
  const row = await store.ensureProject({
    fullName: "lumen-and-oak/shop",
    installationId: 1,
    repositoryId: 1,
  });
  await seedChanges(store, row.id, pages);
  await seedRuns(store, row.fullName, row.id, project);
  const report = await collectWeeklyReport({
    store,
    projectId: row.id,
    projectName: row.fullName,
    project,
    commitSha: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
    now: NOW,
    pool,
    provider: generatedMixpanel(project, coverage),
    outcomes: outcomesFromConfig(
      project.config.analytics?.outcomes as OutcomesSettings,
      await seedShopTables(await shopDatabase.createDatabase("shop")),
      { credentialName: 'the stored secret "shop-database-url"' },
    ),
    coverage,
  });
  const commented = groupFindings(report.findings).slice(0, 10);
  const first = commented[0];
  const markdown = [
    `# Perceo weekly scan — ${report.scanDate}`,
    "",
    renderWeeklyIssue(report, { findingComments: commented.length }),
    "---",
    `_First of ${commented.length} finding comments:_`,
    "",
    first ? renderFindingComment(first.finding, first.pages) : "",
    "",
  ].join("\n");
  if (values.out) await writeFile(values.out, markdown);
  else process.stdout.write(markdown);
} finally {
  await store.close();
  await shopDatabase.stop();
  await pool.close();
  await shop.close();
  await rm(dataDir, { recursive: true, force: true });
}

/** Every flow of the shop run once in Chromium, recording the pages it visited (`perceo run --coverage`). */
async function recordCoverage(project: PerceoProject, dir: string): Promise<CoverageMap> {
  const recordings = new Map<string, RecordedCoverage>();
  const run = await runFlows({
    project: project.config.project,
    baseUrl: shop.url,
    flows: project.flows,
    personas: project.personas,
    outputDir: path.join(dir, "run"),
    settings: { retries: 1, trace: "off", workers: 2 },
    onCoverage: (flow, _attempt, recorded) => void recordings.set(flow, recorded),
  });
  const failed = run.flows.filter((f) => f.status === "failed").map((f) => f.name);
  if (failed.length > 0)
    process.stderr.write(`flows that failed while recording coverage: ${failed.join(", ")}\n`);
  return buildCoverageMap(recordings, []);
}

async function seedChanges(store: Store, projectId: string, pages: Array<{ url: string; name: string }>) {
  const page = async (name: string) => {
    const setting = pages.find((p) => p.name === name) as { url: string; name: string };
    return (await store.upsertPage(projectId, setting)).id;
  };
  const changes = [
    {
      page: "Home",
      element: 'Heading (h1) "Light for slow mornings"',
      kind: "text" as const,
      before: "Light for slow mornings",
      after: "Light, wood and linen for slow evenings",
      firstDetectedDate: "2026-10-26",
    },
    {
      page: "Catalog",
      element: 'Section "Filters"',
      kind: "layout" as const,
      before: "left column",
      after: "above the grid",
      firstDetectedDate: "2026-10-12",
    },
    {
      page: "Aurora lamp",
      element: 'Button "Add to cart"',
      kind: "text" as const,
      before: "Add to cart",
      after: "Add to bag",
      firstDetectedDate: "2026-11-18",
    },
  ];
  for (const { page: name, ...change } of changes) {
    await store.recordDetectedChange({ projectId, pageId: await page(name), ...change });
  }
}

/** One CI run a day for the past week: `search` flaky twice, `signup` failing once, the rest green. */
async function seedRuns(store: Store, fullName: string, projectId: string, project: PerceoProject) {
  for (let d = 7; d >= 1; d--) {
    const startedAt = new Date(NOW.getTime() - d * DAY + 10 * 3_600_000).toISOString();
    const flows = project.flows.map((flow, i) => {
      const status =
        flow.name === "search" && (d === 2 || d === 5)
          ? ("flaky" as const)
          : flow.name === "signup" && d === 2
            ? ("failed" as const)
            : ("passed" as const);
      const base = 1_800 + ((i * 733) % 4_000) + (flow.name === "checkout" ? 6_500 : 0);
      return aFlow({
        name: flow.name,
        file: flow.file,
        priority: flow.priority,
        status,
        durationMs: base + d * 37,
      });
    });
    await store.recordRun(
      aRunResult({ project: fullName, startedAt, finishedAt: startedAt, status: "passed", flows }),
      { projectId, source: "ci" },
    );
  }
}

/**
 * Mixpanel as Perceo reads it: the real provider, its export requests answered from generated events
 * in the export's own shape (JSONL, `time` in ms, `$insert_id`, the web SDK's properties).
 */
function generatedMixpanel(project: PerceoProject, coverage: CoverageMap): AnalyticsProvider {
  const events = generatedEvents(project, coverage);
  const os = { desktop: "Mac OS X", mobile: "iOS", tablet: "iOS", other: "Linux" } as const;
  const exportAnswer = (url: URL): Response => {
    const from = url.searchParams.get("from_date") ?? "";
    const to = addDays(url.searchParams.get("to_date") ?? "", 1);
    const lines: string[] = [];
    for (const [i, e] of events.entries()) {
      const day = dayOf(e.time);
      if (day < from || day >= to || !e.url) continue;
      const page = new URL(e.url, "https://shop.example");
      lines.push(
        JSON.stringify({
          event: "$mp_web_page_view",
          properties: {
            time: e.time,
            distinct_id: e.userId ?? e.sessionId,
            $insert_id: `gen-${i}`,
            $os: os[e.device ?? "other"],
            ...(e.device === "tablet"
              ? { $device: "iPad" }
              : e.device === "mobile"
                ? { $device: "iPhone" }
                : {}),
            $current_url: page.href,
            current_url_path: page.pathname,
            mp_lib: "web",
          },
        }),
      );
    }
    return new Response(`${lines.join("\n")}\n`, { status: 200, headers: { "content-type": "text/plain" } });
  };
  return providerFromConfig(
    project.config.analytics as NonNullable<PerceoProject["config"]["analytics"]>,
    "perceo-example.4d2c1b.mp-service-account:generated-secret",
    {
      http: {
        fetch: async (input) => {
          const url = new URL(String(input));
          if (url.origin === "https://data-eu.mixpanel.com" && url.pathname === "/api/2.0/export")
            return exportAnswer(url);
          return new Response(JSON.stringify({ error: `not played here: ${url.pathname}` }), { status: 404 });
        },
      },
    },
  );
}

/**
 * The shop's own tables in PostgreSQL: a signup row per new account and an order row per completed
 * checkout. Signups rise from about 4 to 6 a day after the heading change; orders follow checkout,
 * which completes less after the rename. Returns the connection string (the stored secret's value).
 */
async function seedShopTables(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      create table signups (id bigserial primary key, email text not null, created_at timestamptz not null default now());
      create table orders (id bigserial primary key, total_cents integer not null, placed_at timestamptz not null);
      create index on signups (created_at);
      create index on orders (placed_at);
    `);
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let t = START; t < NOW.getTime() - (NOW.getTime() % DAY_MS); t += DAY_MS) {
      const day = dayOf(t);
      const signups = Math.round((day > "2026-10-26" ? 5.9 : 4.1) + (random() - 0.5) * 3);
      const orders = Math.round((day > "2026-11-18" ? 2.4 : 6.2) + (random() - 0.5) * 3);
      for (let i = 0; i < signups; i++) {
        await client.query("insert into signups (email, created_at) values ($1, $2)", [
          `visitor-${day}-${i}@example.com`,
          new Date(t + Math.floor(random() * DAY_MS)),
        ]);
      }
      for (let i = 0; i < orders; i++) {
        await client.query("insert into orders (total_cents, placed_at) values ($1, $2)", [
          2_000 + Math.floor(random() * 18_000),
          new Date(t + Math.floor(random() * DAY_MS)),
        ]);
      }
    }
  } finally {
    await client.end();
  }
  return url;
}

/** Sessions along the shop's funnels, oldest first. */
function generatedEvents(project: PerceoProject, coverage: CoverageMap): SessionEvent[] {
  const funnels = funnelsFromFlows(project.flows, {
    routes: project.config.observer?.routes.map((r) => r.path) ?? [],
    coverage,
  });
  const checkout = funnels.filter((f) => f.name === "checkout");
  const others = funnels.filter((f) => f.name !== "checkout");
  const events: SessionEvent[] = [];
  const add = (batch: string, generated: Iterable<SessionEvent>) => {
    for (const e of generated) {
      events.push({
        ...e,
        sessionId: `${batch}-${e.sessionId}`,
        ...(e.userId ? { userId: `${batch}-${e.userId}` } : {}),
      });
    }
  };
  const rename = Date.parse("2026-11-19T00:00:00Z");
  const heading = Date.parse("2026-10-27T00:00:00Z");
  const end = NOW.getTime() - (NOW.getTime() % DAY);
  const days = (from: number, to: number) => (to - from) / DAY;
  add(
    "browse",
    generateSessionEvents(others, { sessions: 36_000, seed: 11, start: START, days: days(START, end) }),
  );
  add(
    "checkout-before",
    generateSessionEvents(checkout, {
      sessions: 9_000,
      seed: 12,
      start: START,
      days: days(START, rename),
      dropOff: 0.12,
      browseOnly: 0,
    }),
  );
  add(
    "checkout-after",
    generateSessionEvents(checkout, {
      sessions: 420,
      seed: 13,
      start: rename,
      days: days(rename, end),
      dropOff: 0.3,
      browseOnly: 0,
    }),
  );
  // After the heading change more visitors land on the home page and leave.
  for (let t = heading, n = 0; t < end; t += 720_000, n++) {
    events.push({
      sessionId: `bounce-${n}`,
      userId: `b${n % 900}`,
      time: t,
      device: n % 3 ? "mobile" : "desktop",
      url: "/",
    });
  }
  return events.sort((a, b) => a.time - b.time);
}
