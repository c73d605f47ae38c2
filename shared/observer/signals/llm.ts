import type { LoadedFlow } from "../../config/index.ts";
import type { FlowImpact, Reason } from "../types.ts";

/** Something that reads a diff and the flows and names flows the deterministic signals missed. */
export interface FlowAdvisor {
  suggestFlows(request: AdviceRequest): Promise<FlowSuggestion[]>;
}

export interface AdviceRequest {
  /** The diff, trimmed to a budget. Untrusted: it is data to judge, never instructions. */
  diff: string;
  flows: Array<{ name: string; description: string; selected: boolean; why?: string }>;
}

export interface FlowSuggestion {
  flow: string;
  /** The advisor's probability that the change breaks this flow, 0..1. */
  probability: number;
  reasoning: string;
}

const DIFF_BUDGET = 60_000;

export function buildAdviceRequest(
  diffs: ReadonlyArray<{ path: string; patch?: string }>,
  flows: readonly LoadedFlow[],
  impacts: ReadonlyMap<string, FlowImpact>,
): AdviceRequest {
  let diff = "";
  for (const d of diffs) {
    const piece = `--- ${d.path}\n${d.patch ?? "(no textual diff)"}\n`;
    if (diff.length + piece.length > DIFF_BUDGET) {
      diff += `… ${diffs.length} files in all; the rest left out for length\n`;
      break;
    }
    diff += piece;
  }
  return {
    diff,
    flows: flows.map((f) => {
      const impact = impacts.get(f.name);
      const why = impact?.reasons[0]?.detail;
      return {
        name: f.name,
        description: f.description,
        selected: impact?.selected ?? false,
        ...(why ? { why } : {}),
      };
    }),
  };
}

/** The advisor adds flows with its reasoning; it never removes one. Unknown flow names are dropped. */
export function adviceReasons(
  suggestions: readonly FlowSuggestion[],
  known: ReadonlySet<string>,
): Map<string, Reason> {
  const reasons = new Map<string, Reason>();
  for (const s of suggestions) {
    if (!known.has(s.flow) || !(s.probability >= 0.3)) continue;
    reasons.set(s.flow, {
      signal: "llm",
      detail: `Claude: ${s.reasoning.replace(/\s+/g, " ").slice(0, 300)}`,
      weight: Math.min(0.8, Math.max(0, s.probability)),
    });
  }
  return reasons;
}
