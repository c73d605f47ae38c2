import {
  type AnalyticsProvider,
  type AnalyticsSource,
  addDays,
  type FlowFunnelStats,
  type FunnelOptions,
  type OutcomeDatabase,
  type OutcomeSource,
  type OutcomeWindows,
} from "../analytics/index.ts";
import type { BrowserPool, HostResolver } from "../capture/index.ts";
import type { PerceoProject } from "../config/index.ts";
import type { AnthropicClientOptions } from "../llm/index.ts";
import type {
  ChangeCheckpoint,
  DetectedChange,
  FlowHealth,
  Insight,
  Page,
  Store,
  TrackedSuggestion,
  WeeklySuggestionInput,
} from "../store/index.ts";
import { learnFromAnalytics } from "./learn-from-analytics.ts";
import { byImpact, feedbackKey, findingTitle, type PageFinding } from "./page-findings.ts";
import { type PageScan, scanPages } from "./scan-pages.ts";
import { isoWeekStart } from "./week.ts";

type CoverageUrls = NonNullable<FunnelOptions["coverage"]>;

/** Everything the weekly issue says, gathered without GitHub. */
export interface WeeklyReport {
  project: string;
  /** YYYY-MM-DD the scan ran for (the title). */
  scanDate: string;
  weekStart: string;
  /** The week looked back on: [since, until). */
  since: string;
  until: string;
  pages: Array<{
    name: string;
    url: string;
    findings: number;
    error?: string;
    loadMs?: number;
    transferBytes?: number;
  }>;
  /** Shown findings, highest impact first, with how many weeks each was suggested. */
  findings: Array<PageFinding & { timesSuggested: number }>;
  /** Findings left out because someone 👎'd them and nothing changed since. */
  hiddenByFeedback: number;
  /** Suggestions of earlier weeks this scan no longer found. */
  addressed: TrackedSuggestion[];
  /**
   * Changes that appeared this week (`firstDetectedDate >= since`), then older ones still being
   * measured or whose status or a checkpoint moved this week.
   */
  changes: Array<{ change: DetectedChange; pageName: string; checkpoints: ChangeCheckpoint[] }>;
  flowHealth: FlowHealth[];
  analytics:
    | { state: "off" }
    | { state: "failed"; source: AnalyticsSource; error: string }
    | {
        state: "read";
        source: AnalyticsSource;
        productionFlows: FlowFunnelStats[];
        checkpointsWritten: number;
      };
  /** The team's own outcome tables (signups, orders): this week against the one before, and at checkpoints. */
  outcomes:
    | { state: "off" }
    | { state: "failed"; database: OutcomeDatabase; error: string }
    | {
        state: "read";
        database: OutcomeDatabase;
        weeks: Array<{ name: string; thisWeek: number; weekBefore: number }>;
        /** Checkpoints measured this week, with each outcome's rows before and after the change. */
        checkpoints: Array<{
          pageName: string;
          element: string;
          horizonDays: number;
          outcomes: OutcomeWindows[];
        }>;
      };
  coverageGaps: Insight[];
  insights: Insight[];
  /** Claude looked at the pages. */
  vision: "off" | "on" | "failed";
}

export interface CollectInput {
  store: Store;
  projectId: string;
  projectName: string;
  project: PerceoProject;
  commitSha: string;
  now: Date;
  pool: BrowserPool;
  resolve?: HostResolver;
  /** What the SSRF guard lets through although private; default the config's `allowedTargets`. */
  allowedTargets?: readonly string[];
  /** Claude's vision audit; none: off. */
  llm?: AnthropicClientOptions;
  /** The configured analytics with its key; the caller decides where a key may come from and go. */
  provider?: AnalyticsProvider;
  /** Why the configured analytics cannot be read (no key stored, a host not allowed): the issue says so. */
  analyticsUnavailable?: string;
  /** Anthropic's API root (tests). */
  llmBaseUrl?: string;
  /** `.perceo/coverage.json` when recorded: production funnels follow the pages each flow visited. */
  coverage?: CoverageUrls;
  /** The configured outcome tables with their credential; the caller decides where it may come from. */
  outcomes?: OutcomeSource;
  /** Why the configured outcome tables cannot be read (no credential stored, a host not allowed). */
  outcomesUnavailable?: string;
}

