import type { PredictionInput } from "../store/index.ts";
import { formatRiskInputs } from "./risk-model.ts";
import type { Risk, Selection } from "./types.ts";

const MAX_REASONING = 4000;

/** The selected flows' risks as Store predictions for a commit, to be scored against what the runs find. */
export function predictionsFromSelection(
  selection: Selection,
  context: { headSha: string; prNumber?: number },
): PredictionInput[] {
  return selection.flows.flatMap((impact) => {
    if (!impact.selected || !impact.risk) return [];
    const source = impact.reasons.some((r) => r.signal === "coverage")
      ? "coverage"
      : impact.reasons.some((r) => r.signal === "llm") &&
          impact.reasons.every((r) => r.signal === "llm" || r.weight === 0)
        ? "llm"
        : "rules";
    return [
      {
        ...(context.prNumber !== undefined ? { prNumber: context.prNumber } : {}),
        headSha: context.headSha,
        flowName: impact.flow,
        probability: impact.risk.probability,
        confidence: impact.risk.confidence,
        reasoning: withRiskInputs(
          impact.reasons.map((r) => r.detail),
          impact.risk,
        ),
        source,
      },
    ];
  });
}

/** The reasons, one a line, then the risk model's inputs (kept whole: the project's refit reads them). */
export function withRiskInputs(details: readonly string[], risk: Risk): string {
  const inputs = formatRiskInputs(risk.inputs);
  return `${details.join("\n").slice(0, MAX_REASONING - inputs.length - 1)}\n${inputs}`;
}
