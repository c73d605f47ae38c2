import { describe, expect, it } from "vitest";
import {
  assessWindows,
  checkpointWindows,
  dueHorizons,
  MIN_FLOW_ENTRIES_PER_WINDOW,
  MIN_SESSIONS_PER_WINDOW,
  type WindowMetrics,
} from "./correlation.ts";

const windows = checkpointWindows("2025-03-10", 14);
const steady: WindowMetrics = {
  pageviews: 20_000,
  uniqueVisitors: 12_000,
  sessions: 10_000,
  bouncedSessions: 4_000,
  flowEntered: 10_000,
  flowCompleted: 3_000,
};
const assess = (after: Partial<WindowMetrics>, before: Partial<WindowMetrics> = {}) =>
  assessWindows(14, windows, { ...steady, ...before }, { ...steady, ...after });
const outcomeOf = (metric: string, after: Partial<WindowMetrics>, before: Partial<WindowMetrics> = {}) =>
  assess(after, before).comparisons.find((c) => c.metric === metric)?.outcome;

describe("checkpoint windows", () => {
  it("compares equal whole-day windows before and after the change, leaving its own day out", () => {
    expect(checkpointWindows("2025-03-10", 7)).toEqual({
      before: { from: "2025-03-03", to: "2025-03-10" },
      after: { from: "2025-03-11", to: "2025-03-18" },
      dueOn: "2025-03-18",
    });
  });

  it("makes a horizon due only once its after-window is complete", () => {
    expect(dueHorizons("2025-03-10", "2025-03-17")).toEqual([]);
    expect(dueHorizons("2025-03-10", "2025-03-18")).toEqual([7]);
    expect(dueHorizons("2025-03-10", "2025-06-09")).toEqual([7, 14, 30, 60, 90]);
  });
});

describe("correlation thresholds at their edges", () => {
  it("calls conversion improved at exactly +2 points and neutral just below", () => {
    expect(outcomeOf("flow_conversion", { flowCompleted: 3_200 })).toBe("improved");
    expect(outcomeOf("flow_conversion", { flowCompleted: 3_199 })).toBe("neutral");
    expect(outcomeOf("flow_conversion", { flowCompleted: 2_800 })).toBe("regressed");
    expect(assess({ flowCompleted: 2_800 }).outcome).toBe("regressed");
  });

  it("calls a 3-point bounce rise regressed only when it is significant", () => {
    expect(outcomeOf("bounce_rate", { bouncedSessions: 4_300 })).toBe("regressed");
    expect(outcomeOf("bounce_rate", { bouncedSessions: 4_299 })).toBe("neutral");
    expect(outcomeOf("bounce_rate", { bouncedSessions: 3_700 })).toBe("improved");
    // The same 3 points over 1,000 sessions each is within noise (z ≈ 1.4).
    expect(
      outcomeOf(
        "bounce_rate",
        { sessions: 1_000, bouncedSessions: 430 },
        { sessions: 1_000, bouncedSessions: 400 },
      ),
    ).toBe("neutral");
  });

  it("counts a traffic swing of a fifth either way and not less", () => {
    expect(outcomeOf("pageviews", { pageviews: 24_000 })).toBe("improved");
    expect(outcomeOf("pageviews", { pageviews: 23_999 })).toBe("neutral");
    expect(outcomeOf("unique_visitors", { uniqueVisitors: 9_600 })).toBe("regressed");
    expect(outcomeOf("unique_visitors", { uniqueVisitors: 9_601 })).toBe("neutral");
  });

  it("is inconclusive below the minimum sessions in either window", () => {
    const small = { sessions: MIN_SESSIONS_PER_WINDOW, bouncedSessions: 40 };
    expect(assess(small, small).outcome).not.toBe("inconclusive");
    expect(assess({ ...small, sessions: MIN_SESSIONS_PER_WINDOW - 1 }, small).outcome).toBe("inconclusive");
  });

  it("leaves conversion out below the minimum flow entries", () => {
    const few = { flowEntered: MIN_FLOW_ENTRIES_PER_WINDOW - 1, flowCompleted: 5 };
    expect(outcomeOf("flow_conversion", few)).toBe("inconclusive");
    expect(
      outcomeOf("flow_conversion", { flowEntered: MIN_FLOW_ENTRIES_PER_WINDOW, flowCompleted: 40 }),
    ).toBe("improved");
  });

  it("is neutral when nothing moved, and says so metric by metric", () => {
    const result = assess({});
    expect(result.outcome).toBe("neutral");
    expect(result.reasons).toContain("bounce rate: 40.0% → 40.0% (+0.0 pts) neutral");
  });

  it("lets a regression outweigh an improvement", () => {
    expect(assess({ flowCompleted: 3_500, bouncedSessions: 4_500 }).outcome).toBe("regressed");
  });
});
