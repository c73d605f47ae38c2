import type { FlowRunRecord, Reason, Risk } from "./types.ts";

/*
 * A flow's chance of failing on this change, from how directly the change reaches it, how much
 * changed along the way, and how the flow has fared lately. Deliberately simple and monotone, so
 * calibration (Brier score, reliability table) can show how far to trust it.
 */

export interface FlowHistory {
  runs: number;
  failures: number;
  flaky: number;
}

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

export function estimateRisk(
  score: number,
  reasons: readonly Reason[],
  changedLines: number,
  history: FlowHistory,
): Risk {
  const factors: string[] = [];
  let probability = 0.04 + 0.3 * score;
  factors.push(`evidence ${score.toFixed(2)}`);
  const size = Math.min(1, changedLines / 300);
  if (size > 0) {
    probability += 0.15 * size;
    factors.push(`${changedLines} changed lines`);
  }
  if (reasons.some((r) => r.signal === "global")) {
    probability = Math.max(probability, 0.2);
  }
  if (history.runs > 0) {
    const rate = (history.failures + 0.5 * history.flaky) / history.runs;
    if (rate > 0) {
      probability += (1 - probability) * 0.6 * rate;
      factors.push(`recent failure rate ${(rate * 100).toFixed(0)}%`);
    }
  }
  const signals = new Set(reasons.filter((r) => r.weight > 0).map((r) => r.signal)).size;
  const confidence = Math.min(
    0.95,
    0.25 + 0.12 * Math.min(3, signals) + 0.3 * Math.min(1, history.runs / 10),
  );
  return { probability: round(Math.min(0.95, probability)), confidence: round(confidence), factors };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
