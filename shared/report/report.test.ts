import { describe, expect, it } from "vitest";
import {
  buildAttempt,
  buildFailedFlow,
  buildFlow,
  buildRun,
  buildStep,
} from "../runner/testing/run-factory.ts";
import { renderHtmlReport } from "./html-report.ts";
import { renderSummaryMarkdown } from "./summary-markdown.ts";

describe("renderSummaryMarkdown", () => {
  it("leads with the verdict and lists each failure with expected and found", () => {
    const markdown = renderSummaryMarkdown(buildRun([buildFlow(), buildFailedFlow()]));
    expect(markdown).toContain("**❌ 1 flow failed** (1 passed · 1 failed · 0 flaky)");
    expect(markdown).toContain("| checkout | critical | ❌ failed | 1.0 s | 1 |");
    expect(markdown).toContain(
      '- **checkout** failed: .perceo/flows/checkout.yml:9:5 step 2 (click button "Add to cart"): click: no element matches button "Add to cart"',
    );
    expect(markdown).toContain('  - expected: button "Add to cart" on the page');
    expect(markdown).toContain("  - found: no matching element");
  });

  it("lists the ai steps Claude resolved or re-resolved, not the ones replayed from the cache", () => {
    const ai = (note: string) => buildStep({ title: 'ai "add a lamp"', action: "ai", note });
    const run = buildRun([
      buildFlow({
        name: "cart",
        attempts: [buildAttempt({ steps: [ai("re-resolved by Claude (the page changed)")] })],
      }),
      buildFlow({
        name: "home",
        attempts: [buildAttempt({ steps: [ai("replayed from .perceo/ai-cache.json")] })],
      }),
    ]);
    const markdown = renderSummaryMarkdown(run);
    expect(markdown).toContain(
      '### ai steps Claude resolved\n\n- **cart** ai "add a lamp": re-resolved by Claude (the page changed)\n',
    );
    expect(markdown).not.toContain("replayed from");
    expect(renderHtmlReport(run)).toContain(
      '<div class="step-note">replayed from .perceo/ai-cache.json</div>',
    );
  });

  it("says a flaky flow passed on retry", () => {
    const flaky = buildFlow({
      name: "search",
      status: "flaky",
      attempts: [
        buildAttempt({ status: "failed", error: { message: "boom" } }),
        buildAttempt({ attempt: 2 }),
      ],
    });
    const markdown = renderSummaryMarkdown(buildRun([flaky]));
    expect(markdown).toContain("**✅ 1 flow passed** (0 passed · 0 failed · 1 flaky)");
    expect(markdown).toContain("- **search** failed once, then passed on retry: boom");
  });
});

describe("renderHtmlReport", () => {
  it("shows screenshots, the failing step's error and a link to the trace", () => {
    const html = renderHtmlReport(buildRun([buildFailedFlow()]));
    expect(html).toContain('<img src="screenshots/checkout/attempt-1/failure.png" alt="Screenshot failure"');
    expect(html).toContain('<a href="traces/checkout-attempt-1.zip">');
    expect(html).toContain("<b>Found:</b> no matching element");
    expect(html).toContain(
      '<li class="skipped"><span class="title">screenshot &quot;cart&quot;</span> <span class="dur">skipped</span>',
    );
  });

  it("escapes text that came from flows and pages", () => {
    const html = renderHtmlReport(buildRun([buildFlow({ name: "x", file: "<script>alert(1)</script>" })]));
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });
});
