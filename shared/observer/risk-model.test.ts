import { describe, expect, it } from "vitest";
import { RISK_FEATURES } from "./risk-features.ts";
import {
  fitRiskWeights,
  formatRiskInputs,
  MIN_OUTCOMES,
  PRIOR_WEIGHTS,
  parseRiskInputs,
  predictRisk,
  projectRiskModel,
  type RecordedOutcome,
} from "./risk-model.ts";
import type { RiskFeatures } from "./types.ts";

const none = Object.fromEntries(RISK_FEATURES.map((f) => [f, 0])) as RiskFeatures;
const features = (set: Partial<RiskFeatures>): RiskFeatures => ({ ...none, ...set });

const routeLogic = features({ route: 1, hops: 1, logic: 1, lines: 1 });
const layoutStyling = features({ hops: 4, layout: 1, styling: 1, lines: 1 });

function outcome(
  x: RiskFeatures,
  failed: boolean,
  flowName = "checkout",
  files = "src/cart.ts",
): RecordedOutcome {
  return {
    flowName,
    probability: predictRisk(PRIOR_WEIGHTS, x),
    reasoning: `${files} reaches route /cart\n${formatRiskInputs(x)}`,
    actualResult: failed ? "failed" : "passed",
  };
}

describe("the risk model", () => {
  it("on day one puts a logic change in the route's own file above a styling change through a layout", () => {
    const direct = predictRisk(PRIOR_WEIGHTS, routeLogic);
    const wrapped = predictRisk(PRIOR_WEIGHTS, layoutStyling);
    expect(direct).toBeGreaterThan(wrapped);
    expect(direct).toBeGreaterThan(0);
    expect(wrapped).toBeLessThan(1);
  });

  it("recent failures raise a flow's risk", () => {
    expect(predictRisk(PRIOR_WEIGHTS, { ...routeLogic, failRate: 0.5 })).toBeGreaterThan(
      predictRisk(PRIOR_WEIGHTS, routeLogic),
    );
  });

  it("a refit with no outcomes is the prior; outcomes move the weights their way, more with more of them", () => {
    expect(fitRiskWeights([])).toEqual(PRIOR_WEIGHTS);
    const stylingFails = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ features: layoutStyling, failed: i % 4 !== 0 }));
    const few = fitRiskWeights(stylingFails(8));
    const many = fitRiskWeights(stylingFails(200));
    const prior = predictRisk(PRIOR_WEIGHTS, layoutStyling);
    expect(predictRisk(few, layoutStyling)).toBeGreaterThan(prior);
    expect(predictRisk(many, layoutStyling)).toBeGreaterThan(predictRisk(few, layoutStyling));
    // 150 of 200 failed: with that many outcomes the refit lands close to the observed rate.
    expect(predictRisk(many, layoutStyling)).toBeCloseTo(0.75, 1);
    // Features the outcomes never saw keep their prior weight.
    expect(many.weights.coverage).toBeCloseTo(PRIOR_WEIGHTS.weights.coverage, 6);
  });

  it("records its inputs in a line a person can read and the refit can parse", () => {
    const line = formatRiskInputs(routeLogic);
    expect(line).toMatch(/^risk inputs: covers 0, route 1, hops 1, /);
    expect(parseRiskInputs(`src/a.ts reaches /cart\n${line}`)).toEqual(routeLogic);
    expect(parseRiskInputs("src/a.ts reaches /cart")).toBeUndefined();
    // A prediction recorded before a feature existed reads it as 0.
    expect(parseRiskInputs("risk inputs: route 1, hops 2")).toEqual(features({ route: 1, hops: 2 }));
  });
});

describe("a project's risk model", () => {
  it("with fewer outcomes than a calibrated percentage needs, shows strength and says how many it has", () => {
    const model = projectRiskModel(Array.from({ length: 12 }, (_, i) => outcome(routeLogic, i % 3 === 0)));
    expect(model.calibrated).toBe(false);
    expect(model.outcomes).toBe(12);
    expect(model.basis).toBe(
      `shown as strength: 12 of the ${MIN_OUTCOMES} predictions with results a calibrated percentage needs are recorded for this project`,
    );
    expect(projectRiskModel().basis).toContain(`0 of the ${MIN_OUTCOMES}`);
  });

  it("with enough outcomes whose forecasts beat the base rate, is calibrated and says on what", () => {
    const recorded = [
      ...Array.from({ length: 30 }, (_, i) => outcome(routeLogic, i % 2 === 0)),
      ...Array.from({ length: 30 }, () => outcome(layoutStyling, false)),
      // Not run, or not yet known: not outcomes.
      { ...outcome(routeLogic, true), actualResult: "not_run" as const },
      { ...outcome(routeLogic, true), actualResult: null },
    ];
    const model = projectRiskModel(recorded);
    expect(model.outcomes).toBe(60);
    expect(model.failures).toBe(15);
    expect(model.calibrated).toBe(true);
    expect(model.basis).toMatch(
      /^calibrated on this project's 60 predictions with results \(Brier score 0\.\d{3} against 0\.188 for the base rate\)$/,
    );
    // The refit learnt that route logic fails half the time here.
    expect(predictRisk(model.weights, routeLogic)).toBeCloseTo(0.5, 1);
  });

  it("with enough outcomes but too few failures, or forecasts no better than the base rate, is not calibrated", () => {
    const calm = projectRiskModel(Array.from({ length: 60 }, (_, i) => outcome(routeLogic, i < 2)));
    expect(calm.calibrated).toBe(false);
    expect(calm.basis).toBe(
      "shown as strength: 2 of the 60 recorded predictions failed, and a calibrated percentage needs 5 failures",
    );
    // Styling fails and route logic passes: the recorded forecasts had it backwards.
    const backwards = projectRiskModel([
      ...Array.from({ length: 30 }, () => outcome(routeLogic, false)),
      ...Array.from({ length: 30 }, () => outcome(layoutStyling, true)),
    ]);
    expect(backwards.calibrated).toBe(false);
    expect(backwards.basis).toMatch(
      /^shown as strength: this project's recorded predictions do not yet beat the base rate/,
    );
  });

  it("counts the flow's past failures on predictions that named the same file, and only that file", () => {
    const model = projectRiskModel([
      outcome(routeLogic, true, "checkout", "src/cart.ts"),
      outcome(routeLogic, true, "checkout", "src/cart.tsx"),
      outcome(routeLogic, false, "checkout", "src/cart.ts"),
      outcome(routeLogic, true, "login", "src/cart.ts"),
    ]);
    expect(model.coFailures("checkout", ["src/cart.ts"])).toBe(1);
    expect(model.coFailures("checkout", ["src/cart.ts", "src/cart.tsx"])).toBe(2);
    expect(model.coFailures("checkout", ["lib/src/cart.ts"])).toBe(0);
    expect(model.coFailures("signup", ["src/cart.ts"])).toBe(0);
  });
});
