import { mkdtemp, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../runner/index.ts";
import { directoryBlobs, postgresStore, type Store } from "../store/index.ts";
import { openMigratedDatabase, type TestDatabase } from "../store/testing/index.ts";
import { createDashboard, localViewer, projectPath, pullRequestReviewPath, runPath } from "./index.ts";
import { type ReviewScenario, seedReview } from "./testing.ts";

let database: TestDatabase;
let store: Store;
let server: Server;
let browser: Browser;
let origin: string;
let scenario: ReviewScenario;

beforeAll(async () => {
  database = await openMigratedDatabase("pglite");
  const blobs = directoryBlobs(await mkdtemp(path.join(tmpdir(), "perceo-viewer-blobs-")));
  store = postgresStore(database.db, { blobs });
  scenario = await seedReview(store);
  const handle = createDashboard({ store, blobs, basePath: "", viewer: localViewer() });
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await database?.close();
});

/** A page that fails the test on any console error: a CSP violation (an inline script or style) shows there. */
async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${origin}${url}`, { waitUntil: "load" });
  return { page, errors };
}

let axeSource: string | undefined;
/** axe-core's serious and critical violations (evaluated through the debugger, so the page's CSP stays on). */
async function seriousViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(): Promise<{
            violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>;
          }>;
        };
      }
    ).axe;
    const { violations } = await axe.run();
    return violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}

describe("the review viewer in Chromium", () => {
  it("compares with the slider, overlay and zoom, and reviews with j/k/a/i", async () => {
    const { page, errors } = await openPage(pullRequestReviewPath("", scenario.project, scenario.prNumber));
    const sections = page.locator("section.change");
    expect(await sections.count()).toBe(2);

    await page.keyboard.press("j");
    expect(await sections.nth(0).getAttribute("class")).toContain("current");
    await page.keyboard.press("j");
    expect(await sections.nth(1).getAttribute("class")).toContain("current");
    expect(await sections.nth(0).getAttribute("class")).not.toContain("current");
    await page.keyboard.press("k");
    expect(await sections.nth(0).getAttribute("class")).toContain("current");

    const first = sections.nth(0);
    await first.getByRole("button", { name: "Slider" }).click();
    await first.locator('input[name="split"]').fill("30");
    const after = first.locator("figure.after img");
    expect(await after.evaluate((img) => (img as HTMLImageElement).style.clipPath)).toBe(
      "inset(0px 0px 0px 30%)",
    );
    expect(await first.locator("figure.diff").isVisible()).toBe(false);
    await first.getByRole("button", { name: "Overlay" }).click();
    await first.locator('input[name="opacity"]').fill("80");
    expect(await after.evaluate((img) => (img as HTMLImageElement).style.opacity)).toBe("0.8");
    expect(await after.evaluate((img) => (img as HTMLImageElement).style.clipPath)).toBe("");
    await first.getByRole("button", { name: /region 1/ }).click();
    expect(await after.evaluate((img) => (img as HTMLImageElement).style.transform)).toBe("scale(2)");
    await first.getByRole("button", { name: "whole picture" }).click();
    expect(await after.evaluate((img) => (img as HTMLImageElement).style.transform)).toBe("");

    // The banner group (checkout and signup) first: `a` approves both, then the viewer moves on.
    expect(await first.locator("h2").textContent()).toContain("checkout");
    await first.click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("a");
    await expect.poll(() => first.getAttribute("data-state"), { timeout: 20_000 }).toBe("approved");
    expect(await first.locator(".state").textContent()).toBe("Approved (2)");
    expect(await sections.nth(1).getAttribute("class")).toContain("current");
    const pending = await store.listPendingScreenshots(scenario.projectId, scenario.headSha);
    expect(pending.map((s) => s.flowName).sort()).toEqual(["about", "search"]);

    await page.keyboard.press("i");
    await expect.poll(() => sections.nth(1).getAttribute("data-state"), { timeout: 20_000 }).toBe("ignored");
    expect(await store.listIgnoredFingerprints(scenario.projectId)).toHaveLength(1);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("has no serious accessibility violations on the review, overview and run pages", async ({
    annotate,
  }) => {
    for (const url of [
      pullRequestReviewPath("", scenario.project, scenario.prNumber),
      projectPath("", scenario.project),
      runPath("", scenario.project, scenario.runId),
      "/",
    ]) {
      const { page, errors } = await openPage(url);
      expect(await seriousViolations(page), url).toEqual([]);
      expect(errors, url).toEqual([]);
      // Each page's picture goes with the test's output (the reporters show attachments).
      await annotate(url, { contentType: "image/png", body: await page.screenshot({ fullPage: true }) });
      await page.close();
    }
  }, 120_000);
});
