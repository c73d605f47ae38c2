import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningShop, startShop } from "../../examples/shop/server.ts";
import { BrowserPool } from "../capture/index.ts";
import { auditPage, type PageAudit } from "./audit-page.ts";

// One warm browser and two shops: as built, and with problems seeded into every page's main content.
let pool: BrowserPool;
let clean: RunningShop;
let seeded: RunningShop;
let cleanAudit: PageAudit;
let seededAudit: PageAudit;

const SEEDED_PROBLEMS = [
  "<h1>Winter sale</h1>",
  '<img src="/public/images/favicon.svg" width="40" height="40">',
  '<a href="/gift-cards">Gift cards</a>',
  '<a href="http://169.254.169.254/latest/meta-data/">Cloud metadata</a>',
  "<script>console.error('Newsletter widget failed to start')</script>",
].join("\n");

beforeAll(async () => {
  pool = new BrowserPool({ concurrency: 1 });
  clean = await startShop();
  seeded = await startShop({ testChanges: { mainHtml: SEEDED_PROBLEMS } });
  cleanAudit = await auditPage(`${clean.url}/`, { pool, allowedTargets: [clean.url] });
  seededAudit = await auditPage(`${seeded.url}/`, { pool, allowedTargets: [seeded.url] });
}, 120_000);

afterAll(async () => {
  await pool.close();
  await clean.close();
  await seeded.close();
});

const checks = (audit: PageAudit) => audit.findings.map((f) => f.check);

describe("auditPage on the example shop in Chromium", () => {
  it("finds the second h1, with both headings named", () => {
    const h1 = seededAudit.findings.find((f) => f.check === "h1");
    expect(h1).toMatchObject({
      impact: "medium",
      current: "2 h1 headings: Light, wood and linen for slow evenings | Winter sale",
    });
  });

  it("finds the image without alt text", () => {
    expect(seededAudit.findings.find((f) => f.check === "image-alt")).toMatchObject({
      element: "image /public/images/favicon.svg",
      impact: "medium",
    });
  });

  it("finds the link that answers 404, and never requests the private address", () => {
    const broken = seededAudit.findings.filter((f) => f.check === "broken-link");
    expect(broken.map((f) => [f.element, f.current])).toStrictEqual([
      [`${seeded.url}/gift-cards`, "HTTP 404"],
    ]);
    expect(seededAudit.links.refused).toStrictEqual(["http://169.254.169.254/latest/meta-data/"]);
    expect(seededAudit.links.checked.filter((l) => l.ok).length).toBeGreaterThan(5);
  });

  it("finds the console error on both viewports as one finding", () => {
    const errors = seededAudit.findings.filter((f) => f.check === "console-error");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.current).toBe("Newsletter widget failed to start");
  });

  it("finds none of those on the shop as built, and sees its call to action above the fold on both viewports", () => {
    expect(checks(cleanAudit)).not.toContain("h1");
    expect(checks(cleanAudit)).not.toContain("image-alt");
    expect(checks(cleanAudit)).not.toContain("broken-link");
    expect(checks(cleanAudit)).not.toContain("console-error");
    expect(checks(cleanAudit)).not.toContain("cta-above-fold");
    expect(cleanAudit.observations.map((o) => [o.viewport, o.facts.ctaAboveFold?.text])).toStrictEqual([
      ["desktop", expect.any(String)],
      ["mobile", expect.any(String)],
    ]);
  });

  it("reads title, description, Open Graph, weight and timings from the browser", () => {
    const desktop = cleanAudit.observations[0];
    expect(desktop?.facts.title).toBe("Home — Lumen & Oak");
    expect(desktop?.facts.metaDescription).toMatch(/^Lamps, furniture and textiles/);
    expect(desktop?.transferBytes).toBeGreaterThan(1_000);
    expect(desktop?.timings.loadMs).toBeGreaterThan(0);
    // The shop has no Open Graph tags: a real finding on a real page.
    expect(cleanAudit.findings.find((f) => f.check === "open-graph")?.current).toBe(
      "missing og:title, og:description, og:image",
    );
  });

  it("runs axe-core in the page: the seeded image without alt is an image-alt violation", () => {
    expect(seededAudit.axe.map((v) => v.id)).toContain("image-alt");
    expect(cleanAudit.axe.map((v) => v.id)).not.toContain("image-alt");
  });

  it("says what to change from axe's measurements: the contrast an element has and needs", () => {
    const contrast = cleanAudit.findings.find((f) => f.key === "axe:color-contrast");
    expect(contrast?.suggestion).toMatch(
      /^\.eyebrow text has contrast \d+(\.\d+)?:1 \(#[0-9a-f]{6} on #[0-9a-f]{6}\); raise it to at least 4\.5:1\.$/,
    );
    const node = cleanAudit.axe.find((v) => v.id === "color-contrast")?.nodes?.[0];
    expect(node?.data).toMatchObject({ contrastRatio: expect.any(Number), expectedContrastRatio: "4.5:1" });
  });
});
