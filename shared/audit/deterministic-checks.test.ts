import { describe, expect, it } from "vitest";
import { type AxeViolation, axeSuggestion } from "./deterministic-checks.ts";

const violation = (overrides: Partial<AxeViolation>): AxeViolation => ({
  id: "color-contrast",
  impact: "serious",
  help: "Elements must meet minimum color contrast ratio thresholds",
  helpUrl: "https://dequeuniversity.com/rules/axe/4.10/color-contrast",
  targets: [".eyebrow"],
  ...overrides,
});

describe("axe suggestions", () => {
  it("quote each element's contrast, colours and the ratio it needs", () => {
    const nodes = [
      {
        target: ".eyebrow",
        data: { contrastRatio: 3.2, fgColor: "#9a8f80", bgColor: "#fbf8f3", expectedContrastRatio: "4.5:1" },
      },
      {
        target: "h2 small",
        data: { contrastRatio: 2.456, fgColor: "#bbbbbb", bgColor: "#ffffff", expectedContrastRatio: "3:1" },
      },
    ];
    expect(axeSuggestion(violation({ nodes }))).toBe(
      ".eyebrow text has contrast 3.2:1 (#9a8f80 on #fbf8f3); raise it to at least 4.5:1. " +
        "h2 small text has contrast 2.46:1 (#bbbbbb on #ffffff); raise it to at least 3:1.",
    );
  });

  it("turn axe's failure summary into what to do, and count the elements beyond three", () => {
    const summary =
      "Fix any of the following:\n  Element does not have an alt attribute\n  aria-label attribute does not exist or is empty";
    const nodes = ["img.a", "img.b", "img.c", "img.d"].map((target) => ({
      target,
      failureSummary: summary,
      data: {},
    }));
    expect(
      axeSuggestion(violation({ id: "image-alt", help: "Images must have alternative text", nodes })),
    ).toBe(
      "img.a, img.b, img.c: Do one of: element does not have an alt attribute; aria-label attribute does not exist or is empty (axe rule image-alt). …and 1 more.",
    );
  });

  it("fall back to the rule's description when axe measured nothing", () => {
    expect(axeSuggestion(violation({}))).toBe(
      "Elements must meet minimum color contrast ratio thresholds (axe rule color-contrast).",
    );
  });
});
