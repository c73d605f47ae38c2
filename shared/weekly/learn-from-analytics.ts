import {
  type AnalyticsProvider,
  type AnalyticsSource,
  addDays,
  CHECKPOINT_HORIZONS,
  type CheckpointRecord,
  checkpointWindows,
  coverageGapInsights,
  createFunnelMatcher,
  dailyMetricsSource,
  discrepancyInsights,
  type FlowDayStats,
  type FunnelOptions,
  type FunnelReport,
  funnelsFromFlows,
  type InsightDraft,
  type OutcomeSource,
  recordDueCheckpoints,
  recordInsights,
  regressionInsights,
  splitUrl,
  stepMatchesUrl,
  type TrackedChange,
} from "../analytics/index.ts";
import type { PerceoProject } from "../config/index.ts";
import type { FlowMetricInput, Page, Store } from "../store/index.ts";

// Funnels are matched over the last four weeks, and further back only as far as a pending
// checkpoint's before-window needs, never more than this.
const FUNNEL_DAYS = 28;
const MAX_DAYS_BACK = 120;

export interface AnalyticsLesson {
  source: AnalyticsSource;
  /** Checkpoints this run wrote. */
  checkpoints: CheckpointRecord[];
  /** Production funnels (PostHog only). */
  report?: FunnelReport;
  insights: number;
}

/**
 * What production says this week:
 * 1. match sessions to flows (PostHog events) and keep each flow's daily success rate
 * 2. measure the checkpoints that came due for changes being watched, and move their status
 * 3. insights: regressions, coverage gaps, and flows CI passes that users fail more since the last change
 */
export async function learnFromAnalytics(input: {
  store: Store;
  projectId: string;
  provider: AnalyticsProvider;
  project: PerceoProject;
  /** The pages being watched, by id. */
  pages: ReadonlyMap<string, Page>;
  /** YYYY-MM-DD (UTC); the day itself is not measured. */
  today: string;
  /** Pass rate of each flow's synthetic runs this week. */
  synthetic: ReadonlyMap<string, number>;
  /** The recorded coverage map: flows with a recording get their funnel from the pages they visited. */
  coverage?: FunnelOptions["coverage"];
  /** The team's outcome tables, counted in every checkpoint's windows. */
  outcomes?: OutcomeSource;
}): Promise<AnalyticsLesson> {
  const { store, projectId, provider, today } = input;
  const funnels = funnelsFromFlows(input.project.flows, {
    routes: input.project.config.observer?.routes.map((r) => r.path) ?? [],
    ...(input.coverage ? { coverage: input.coverage } : {}),
  });
  const watching = (await store.listDetectedChanges(projectId, { status: "watching", limit: 1_000 })).filter(
    (c) => input.pages.has(c.pageId),
  );
  const recorded = await store.listChangeCheckpoints(watching.map((c) => c.id));
  const done = new Set(recorded.map((c) => `${c.changeId}:${c.horizonDays}`));
  let earliest = addDays(today, -FUNNEL_DAYS);
  for (const change of watching) {
    for (const horizon of CHECKPOINT_HORIZONS) {
      const windows = checkpointWindows(change.firstDetectedDate, horizon);
      if (windows.dueOn > today || done.has(`${change.id}:${horizon}`)) continue;
      if (windows.before.from < earliest) earliest = windows.before.from;
    }
  }
  const floor = addDays(today, -MAX_DAYS_BACK);
  const from = [earliest, floor].sort()[1] as string;
  const range = { from, to: today };

  let report: FunnelReport | undefined;
  const flowDays = new Map<string, readonly FlowDayStats[]>();
  if (provider.fetchEvents) {
    const matcher = createFunnelMatcher(funnels);
    for await (const page of provider.fetchEvents(range)) for (const event of page) matcher.push(event);
    report = matcher.finish();
    for (const flow of report.flows) flowDays.set(flow.flow, flow.daily);
    await store.recordFlowMetrics(projectId, productionMetrics(report));
  }

  let checkpoints: CheckpointRecord[] = [];
  if (watching.length > 0) {
    const pages = await provider.fetchDailyPageMetrics(range);
    const tracked: TrackedChange[] = watching.map((change) => {
      const page = input.pages.get(change.pageId) as Page;
      const path = splitUrl(page.url).path;
      const flows = funnels.filter((f) => f.steps.some((s) => stepMatchesUrl(s, path))).map((f) => f.name);
      // Conversion is judged only on days the funnel data covers.
      return {
        change,
        pageUrl: page.url,
        ...(page.name ? { pageName: page.name } : {}),
        flows: flowDays.size > 0 ? flows : [],
      };
    });
    checkpoints = await recordDueCheckpoints({
      store,
      source: dailyMetricsSource(pages, flowDays),
      changes: tracked,
      today,
      ...(input.outcomes ? { outcomes: input.outcomes } : {}),
    });
    const drafts: InsightDraft[] = regressionInsights(
      checkpoints.filter((c) => c.created),
      tracked,
    );
    await recordInsights(store, projectId, drafts);
  }

  const drafts: InsightDraft[] = [];
  if (report) {
    drafts.push(...coverageGapInsights(report));
    const deployDay = (await store.listDetectedChanges(projectId, { limit: 1 }))[0]?.firstDetectedDate;
    if (deployDay && deployDay >= range.from && deployDay < today) {
      const priorities = new Map(input.project.flows.map((f) => [f.name, f.priority]));
      drafts.push(
        ...discrepancyInsights({ flows: report.flows, synthetic: input.synthetic, deployDay, priorities }),
      );
    }
  }
  await recordInsights(store, projectId, drafts);
  return {
    source: provider.source,
    checkpoints,
    ...(report ? { report } : {}),
    insights: drafts.length,
  };
}

function productionMetrics(report: FunnelReport): FlowMetricInput[] {
  const metrics: FlowMetricInput[] = [];
  for (const flow of report.flows) {
    for (const day of flow.daily) {
      if (day.entered === 0) continue;
      metrics.push({
        flowName: flow.flow,
        source: "production",
        metric: "success_rate",
        day: day.day,
        value: day.completed / day.entered,
        samples: day.entered,
      });
    }
  }
  return metrics;
}