/**
 * 1. scan every configured page (capture, audit, vision), 2. leave out what people 👎'd, 3. track
 * suggestions (count the week, mark the vanished addressed), 4. learn from analytics, 5. gather the
 * week's changes, flow health and open insights.
 */
export async function collectWeeklyReport(input: CollectInput): Promise<WeeklyReport> {
  const { store, projectId, now } = input;
  const weekStart = isoWeekStart(now);
  const until = now.toISOString().slice(0, 10);
  const since = addDays(until, -7);
  const config = input.project.config;

  const llm = input.llm;
  const allowedTargets = input.allowedTargets ?? config.allowedTargets;
  const scans = await scanPages({
    store,
    projectId,
    commitSha: input.commitSha,
    pages: config.pages ?? [],
    pool: input.pool,
    ...(allowedTargets ? { allowedTargets } : {}),
    ...(input.resolve ? { resolve: input.resolve } : {}),
    ...(llm ? { llm: { ...llm, ...(input.llmBaseUrl ? { baseUrl: input.llmBaseUrl } : {}) } } : {}),
  });

  const all = scans.flatMap((s) => s.findings);
  const ignored = new Set(await store.listIgnoredFingerprints(projectId));
  const shown = byImpact(all.filter((f) => !ignored.has(feedbackKey(f))));
  const tracked = await store.recordWeeklySuggestions(projectId, weekStart, shown.map(asSuggestion));
  const times = new Map(tracked.map((t) => [t.fingerprint, t.timesSuggested]));
  const scanned = scans.filter((s) => !s.error).map((s) => s.page.id);
  const addressed = await store.markSuggestionsAddressed(
    projectId,
    scanned,
    all.map((f) => f.fingerprint),
  );

  const flowHealth = await store.flowHealth(projectId, {
    since: new Date(`${since}T00:00:00Z`),
    until: now,
  });
  const pagesById = new Map<string, Page>(scans.map((s) => [s.page.id, s.page]));
  const analytics = await readAnalytics(input, pagesById, flowHealth, until);

  const recent = await store.listDetectedChanges(projectId, {
    since: new Date(`${addDays(until, -90)}T00:00:00Z`),
    limit: 500,
  });
  const allCheckpoints = await store.listChangeCheckpoints(recent.map((c) => c.id));
  const measuredThisWeek = new Set(
    allCheckpoints.filter((c) => c.measuredAt.slice(0, 10) >= since).map((c) => c.changeId),
  );
  const ofTheWeek = recent
    .filter(
      (c) =>
        c.firstDetectedDate >= since ||
        c.status === "watching" ||
        c.statusChangedAt.slice(0, 10) >= since ||
        measuredThisWeek.has(c.id),
    )
    .sort(
      (a, b) =>
        Number(b.firstDetectedDate >= since) - Number(a.firstDetectedDate >= since) ||
        b.firstDetectedDate.localeCompare(a.firstDetectedDate),
    );
  const checkpoints = allCheckpoints;
  const names = new Map(scans.map((s) => [s.page.id, s.name]));
  const changesById = new Map(recent.map((c) => [c.id, c]));
  const outcomes = await readOutcomes(
    input,
    since,
    until,
    (changeId) => {
      const change = changesById.get(changeId);
      return change
        ? { pageName: names.get(change.pageId) ?? "a page no longer configured", element: change.element }
        : undefined;
    },
    allCheckpoints.filter((c) => c.measuredAt.slice(0, 10) >= since),
  );
  const openInsights = await store.listInsights(projectId, { status: ["open"], limit: 100 });

  return {
    project: input.projectName,
    scanDate: until,
    weekStart,
    since,
    until,
    pages: scans.map(pageSummary),
    findings: shown.map((f) => ({ ...f, timesSuggested: times.get(f.fingerprint) ?? 1 })),
    hiddenByFeedback: all.length - shown.length,
    addressed,
    changes: ofTheWeek.map((change) => ({
      change,
      pageName: names.get(change.pageId) ?? "a page no longer configured",
      checkpoints: checkpoints.filter((c) => c.changeId === change.id),
    })),
    flowHealth,
    analytics,
    outcomes,
    coverageGaps: openInsights.filter((i) => i.kind === "coverage_gap"),
    insights: openInsights.filter((i) => i.kind !== "coverage_gap"),
    vision: !llm ? "off" : scans.some((s) => s.visionError) ? "failed" : "on",
  };
}

