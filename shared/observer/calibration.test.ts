import { describe, expect, it } from "vitest";
import { calibrate, renderReliabilityTable } from "./calibration.ts";

describe("calibration", () => {
  it("scores predictions that have results: Brier score, base-rate baseline and a reliability table", () => {
    const predictions = [
      { probability: 0.9, actualResult: "failed" as const },
      { probability: 0.8, actualResult: "passed" as const },
      { probability: 0.1, actualResult: "passed" as const },
      { probability: 0.15, actualResult: "flaky" as const },
      { probability: 0.5, actualResult: "not_run" as const },
      { probability: 0.5, actualResult: null },
    ];
    const result = calibrate(predictions);
    expect(result.count).toBe(4);
    // (0.1² + 0.8² + 0.1² + 0.85²) / 4
    expect(result.brier).toBeCloseTo((0.01 + 0.64 + 0.01 + 0.7225) / 4, 3);
    expect(result.baseline).toBeCloseTo(0.25, 3);
    expect(result.bins).toEqual([
      { band: "0.1–0.2", count: 2, meanPredicted: 0.125, observedRate: 0.5 },
      { band: "0.8–0.9", count: 1, meanPredicted: 0.8, observedRate: 0 },
      { band: "0.9–1.0", count: 1, meanPredicted: 0.9, observedRate: 1 },
    ]);
    const table = renderReliabilityTable(result);
    expect(table).toContain("Brier score 0.346 over 4 predictions (base rate alone: 0.250).");
    expect(table).toContain("| 0.1–0.2 | 2 | 13% | 50% |");
  });

  it("with no results yet there is no score", () => {
    expect(calibrate([{ probability: 0.3, actualResult: "not_run" }])).toEqual({
      count: 0,
      brier: undefined,
      baseline: undefined,
      bins: [],
    });
    expect(renderReliabilityTable(calibrate([]))).toBe("No predictions with results yet.");
  });
});
