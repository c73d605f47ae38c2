import type { DayRange, WindowMetrics } from "./correlation.ts";
import { splitUrl } from "./funnel-definition.ts";
import type { FlowDayStats } from "./funnel-matcher.ts";

/** One page's traffic on one day, as providers report it. */
export interface DailyPageMetrics {
  day: string;
  /** The page's path, without origin or query. */
  path: string;
  pageviews: number;
  visitors: number;
  sessions: number;
  bouncedSessions: number;
}

/** Where checkpoint windows get their figures. */
export interface MetricsSource {
  windowMetrics(query: {
    pageUrl: string;
    flows: readonly string[];
    range: DayRange;
  }): Promise<WindowMetrics>;
}

/**
 * Sums daily rows over a window: page rows from a provider (or a sync), flow rows from funnel
 * matching (`FunnelReport.flows[].daily`).
 */
export function dailyMetricsSource(
  pages: readonly DailyPageMetrics[],
  flows: ReadonlyMap<string, readonly FlowDayStats[]> = new Map(),
): MetricsSource {
  return {
    async windowMetrics({ pageUrl, flows: flowNames, range }) {
      const path = splitUrl(pageUrl).path;
      const within = (day: string) => day >= range.from && day < range.to;
      const totals: WindowMetrics = {
        pageviews: 0,
        uniqueVisitors: 0,
        sessions: 0,
        bouncedSessions: 0,
        flowEntered: null,
        flowCompleted: null,
      };
      for (const row of pages) {
        if (row.path !== path || !within(row.day)) continue;
        totals.pageviews += row.pageviews;
        totals.uniqueVisitors += row.visitors;
        totals.sessions += row.sessions;
        totals.bouncedSessions += row.bouncedSessions;
      }
      for (const name of flowNames) {
        const days = flows.get(name);
        if (!days) continue;
        totals.flowEntered ??= 0;
        totals.flowCompleted ??= 0;
        for (const d of days) {
          if (!within(d.day)) continue;
          totals.flowEntered += d.entered;
          totals.flowCompleted += d.completed;
        }
      }
      return totals;
    },
  };
}
