import { describe, expect, it } from "vitest";
import { addToSketch, estimateSketch, newSketch } from "./distinct-count.ts";

describe("distinct user sketch", () => {
  it("counts small numbers exactly and large ones within 5%", () => {
    for (const n of [0, 1, 2, 10, 100, 10_000, 200_000]) {
      const sketch = newSketch();
      for (let i = 0; i < n; i++) {
        addToSketch(sketch, i * 7 + 3);
        addToSketch(sketch, i * 7 + 3);
      }
      const estimate = estimateSketch(sketch);
      if (n <= 10) expect(estimate).toBe(n);
      else expect(Math.abs(estimate - n) / n).toBeLessThan(0.05);
    }
  });
});
