import type { CheckpointHorizon, CheckpointInput } from "../store/index.ts";

/*
 * Did a detected change help or hurt? At 7, 14, 30, 60 and 90 days after the day a change was first
 * seen, the same number of whole days before and after it are compared on four metrics. The day of
 * the change itself belongs to neither window: a deploy mid-day mixes both versions.
 *
 *   before = [D − h, D)      after = [D + 1, D + 1 + h)      due once today ≥ D + 1 + h
 */

export const CHECKPOINT_HORIZONS: readonly CheckpointHorizon[] = [7, 14, 30, 60, 90];

// Below this many sessions in either window, rates swing by several points from noise alone
// (a 40% bounce rate over 100 sessions has a standard error of about 5 points): inconclusive.
export const MIN_SESSIONS_PER_WINDOW = 100;
// Conversion is judged only when at least this many sessions entered the page's flows in each window.
export const MIN_FLOW_ENTRIES_PER_WINDOW = 50;
// Two-sided 95% confidence for the two-proportion z-test on bounce rate and conversion.
export const Z_CRITICAL = 1.96;
// Smallest changes worth telling a team about, even when significant on a large site.
export const MIN_CONVERSION_CHANGE = 0.02; // 2 percentage points of flow success
export const MIN_BOUNCE_CHANGE = 0.03; // 3 percentage points of bounce rate
// Traffic moves with seasons and campaigns: only a swing of a fifth either way counts.
export const MIN_TRAFFIC_CHANGE = 0.2;
// Earlier checkpoints are recorded but too noisy to settle a change's status.
export const DECIDING_HORIZON = 14;
// A change that did no measurable harm for this long is validated.
export const NEUTRAL_VALIDATES_AT = 30;

export type Outcome = "improved" | "regressed" | "neutral" | "inconclusive";

/** Totals over a window of whole days. Visitors are visitor-days: each day's distinct visitors, summed. */
export interface WindowMetrics {
  pageviews: number;
  uniqueVisitors: number;
  sessions: number;
  bouncedSessions: number;
  /** Sessions that entered / completed the flows through this page; null when no flow covers it. */
  flowEntered: number | null;
  flowCompleted: number | null;
}

export interface DayRange {
  /** First day, YYYY-MM-DD (UTC). */
  from: string;
  /** Day after the last, YYYY-MM-DD. */
  to: string;
}

export interface MetricComparison {
  metric: "pageviews" | "unique_visitors" | "bounce_rate" | "flow_conversion";
  before: number | null;
  after: number | null;
  /** Relative for traffic, absolute (rate points) for bounce and conversion. */
  change: number | null;
  z?: number;
  outcome: Outcome;
}

export interface CheckpointAssessment {
  horizonDays: CheckpointHorizon;
  before: DayRange;
  after: DayRange;
  outcome: Outcome;
  comparisons: MetricComparison[];
  /**
   * Rows of the team's outcome tables (signups, orders) in each window. Counted, not judged: a
   * table's rows come from the whole product, not from the one page that changed.
   */
  outcomes?: OutcomeWindows[];
  /** Why the outcome tables could not be counted. */
  outcomesError?: string;
  /** One line per metric, for reports. */
  reasons: string[];
}

export interface OutcomeWindows {
  name: string;
  before: number;
  after: number;
}

/** `41 signups in the 7 days after, 29 before`. */
export function describeOutcome(outcome: OutcomeWindows, horizonDays: number, after = "after"): string {
  return `${outcome.after.toLocaleString("en-US")} ${outcome.name} in the ${horizonDays} days ${after}, ${outcome.before.toLocaleString("en-US")} before`;
}

export function addDays(day: string, days: number): string {
  const time = Date.parse(`${day}T00:00:00.000Z`) + days * 86_400_000;
  return new Date(time).toISOString().slice(0, 10);
}

export function checkpointWindows(
  firstDetectedDate: string,
  horizonDays: number,
): { before: DayRange; after: DayRange; dueOn: string } {
  const after = { from: addDays(firstDetectedDate, 1), to: addDays(firstDetectedDate, 1 + horizonDays) };
  return {
    before: { from: addDays(firstDetectedDate, -horizonDays), to: firstDetectedDate },
    after,
    dueOn: after.to,
  };
}

/** Horizons whose after-window is complete on `today` (YYYY-MM-DD). */
export function dueHorizons(firstDetectedDate: string, today: string): CheckpointHorizon[] {
  return CHECKPOINT_HORIZONS.filter((h) => checkpointWindows(firstDetectedDate, h).dueOn <= today);
}

