/*
 * How well predicted failure probabilities matched what happened: the Brier score (mean squared
 * error; 0 is perfect, 0.25 is a coin toss at 50%) and a reliability table — per probability band,
 * the mean prediction beside the observed failure rate.
 */

export interface PredictionWithOutcome {
  probability: number;
  /** What the flow did when it ran; predictions without an outcome (or not run) are left out. */
  actualResult: "passed" | "failed" | "flaky" | "skipped" | "not_run" | null;
}

export interface ReliabilityBin {
  /** e.g. "0.2–0.3" */
  band: string;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

export interface Calibration {
  count: number;
  brier: number | undefined;
  /** The Brier score of always predicting the observed base rate: beat it to be useful. */
  baseline: number | undefined;
  bins: ReliabilityBin[];
}

export function calibrate(predictions: readonly PredictionWithOutcome[], bands = 10): Calibration {
  const scored = predictions.flatMap((p) =>
    p.actualResult === "passed" || p.actualResult === "failed" || p.actualResult === "flaky"
      ? [{ p: clamp(p.probability), y: p.actualResult === "passed" ? 0 : 1 }]
      : [],
  );
  if (scored.length === 0) return { count: 0, brier: undefined, baseline: undefined, bins: [] };
  const brier = scored.reduce((sum, s) => sum + (s.p - s.y) ** 2, 0) / scored.length;
  const rate = scored.reduce((sum, s) => sum + s.y, 0) / scored.length;
  const baseline = scored.reduce((sum, s) => sum + (rate - s.y) ** 2, 0) / scored.length;
  const bins: ReliabilityBin[] = [];
  for (let b = 0; b < bands; b++) {
    const lo = b / bands;
    const hi = (b + 1) / bands;
    const inBin = scored.filter((s) => s.p >= lo && (s.p < hi || (b === bands - 1 && s.p <= hi)));
    if (inBin.length === 0) continue;
    bins.push({
      band: `${lo.toFixed(1)}–${hi.toFixed(1)}`,
      count: inBin.length,
      meanPredicted: round(inBin.reduce((sum, s) => sum + s.p, 0) / inBin.length),
      observedRate: round(inBin.reduce((sum, s) => sum + s.y, 0) / inBin.length),
    });
  }
  return { count: scored.length, brier: round(brier), baseline: round(baseline), bins };
}

/** The table as markdown, for reports. */
export function renderReliabilityTable(calibration: Calibration): string {
  if (calibration.count === 0) return "No predictions with results yet.";
  const rows = calibration.bins.map(
    (b) =>
      `| ${b.band} | ${b.count} | ${(b.meanPredicted * 100).toFixed(0)}% | ${(b.observedRate * 100).toFixed(0)}% |`,
  );
  return [
    `Brier score ${calibration.brier?.toFixed(3)} over ${calibration.count} predictions (base rate alone: ${calibration.baseline?.toFixed(3)}).`,
    "",
    "| predicted | flows | mean prediction | failed |",
    "|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function clamp(p: number): number {
  return Math.min(1, Math.max(0, p));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
