import { FEATURE_MEANING } from "./risk-features.ts";
import { contributions, MIN_OUTCOMES, type ProjectRiskModel, predictRisk } from "./risk-model.ts";
import type { FlowHistory, FlowRunRecord, Reason, Risk, RiskFeatures } from "./types.ts";

/*
 * A flow's chance of failing on this change (risk-model.ts over risk-features.ts), and how the flow
 * has fared lately.
 */

export function summariseHistory(records: readonly FlowRunRecord[], flow: string, last = 20): FlowHistory {
  const mine = records
    .filter((r) => r.flow === flow && r.status !== "skipped")
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, last);
  return {
    runs: mine.length,
    failures: mine.filter((r) => r.status === "failed").length,
    flaky: mine.filter((r) => r.status === "flaky").length,
  };
}

export function historyReason(flow: string, history: FlowHistory): Reason | undefined {
  if (history.failures === 0 && history.flaky === 0) return undefined;
  const parts = [
    history.failures ? `failed ${history.failures}` : "",
    history.flaky ? `was flaky ${history.flaky}` : "",
  ].filter(Boolean);
  return {
    signal: "history",
    detail: `${flow} ${parts.join(" and ")} of its last ${history.runs} runs`,
    weight: 0,
  };
}

/** Above this chance a reason is strong; below LOW_BELOW weak. */
const HIGH_FROM = 0.4;
const LOW_BELOW = 0.12;

/** A probability in the three bands shown where it is not calibrated. */
export function riskStrength(probability: number): Risk["strength"] {
  return probability >= HIGH_FROM ? "high" : probability < LOW_BELOW ? "low" : "medium";
}

/**
 * A selected flow's chance of failing from the project's risk model, with what moved it. The
 * percentage is for display only where the model is calibrated on the project's outcomes; the
 * strength (high / medium / low) always is, with the reason that drives it.
 */
export function estimateRisk(
  features: RiskFeatures,
  model: ProjectRiskModel,
  reasons: readonly Reason[],
  history: FlowHistory,
): Risk {
  const probability = round(predictRisk(model.weights, features));
  const pushes = contributions(model.weights, features);
  const factors = pushes
    .slice(0, 4)
    .map(({ feature, push }) => `${FEATURE_MEANING[feature]} (${push > 0 ? "+" : ""}${push.toFixed(2)})`);
  const strength = riskStrength(probability);
  const drivers = pushes.filter((p) => (strength === "low" ? p.push < 0 : p.push > 0)).slice(0, 2);
  const why =
    drivers.length > 0 ? drivers.map((d) => FEATURE_MEANING[d.feature]).join("; ") : "no feature stands out";
  const signals = new Set(reasons.filter((r) => r.weight > 0).map((r) => r.signal)).size;
  const confidence = Math.min(
    0.95,
    0.2 +
      0.1 * Math.min(3, signals) +
      0.15 * Math.min(1, history.runs / 10) +
      0.3 * Math.min(1, model.outcomes / MIN_OUTCOMES),
  );
  return {
    probability,
    confidence: round(confidence),
    factors,
    strength,
    why,
    calibrated: model.calibrated,
    basis: model.basis,
    inputs: features,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