export function assessWindows(
  horizonDays: CheckpointHorizon,
  windows: { before: DayRange; after: DayRange },
  before: WindowMetrics,
  after: WindowMetrics,
): CheckpointAssessment {
  const comparisons: MetricComparison[] = [];
  const enough = before.sessions >= MIN_SESSIONS_PER_WINDOW && after.sessions >= MIN_SESSIONS_PER_WINDOW;
  comparisons.push(compareTraffic("pageviews", before.pageviews, after.pageviews, enough));
  comparisons.push(compareTraffic("unique_visitors", before.uniqueVisitors, after.uniqueVisitors, enough));
  comparisons.push(
    compareRates(
      "bounce_rate",
      before.bouncedSessions,
      before.sessions,
      after.bouncedSessions,
      after.sessions,
      {
        minSamples: MIN_SESSIONS_PER_WINDOW,
        minChange: MIN_BOUNCE_CHANGE,
        higherIsBetter: false,
      },
    ),
  );
  if (before.flowEntered !== null && after.flowEntered !== null) {
    comparisons.push(
      compareRates(
        "flow_conversion",
        before.flowCompleted ?? 0,
        before.flowEntered,
        after.flowCompleted ?? 0,
        after.flowEntered,
        { minSamples: MIN_FLOW_ENTRIES_PER_WINDOW, minChange: MIN_CONVERSION_CHANGE, higherIsBetter: true },
      ),
    );
  }
  return {
    horizonDays,
    ...windows,
    outcome: enough ? overallOutcome(comparisons) : "inconclusive",
    comparisons,
    reasons: comparisons.map(describeComparison),
  };
}

function overallOutcome(comparisons: MetricComparison[]): Outcome {
  const judged = comparisons.filter((c) => c.outcome !== "inconclusive");
  if (judged.length === 0) return "inconclusive";
  if (judged.some((c) => c.outcome === "regressed")) return "regressed";
  if (judged.some((c) => c.outcome === "improved")) return "improved";
  return "neutral";
}

function compareTraffic(
  metric: "pageviews" | "unique_visitors",
  before: number,
  after: number,
  enough: boolean,
): MetricComparison {
  if (!enough || before === 0) return { metric, before, after, change: null, outcome: "inconclusive" };
  const change = (after - before) / before;
  const outcome =
    change >= MIN_TRAFFIC_CHANGE ? "improved" : change <= -MIN_TRAFFIC_CHANGE ? "regressed" : "neutral";
  return { metric, before, after, change, outcome };
}

function compareRates(
  metric: "bounce_rate" | "flow_conversion",
  hitsBefore: number,
  nBefore: number,
  hitsAfter: number,
  nAfter: number,
  rule: { minSamples: number; minChange: number; higherIsBetter: boolean },
): MetricComparison {
  const before = nBefore > 0 ? hitsBefore / nBefore : null;
  const after = nAfter > 0 ? hitsAfter / nAfter : null;
  if (before === null || after === null || nBefore < rule.minSamples || nAfter < rule.minSamples) {
    return { metric, before, after, change: null, outcome: "inconclusive" };
  }
  const change = after - before;
  const pooled = (hitsBefore + hitsAfter) / (nBefore + nAfter);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nBefore + 1 / nAfter));
  const z = se > 0 ? change / se : change === 0 ? 0 : Number.POSITIVE_INFINITY * Math.sign(change);
  // Rounded so that a change of exactly the threshold is not lost to floating point (0.42 − 0.4).
  const size = Math.round(Math.abs(change) * 1e9) / 1e9;
  if (Math.abs(z) < Z_CRITICAL || size < rule.minChange)
    return { metric, before, after, change, z, outcome: "neutral" };
  const better = rule.higherIsBetter ? change > 0 : change < 0;
  return { metric, before, after, change, z, outcome: better ? "improved" : "regressed" };
}

function describeComparison(c: MetricComparison): string {
  const name = c.metric.replace("_", " ");
  if (c.change === null) return `${name}: not enough data`;
  const rate = c.metric === "bounce_rate" || c.metric === "flow_conversion";
  const fmt = (v: number | null) =>
    v === null ? "–" : rate ? `${(v * 100).toFixed(1)}%` : Math.round(v).toLocaleString("en-US");
  const delta = rate
    ? `${c.change >= 0 ? "+" : ""}${(c.change * 100).toFixed(1)} pts`
    : `${c.change >= 0 ? "+" : ""}${(c.change * 100).toFixed(0)}%`;
  return `${name}: ${fmt(c.before)} → ${fmt(c.after)} (${delta}) ${c.outcome}`;
}

/** The database's words for an outcome. */
export function verdictOf(outcome: Outcome): CheckpointInput["verdict"] {
  switch (outcome) {
    case "improved":
      return "improved";
    case "regressed":
      return "worsened";
    case "neutral":
      return "neutral";
    case "inconclusive":
      return "insufficient_data";
  }
}
