import { describe, expect, it } from "vitest";
import { closestMatch } from "./suggest.ts";

describe("closestMatch", () => {
  it("finds a word with a swapped, missing or extra letter", () => {
    expect(closestMatch("clcik", ["click", "check"])).toBe("click");
    expect(closestMatch("gto", ["goto", "hover"])).toBe("goto");
    expect(closestMatch("visiblee", ["visible", "hidden"])).toBe("visible");
  });

  it("ignores case", () => {
    expect(closestMatch("TestID", ["testId", "text"])).toBe("testId");
  });

  it("suggests nothing when no candidate is close", () => {
    expect(closestMatch("banana", ["click", "fill"])).toBeUndefined();
  });
});
