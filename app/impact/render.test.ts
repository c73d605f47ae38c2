import { describe, expect, it } from "vitest";
import { renderImpactCheck, renderPrComment } from "./render.ts";
import type { Impact } from "./select-flows.ts";

// What a pull request controls: its file paths (in the reasons) and, through .perceo/, flow names.
const HOSTILE = "docs/![pwned](https://evil.test/p.png)[click](http://evil.test)<img src=x>@org/team.md";

function hostileImpact(): Impact {
  return {
    affected: [
      {
        name: "checkout`](http://evil.test)",
        file: ".perceo/flows/checkout.yml",
        priority: "high",
        risk: 0.4,
        confidence: 0.6,
        strength: "high",
        strengthWhy: "the flow's own file or a covers glob names the change",
        reasons: [`${HOSTILE} matches covers glob "docs/**"`],
      },
    ],
    unaffected: ["search"],
    selectAllReason: `a change to ${HOSTILE}`,
    changedFiles: 1,
    basis: `Selected from covers globs and flow files only: the tarball redirected to https://evil.test, which is not GitHub.`,
    warnings: [`1 of 40 modules could not be parsed in full (${HOSTILE}: Unexpected token)`],
    risk: {
      calibrated: false,
      basis:
        "shown as strength: 12 of the 50 predictions with results a calibrated percentage needs are recorded for this project",
    },
  };
}

describe("markdown built from a pull request's text", () => {
  it("carries no link, image, HTML or mention the pull request wrote, in the check run or the comment", () => {
    const outputs = [
      renderImpactCheck(hostileImpact()).summary,
      renderPrComment({ headSha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821", impact: hostileImpact() }),
    ];
    for (const markdown of outputs) {
      // Outside code spans, nothing may read as a link target, an image, a tag or a mention.
      const prose = markdown.replace(/(`+).*?\1/g, "");
      expect(prose).not.toMatch(/!\[|\]\(|<img|https?:\/\/|@org/);
      expect(markdown).toContain("evil");
    }
    expect(outputs[0]).toContain("**Warning:** 1 of 40 modules could not be parsed in full");
  });

  it("a flow name with a pipe (a Playwright test's title) stays in its own table cell", () => {
    const impact = hostileImpact();
    const flow = impact.affected[0];
    if (!flow) throw new Error("the fixture has an affected flow");
    flow.name = "cart › totals | @org discount";
    const comment = renderPrComment({ headSha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821", impact });
    const row = comment.split("\n").find((line) => line.includes("cart › totals"));
    // | name | priority | risk | why |: five unescaped pipes, whatever the name holds.
    expect(row?.replace(/\\\|/g, "").match(/\|/g)).toHaveLength(5);
  });
});

describe("risk in the check run and the comment", () => {
  const SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

  it("shows the reason strength and what drives it, and says why not a percentage, until the model is calibrated", () => {
    const summary = renderImpactCheck(hostileImpact()).summary;
    const row = summary.split("\n").find((line) => line.includes("checkout"));
    expect(row).toContain("| high: the flow's own file or a covers glob names the change |");
    expect(row).not.toContain("40%");
    expect(summary).toContain(
      "Risk: shown as strength: 12 of the 50 predictions with results a calibrated percentage needs are recorded for this project.",
    );
  });

  it("shows the percentage once the project's model is calibrated on its outcomes", () => {
    const impact = hostileImpact();
    impact.risk = { calibrated: true, basis: "calibrated on this project's 80 predictions with results" };
    const comment = renderPrComment({ headSha: SHA, impact });
    expect(comment.split("\n").find((line) => line.includes("checkout"))).toContain("| high | 40% |");
    expect(comment).toContain("Risk: calibrated on this project's 80 predictions with results.");
  });

  it("predicted against actual shows the prediction as its strength unless the model was calibrated", () => {
    const predictions = [0.6, 0.2, 0.05].map((probability, i) => ({
      id: `p${i}`,
      projectId: "project",
      prNumber: 2,
      headSha: SHA,
      flowName: `flow-${i}`,
      probability,
      confidence: 0.5,
      reasoning: "",
      source: "rules" as const,
      actualResult: null,
    }));
    const actual = [{ flowName: "flow-0", status: "failed" as const }];
    const plain = renderPrComment({ headSha: SHA, results: { predictions, actual } });
    expect(plain).toContain("| `flow-0` | high | ❌ failed |");
    expect(plain).toContain("| `flow-1` | medium | — not run |");
    expect(plain).toContain("| `flow-2` | low | — not run |");
    const calibrated = renderPrComment({ headSha: SHA, results: { predictions, actual, calibrated: true } });
    expect(calibrated).toContain("| `flow-0` | 60% | ❌ failed |");
  });
});
