import { describe, expect, it } from "vitest";
import type { WeeklyReport } from "../weekly/index.ts";
import { renderFindingComment, renderWeeklyIssue } from "./weekly-issue.ts";

function aReport(overrides: Partial<WeeklyReport> = {}): WeeklyReport {
  return {
    project: "acme/shop",
    scanDate: "2026-11-23",
    weekStart: "2026-11-23",
    since: "2026-11-16",
    until: "2026-11-23",
    pages: [
      { name: "Home", url: "https://shop.example.com/", findings: 1, loadMs: 420, transferBytes: 31_000 },
    ],
    findings: [],
    hiddenByFeedback: 0,
    addressed: [],
    changes: [],
    flowHealth: [],
    analytics: { state: "off" },
    coverageGaps: [],
    insights: [],
    vision: "off",
    ...overrides,
  };
}

const hostileFinding = {
  check: "vision" as const,
  impact: "high" as const,
  element: "Hero ![pixel](https://evil.example/p.png)",
  current: "Says [click here](https://evil.example) to @octocat",
  suggestion: "Visit https://evil.example/now and <img src=x onerror=alert(1)> ping @admins",
  key: "vision:abc",
  evidence: "e1",
  pageId: "p1",
  pageName: "Home",
  pageUrl: "https://shop.example.com/",
  fingerprint: "audit:x:vision:abc",
  timesSuggested: 3,
};

describe("the weekly issue", () => {
  it("opens with the summary and lists every section in order, even on a quiet week", () => {
    const body = renderWeeklyIssue(aReport());
    expect([...body.matchAll(/^## (.*)$/gm)].map((m) => m[1])).toStrictEqual([
      "Summary",
      "Changes of the week",
      "Audit findings",
      "Flow health (last 7 days)",
      "Coverage gaps",
      "Open insights",
    ]);
    expect(body).toContain("- **No changes detected** on your pages this week.");
    expect(body).toContain("Nothing to fix on the scanned pages. 🎉");
    expect(body).toContain("add `analytics:` to `.perceo/config.yml`");
  });

  it("never turns page text or model output into a link, an image, HTML or a mention", () => {
    const issue = renderWeeklyIssue(aReport({ findings: [hostileFinding] }));
    const comment = renderFindingComment(hostileFinding);
    for (const rendered of [issue, comment]) {
      // Inside code spans nothing renders; everything outside them must be inert text.
      const text = rendered.replace(/(`+)[\s\S]*?\1/g, "");
      expect(text).not.toMatch(/!\[[^\]]*\]\(/);
      expect(text).not.toMatch(/(?<!\\)\[[^\]]*\]\(https?:/);
      expect(text).not.toContain("<img");
      expect(text).not.toMatch(/(?<![`\w])@admins/);
      expect(text).not.toContain("https://evil");
    }
    expect(comment).toContain("_Suggested 3rd week in a row._");
    expect(issue).toContain("_(3rd week)_");
  });

  it("groups findings by impact and says how many a 👎 hid", () => {
    const low = {
      ...hostileFinding,
      impact: "low" as const,
      element: "Open Graph tags",
      current: "missing og:image",
      suggestion: "Add og:image.",
      timesSuggested: 1,
    };
    const body = renderWeeklyIssue(aReport({ findings: [hostileFinding, low], hiddenByFeedback: 2 }), {
      findingComments: 2,
    });
    expect(body.indexOf("### 🔴 High impact (1)")).toBeLessThan(body.indexOf("### 🟡 Low impact (1)"));
    expect(body).toContain("**2 findings** on 1 page, 1 of high impact (Home). 2 hidden after a 👎.");
  });
});
