import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningShop, startShop } from "../../examples/shop/server.ts";
import { loadProject } from "../config/index.ts";
import { buildCoverageMap } from "../observer/index.ts";
import { launchBrowser } from "./browser.ts";
import type { RecordedCoverage } from "./coverage.ts";
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
});