async function readAnalytics(
  input: CollectInput,
  pages: ReadonlyMap<string, Page>,
  flowHealth: readonly FlowHealth[],
  today: string,
): Promise<WeeklyReport["analytics"]> {
  const settings = input.project.config.analytics;
  if (!input.provider && !settings) return { state: "off" };
  const source = input.provider?.source ?? (settings?.provider as AnalyticsSource);
  const provider = input.provider;
  if (!provider) {
    return { state: "failed", source, error: input.analyticsUnavailable ?? "no analytics key was given" };
  }
  try {
    const synthetic = new Map(
      flowHealth.filter((f) => f.passRate !== null).map((f) => [f.flowName, f.passRate as number]),
    );
    const lesson = await learnFromAnalytics({
      store: input.store,
      projectId: input.projectId,
      provider,
      project: input.project,
      pages,
      today,
      synthetic,
      ...(input.coverage ? { coverage: input.coverage } : {}),
      ...(input.outcomes ? { outcomes: input.outcomes } : {}),
    });
    return {
      state: "read",
      source,
      productionFlows: lesson.report?.flows ?? [],
      checkpointsWritten: lesson.checkpoints.filter((c) => c.created).length,
    };
  } catch (error) {
    return { state: "failed", source, error: (error as Error).message };
  }
}

async function readOutcomes(
  input: CollectInput,
  since: string,
  until: string,
  changeOf: (changeId: string) => { pageName: string; element: string } | undefined,
  measuredThisWeek: readonly ChangeCheckpoint[],
): Promise<WeeklyReport["outcomes"]> {
  const settings = input.project.config.analytics?.outcomes;
  if (!settings && !input.outcomes) return { state: "off" };
  const database = input.outcomes?.database ?? (settings?.database as OutcomeDatabase);
  if (!input.outcomes) {
    return {
      state: "failed",
      database,
      error: input.outcomesUnavailable ?? "no database credential was given",
    };
  }
  try {
    const [thisWeek = [], weekBefore = []] = await input.outcomes.countWindows([
      { from: since, to: until },
      { from: addDays(since, -7), to: since },
    ]);
    const checkpoints: Extract<WeeklyReport["outcomes"], { state: "read" }>["checkpoints"] = [];
    for (const checkpoint of [...measuredThisWeek].sort((a, b) => a.horizonDays - b.horizonDays)) {
      const counted = storedOutcomes(checkpoint.metrics);
      const change = changeOf(checkpoint.changeId);
      if (counted.length > 0 && change)
        checkpoints.push({ ...change, horizonDays: checkpoint.horizonDays, outcomes: counted });
    }
    return {
      state: "read",
      database,
      weeks: thisWeek.map((c, i) => ({
        name: c.name,
        thisWeek: c.count,
        weekBefore: weekBefore[i]?.count ?? 0,
      })),
      checkpoints,
    };
  } catch (error) {
    return { state: "failed", database, error: (error as Error).message };
  } finally {
    await input.outcomes.close();
  }
}

/** A checkpoint's stored `metrics.outcomes`, as recordDueCheckpoints wrote it (older ones have none). */
function storedOutcomes(metrics: Record<string, unknown>): OutcomeWindows[] {
  const list = metrics.outcomes;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (o): o is OutcomeWindows =>
      typeof o === "object" &&
      o !== null &&
      typeof (o as OutcomeWindows).name === "string" &&
      typeof (o as OutcomeWindows).before === "number" &&
      typeof (o as OutcomeWindows).after === "number",
  );
}

function asSuggestion(finding: PageFinding): WeeklySuggestionInput {
  return {
    fingerprint: finding.fingerprint,
    source: finding.check === "vision" ? "llm" : "weekly_scan",
    title: findingTitle(finding),
    body: finding.suggestion,
    pageId: finding.pageId,
    impact: finding.impact,
  };
}

function pageSummary(scan: PageScan): WeeklyReport["pages"][number] {
  return {
    name: scan.name,
    url: scan.page.url,
    findings: scan.findings.length,
    ...(scan.error ? { error: scan.error } : {}),
    ...(scan.loadMs !== undefined ? { loadMs: scan.loadMs } : {}),
    ...(scan.transferBytes !== undefined ? { transferBytes: scan.transferBytes } : {}),
  };
}
