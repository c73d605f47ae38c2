import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningShop, startShop } from "../../examples/shop/server.ts";
import { loadProject } from "../config/index.ts";
import { buildCoverageMap } from "../observer/index.ts";
import { launchBrowser } from "./browser.ts";
import { type RecordedCoverage, startCoverage } from "./coverage.ts";
import { runFlows } from "./run-flows.ts";

let shop: RunningShop;
let browser: Browser;
const repoRoot = path.resolve(import.meta.dirname, "../..");

beforeAll(async () => {
  [shop, browser] = await Promise.all([startShop(), launchBrowser()]);
});
afterAll(async () => {
  await Promise.all([shop?.close(), browser?.close()]);
});

describe("coverage recording", () => {
  it("records the pages a flow visited by clicking and the browser-script lines it ran, mapped to repository files", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "perceo-coverage-"));
    await mkdir(path.join(root, ".perceo/flows"), { recursive: true });
    await writeFile(path.join(root, ".perceo/config.yml"), `project: shop\nbaseUrl: ${shop.url}\n`);
    await writeFile(
      path.join(root, ".perceo/flows/add.yml"),
      [
        "name: add",
        "description: Adds a mug and opens the cart by its link.",
        "priority: high",
        "steps:",
        "  - goto: /products/stoneware-mug",
        "  - click: { role: button, name: Add to cart }",
        '  - expect: { element: { testId: cart-count }, text: "1" }',
        "  - click: { role: link, name: View cart }",
        "  - expect: { visible: { role: heading, name: Your cart } }",
        "",
      ].join("\n"),
    );
    const project = await loadProject(root, { cwd: root });
    const recorded = new Map<string, RecordedCoverage>();
    const result = await runFlows({
      project: "shop",
      baseUrl: shop.url,
      flows: project.flows,
      outputDir: path.join(root, "out"),
      browser,
      settings: { trace: "off", retries: 0 },
      onCoverage: (flow, _attempt, coverage) => recorded.set(flow, coverage),
    });
    expect(result.flows[0]?.status).toBe("passed");
    const coverage = recorded.get("add");
    expect(coverage?.urls.map((u) => new URL(u).pathname)).toEqual(["/products/stoneware-mug", "/cart"]);

    const files = execFileSync("git", ["ls-files"], { cwd: repoRoot, encoding: "utf8" }).split("\n");
    const map = buildCoverageMap(recorded, files, { appDir: "examples/shop" });
    const cart = map.flows.add?.files["examples/shop/public/js/cart.js"];
    // The submit handler (line 15, the fetch) ran; the fallback in the catch block (line 26) did not.
    expect(Array.isArray(cart) && cart.some((r) => r.start <= 15 && r.end >= 15)).toBe(true);
    expect(Array.isArray(cart) && cart.some((r) => r.start <= 26 && r.end >= 26)).toBe(false);
    expect(map.flows.add?.files["examples/shop/public/css/shop.css"]).toBeDefined();
  });

  it("keeps what a document ran up to the click that left it", async () => {
    // The test does not call checkpoint(): as in a Playwright test, the only takes are the unloads and the stop.
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    const recorder = await startCoverage(page);
    // The menu's open rule applies on the home page only; the About link then leaves it.
    await page.goto(`${shop.url}/`);
    await page.getByRole("button", { name: "Menu" }).click();
    await page.getByRole("link", { name: "About", exact: true }).click();
    await page.getByRole("heading", { name: "About us", level: 1 }).waitFor();
    // The card check runs in the checkout's submit handler, which then sends the form to another page.
    await page.goto(`${shop.url}/products/aurora-lamp`);
    await page.getByRole("button", { name: "Add to cart" }).click();
    await page.getByTestId("cart-count").filter({ hasText: "1" }).waitFor();
    await page.goto(`${shop.url}/checkout`);
    await page.getByLabel("Email").fill("grace@example.com");
    await page.getByLabel("Full name").fill("Grace Hopper");
    await page.getByLabel("Street address").fill("Torstraße 1");
    await page.getByLabel("Postal code").fill("10119");
    await page.getByLabel("City").fill("Berlin");
    await page.getByLabel("Country").selectOption("Germany");
    await page.getByLabel("Card number").fill("4242 4242 4242 4242");
    await page.getByLabel("Expiry date").fill("12/34");
    await page.getByLabel("CVC").fill("123");
    await page.getByLabel("I accept the terms of sale").check();
    await page.getByRole("button", { name: "Place order" }).click();
    await page.getByRole("heading", { name: "Thank you for your order" }).waitFor();
    const recorded = await recorder.stop();
    await context.close();

    const ran = async (file: string, text: string) => {
      const source = await readFile(path.join(repoRoot, "examples/shop", file), "utf8");
      const line = source.slice(0, source.indexOf(text)).split("\n").length;
      const spans = recorded.files[`${shop.url}/${file}`] ?? [];
      return spans.some((s) => s.start <= line && s.end >= line);
    };
    expect(recorded.urls.map((u) => new URL(u).pathname)).toEqual([
      "/",
      "/about",
      "/products/aurora-lamp",
      "/checkout",
      expect.stringMatching(/^\/orders\/\d+$/),
    ]);
    expect(await ran("public/js/menu.js", 'nav.classList.toggle("is-open", open);')).toBe(true);
    expect(await ran("public/css/shop.css", ".js .site-nav.is-open {")).toBe(true);
    expect(await ran("public/js/checkout.js", "return sum % 10 === 0;")).toBe(true);
    // A line that never ran stays out: nothing pressed Escape.
    expect(await ran("public/js/menu.js", 'nav.classList.remove("is-open");')).toBe(false);
  });
});
