import { describe, expect, it } from "vitest";
import type { CheckpointRecord, TrackedChange } from "./checkpoints.ts";
import { pathTemplate } from "./funnel-definition.ts";
import type { FlowFunnelStats } from "./funnel-matcher.ts";
import { coverageGapInsights, discrepancyInsights, regressionInsights } from "./insights.ts";

const flow = (daily: FlowFunnelStats["daily"]): FlowFunnelStats =>
  ({
    flow: "checkout",
    daily,
    topExitStep: { index: 1, step: "/checkout", sessions: 90 },
  }) as FlowFunnelStats;

describe("insights", () => {
  it("flags a flow CI passes whose production success fell by more than the margin after a deploy", () => {
    const fell = flow([
      { day: "2025-03-01", entered: 200, completed: 120, users: 150 },
      { day: "2025-03-03", entered: 200, completed: 90, users: 150 },
    ]);
    const [insight] = discrepancyInsights({
      flows: [fell],
      synthetic: new Map([["checkout", 1]]),
      deployDay: "2025-03-02",
    });
    expect(insight).toMatchObject({ fingerprint: "analytics:discrepancy:checkout", severity: "high" });
    expect(insight?.body).toMatch(/60.0% to 45.0%/);
    // A 10-point fall is within the margin; a failing CI run is CI's news, not a discrepancy.
    const edge = flow([
      { day: "2025-03-01", entered: 200, completed: 120, users: 1 },
      { day: "2025-03-03", entered: 200, completed: 100, users: 1 },
    ]);
    expect(
      discrepancyInsights({ flows: [edge], synthetic: new Map([["checkout", 1]]), deployDay: "2025-03-02" }),
    ).toEqual([]);
    expect(
      discrepancyInsights({
        flows: [fell],
        synthetic: new Map([["checkout", 0.5]]),
        deployDay: "2025-03-02",
      }),
    ).toEqual([]);
  });

  it("reports frequent pages no flow visits, grouped by route, and skips rare or covered ones", () => {
    const drafts = coverageGapInsights({
      sessions: 1_000,
      pages: [
        { path: "/gift-cards", pageviews: 300, sessions: 150, covered: false },
        { path: "/orders/1001", pageviews: 40, sessions: 40, covered: false },
        { path: "/orders/1002", pageviews: 40, sessions: 40, covered: false },
        { path: "/cart", pageviews: 900, sessions: 500, covered: true },
        { path: "/press", pageviews: 10, sessions: 10, covered: false },
      ],
    });
    expect(drafts.map((d) => [d.fingerprint, d.severity])).toEqual([
      ["coverage_gap:/gift-cards", "medium"],
      ["coverage_gap:/orders/:id", "low"],
    ]);
    expect(pathTemplate("/orders/1042")).toBe("/orders/:id");
  });

  it("names a regressed change's page by its configured name, else its path, never its host", () => {
    const record = {
      changeId: "c1",
      horizonDays: 14,
      created: true,
      verdict: "worsened",
      assessment: {
        before: { from: "2026-10-12", to: "2026-10-26" },
        after: { from: "2026-10-27", to: "2026-11-10" },
        reasons: ["bounce rate: 30% → 70% regressed"],
        comparisons: [{ metric: "bounce_rate", outcome: "regressed" }],
      },
    } as unknown as CheckpointRecord;
    const tracked = (pageName?: string) =>
      ({
        change: { id: "c1", element: "Heading", before: "a", after: "b" },
        pageUrl: "http://127.0.0.1:42221/products?x=1",
        flows: [],
        ...(pageName ? { pageName } : {}),
      }) as unknown as TrackedChange;
    expect(regressionInsights([record], [tracked("Catalog")])[0]?.title).toBe(
      "Heading on Catalog regressed bounce rate",
    );
    expect(regressionInsights([record], [tracked()])[0]?.title).toBe(
      "Heading on /products regressed bounce rate",
    );
  });
});
