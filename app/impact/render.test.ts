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
        reasons: [`${HOSTILE} matches covers glob "docs/**"`],
      },
    ],
    unaffected: ["search"],
    selectAllReason: `a change to ${HOSTILE}`,
    changedFiles: 1,
    basis: `Selected from covers globs and flow files only: the tarball redirected to https://evil.test, which is not GitHub.`,
    warnings: [`1 of 40 modules could not be parsed in full (${HOSTILE}: Unexpected token)`],
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
