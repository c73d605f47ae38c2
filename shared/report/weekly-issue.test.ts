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
    outcomes: { state: "off" },
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

  it("tells the changes that appeared this week from older ones still being measured", () => {
    const change = (id: string, firstDetectedDate: string, status: "watching" | "regressed") => ({
      change: {
        id,
        element: `Button "${id}"`,
        kind: "text",
        before: "Add to cart",
        after: "Add to bag",
        firstDetectedDate,
        status,
      } as unknown as WeeklyReport["changes"][number]["change"],
      pageName: "Home",
      checkpoints: [],
    });
    const body = renderWeeklyIssue(
      aReport({
        changes: [change("new", "2026-11-18", "watching"), change("old", "2026-10-12", "regressed")],
      }),
    );
    expect(body).toContain("- **1 new change** on your pages this week, being measured from now on.");
    expect(body).toContain("- **1 earlier change** being measured: 1 hurt.");
    const fresh = body.indexOf("### New this week (1)");
    const earlier = body.indexOf("### Earlier changes being measured (1)");
    expect(fresh).toBeGreaterThan(0);
    expect(earlier).toBeGreaterThan(fresh);
    expect(body.indexOf('Button "new"')).toBeGreaterThan(fresh);
    expect(body.indexOf('Button "new"')).toBeLessThan(earlier);
    expect(body.indexOf('Button "old"')).toBeGreaterThan(earlier);
  });

  it("lists a finding seen on several pages once, naming the pages and what each measured", () => {
    const contrast = (pageName: string, ratio: string) => ({
      ...hostileFinding,
      check: "axe" as const,
      key: "axe:color-contrast",
      element: ".eyebrow",
      current: "Elements must meet minimum color contrast ratio thresholds",
      suggestion: `.eyebrow text has contrast ${ratio}:1; raise it to at least 4.5:1.`,
      pageName,
      fingerprint: `audit:${pageName}:axe:color-contrast`,
      timesSuggested: 1,
    });
    const findings = [contrast("Home", "3.16"), contrast("Aurora lamp", "2.95"), contrast("Cart", "3.16")];
    const body = renderWeeklyIssue(aReport({ findings }));
    expect(body).toContain("**1 finding** on 1 page, 1 of high impact (Home, Aurora lamp, Cart).");
    expect(body).toContain("### 🔴 High impact (1)");
    expect(body).toContain(
      "- **Home, Aurora lamp, Cart** · accessibility (axe): `.eyebrow` — `Elements must meet minimum color contrast ratio thresholds`. Home, Cart: .eyebrow text has contrast 3.16:1; raise it to at least 4.5:1. Aurora lamp: .eyebrow text has contrast 2.95:1; raise it to at least 4.5:1.",
    );
    expect(renderFindingComment(findings[0] as (typeof findings)[number], findings)).toContain(
      "**🔴 High** · Home, Aurora lamp, Cart · accessibility (axe)",
    );
  });

  it("shows failing, flaky and slow flows and folds the all-green rest", () => {
    const flow = (flowName: string, failed: number, flaky: number, medianDurationMs: number) => ({
      flowName,
      runs: 7,
      passed: 7 - failed - flaky,
      failed,
      flaky,
      passRate: (7 - failed) / 7,
      medianDurationMs,
      maxDurationMs: medianDurationMs + 100,
    });
    const flowHealth = [
      flow("signup", 1, 0, 4_000),
      flow("search", 0, 2, 3_000),
      flow("checkout", 0, 0, 11_000),
      ...Array.from({ length: 20 }, (_, i) => flow(`green-${String(i).padStart(2, "0")}`, 0, 0, 1_000 + i)),
    ] as unknown as WeeklyReport["flowHealth"];
    const body = renderWeeklyIssue(aReport({ flowHealth }));
    const section = body.slice(body.indexOf("## Flow health"), body.indexOf("## Coverage gaps"));
    const [open = "", folded = ""] = section.split(
      "<details><summary>20 more flows passed every run</summary>",
    );
    expect([...open.matchAll(/^\| (.*?)`([\w-]+)`/gm)].map((m) => `${m[1]}${m[2]}`)).toStrictEqual([
      "❌ signup",
      "⚠️ search",
      "🐢 checkout",
    ]);
    expect(folded.match(/^\| `green-\d+`/gm)).toHaveLength(20);
    expect(folded).toContain("</details>");
  });

  it("stays within GitHub's limit for an ordinary busy week", () => {
    const findings = Array.from({ length: 60 }, (_, i) => ({
      ...hostileFinding,
      key: `vision:${i}`,
      element: `Element ${i}`,
      fingerprint: `audit:x:vision:${i}`,
    }));
    expect(renderWeeklyIssue(aReport({ findings })).length).toBeLessThan(65_536);
  });

  it("shows the outcome tables this week against the week before, and at each checkpoint before and after", () => {
    const body = renderWeeklyIssue(
      aReport({
        outcomes: {
          state: "read",
          database: "postgres",
          weeks: [
            { name: "signups", thisWeek: 41, weekBefore: 29 },
            { name: "orders", thisWeek: 12, weekBefore: 0 },
          ],
          checkpoints: [
            {
              pageName: "Home",
              element: 'Heading (h1) "Light for slow mornings"',
              horizonDays: 7,
              outcomes: [
                { name: "signups", before: 29, after: 41 },
                { name: "orders", before: 17, after: 12 },
              ],
            },
          ],
        },
      }),
    );
    expect(body).toContain(
      "- **Outcomes** (PostgreSQL): 41 signups (29 the week before), 12 orders (0 the week before).",
    );
    const section = body.slice(body.indexOf("## Outcomes (PostgreSQL)"), body.indexOf("## Coverage gaps"));
    expect(section).toContain("| signups | 41 | 29 | +41% |\n| orders | 12 | 0 | – |");
    expect(section).toContain(
      '- 41 signups in the 7 days after the change to Heading \\(h1\\) "Light for slow mornings" on Home, 29 before; 12 orders (17 before).',
    );
  });

  it("says why the outcome tables could not be counted", () => {
    const body = renderWeeklyIssue(
      aReport({
        outcomes: {
          state: "failed",
          database: "supabase",
          error: "Supabase refused outcomes-key (401: Invalid API key)",
        },
      }),
    );
    expect(body).toContain(
      "- ⚠️ **Outcomes in Supabase could not be counted:** Supabase refused outcomes-key \\(401: Invalid API key\\)",
    );
    expect(body).not.toContain("## Outcomes");
  });
});
