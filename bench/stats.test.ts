import { describe, expect, it } from "vitest";
import { percentile, resampledRatioInterval } from "./stats.ts";

/** 200 answers: 6 slow ones (3%, so the slowest 1% of any pool of rounds is slow ones) and the rest near `base`. */
const round = (base: number, slow: number) =>
  Array.from({ length: 200 }, (_, i) => (i < 6 ? slow : base + (i % 10) / 10));

describe("resampled ratio interval", () => {
  it("is a single point when every round of each side is the same", () => {
    const a = [round(2, 20), round(2, 20), round(2, 20)];
    const b = [round(1, 10), round(1, 10)];
    expect(resampledRatioInterval(a, b, 99)).toEqual([2, 2]);
  });

  it("spans the pooled ratio when one round of a side had a stall the others did not", () => {
    const a = [round(2, 12), round(2, 40), round(2, 12), round(2, 12)];
    const b = [round(1, 10), round(1, 10), round(1, 10)];
    const pooled = percentile(a.flat(), 99) / percentile(b.flat(), 99);
    const [low, high] = resampledRatioInterval(a, b, 99);
    expect(low).toBeLessThan(high);
    expect(low).toBeLessThanOrEqual(pooled);
    expect(high).toBeGreaterThanOrEqual(pooled);
    // Draws with the stalled round at most once keep the quiet rounds' ratio; with it twice or more, 40 / 10.
    expect(low).toBeCloseTo(12 / 10, 5);
    expect(high).toBeCloseTo(40 / 10, 5);
  });

  it("gives the same interval for the same samples and seed", () => {
    const a = [round(2, 12), round(3, 30), round(2, 15)];
    const b = [round(1, 10), round(1, 18)];
    expect(resampledRatioInterval(a, b, 99, 200, 7)).toEqual(resampledRatioInterval(a, b, 99, 200, 7));
  });
});
