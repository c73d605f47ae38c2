/*
 * The weekly scan issue for the example shop, rendered the way the App writes it, so a person can
 * read it: `node examples/weekly-issue/render-weekly-issue.ts [--out weekly-issue.md]`.
 *
 * Real parts: the shop in Chromium (its flows run once with coverage recorded, as
 * `perceo run --coverage` writes `.perceo/coverage.json`; captures and audits), PGlite with every
 * migration, the funnel matcher, checkpoints and insights. Generated parts, stated here: 90 days of
 * analytics (PostHog-like events along the pages the shop's flows really visited, so a login goes
 * through /login and a signup through /signup; the home page bounces more after a heading change on 26 Oct,
 * checkout completes less after "Add to cart" became "Add to bag" on 18 Nov), a week of CI runs,
 * and the changes the deploy diff detected.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  type AnalyticsProvider,
  type DailyPageMetrics,
  dayOf,
  funnelsFromFlows,
  type ProviderEvent,
  splitUrl,
} from "../../shared/analytics/index.ts";
import { generateSessionEvents } from "../../shared/analytics/testing/generate-events.ts";
import { BrowserPool } from "../../shared/capture/index.ts";
import { loadProject, type PerceoProject } from "../../shared/config/index.ts";
import { buildCoverageMap, type CoverageMap } from "../../shared/observer/index.ts";
import { renderFindingComment, renderWeeklyIssue } from "../../shared/report/index.ts";
import { type RecordedCoverage, runFlows } from "../../shared/runner/index.ts";
import { openPostgresStore, type Store } from "../../shared/store/index.ts";
import { aFlow, aRunResult } from "../../shared/store/testing/index.ts";
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
      analytics: { provider: "posthog", projectId: "4242", host: "eu", secret: "posthog-key" },
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
    provider: generatedAnalytics(project, coverage),
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

/** PostHog as far as Perceo reads it, answered from generated events. */
function generatedAnalytics(project: PerceoProject, coverage: CoverageMap): AnalyticsProvider {
  const funnels = funnelsFromFlows(project.flows, {
    routes: project.config.observer?.routes.map((r) => r.path) ?? [],
    coverage,
  });
  const checkout = funnels.filter((f) => f.name === "checkout");
  const others = funnels.filter((f) => f.name !== "checkout");
  const events: ProviderEvent[] = [];
  const add = (
    batch: string,
    generated: Iterable<{
      sessionId: string;
      userId?: string;
      time: number;
      device?: string;
      url?: string;
      event?: string;
    }>,
  ) => {
    for (const e of generated) {
      events.push({
        ...(e as ProviderEvent),
        sessionId: `${batch}-${e.sessionId}`,
        eventId: `${batch}-${events.length}`,
        name: e.event ?? "$pageview",
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
      eventId: `bounce-${n}`,
      name: "$pageview",
    });
  }
  events.sort((a, b) => a.time - b.time);
  const inRange = (range: { from: string; to: string }) =>
    events.filter((e) => {
      const day = dayOf(e.time);
      return day >= range.from && day < range.to;
    });
  return {
    source: "posthog",
    async *fetchEvents(range) {
      const selected = inRange(range);
      for (let i = 0; i < selected.length; i += 10_000) yield selected.slice(i, i + 10_000);
    },
    async fetchDailyPageMetrics(range) {
      const rows = new Map<string, DailyPageMetrics & { users: Set<string> }>();
      const row = (day: string, pagePath: string) => {
        const key = `${day} ${pagePath}`;
        let found = rows.get(key);
        if (!found) {
          found = {
            day,
            path: pagePath,
            pageviews: 0,
            visitors: 0,
            sessions: 0,
            bouncedSessions: 0,
            users: new Set(),
          };
          rows.set(key, found);
        }
        return found;
      };
      const sessions = new Map<string, ProviderEvent[]>();
      for (const e of inRange(range)) {
        if (!e.url) continue;
        const r = row(dayOf(e.time), splitUrl(e.url).path);
        r.pageviews++;
        r.users.add(e.userId ?? e.sessionId);
        const list = sessions.get(e.sessionId) ?? [];
        list.push(e);
        sessions.set(e.sessionId, list);
      }
      for (const list of sessions.values()) {
        const first = list[0] as ProviderEvent;
        const entry = row(dayOf(first.time), splitUrl(first.url ?? "/").path);
        entry.sessions++;
        if (list.length === 1) entry.bouncedSessions++;
      }
      return [...rows.values()].map(({ users, ...r }) => ({ ...r, visitors: users.size }));
    },
  };
}
