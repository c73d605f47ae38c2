import type { PredictionInput } from "../store/index.ts";
import type { Selection } from "./types.ts";

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
        reasoning: impact.reasons
          .map((r) => r.detail)
          .join("\n")
          .slice(0, 4000),
        source,
      },
    ];
  });
}
