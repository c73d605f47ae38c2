import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Browser } from "playwright-core";
import { startShop } from "../examples/shop/server.ts";
import { loadProject } from "../shared/config/index.ts";
import { launchBrowser, runFlows } from "../shared/runner/index.ts";
import { median } from "./stats.ts";

/*
 * One realistic flow (a checkout on the example shop) run by the Perceo runner (A) and the same
 * steps hand-written with playwright-core (B): same browser process, same shop, alternating A/B so
 * drift on the machine hits both alike. Target: A/B ≤ 1.10.
 */
const { values } = parseArgs({ options: { iterations: { type: "string", default: "15" } } });
const iterations = Number(values.iterations);

const FLOW = `name: bench-checkout
description: A shopper buys a lamp and sees the confirmation.
priority: critical
steps:
  - goto: /products/aurora-lamp
  - click: { role: button, name: Add to cart }
  - expect: { element: { testId: cart-count }, text: "1" }
  - goto: /checkout
  - fill:
      - { label: Email, value: bench@example.com }
      - { label: Full name, value: Ada Lovelace }
      - { label: Street address, value: 1 Analytical Way }
      - { label: Postal code, value: "10115" }
      - { label: City, value: Berlin }
      - { label: Card number, value: 4242 4242 4242 4242 }
      - { label: Expiry date, value: 12/30 }
      - { label: CVC, value: "123" }
  - select: { label: Country, option: Germany }
  - check: { label: I accept the terms of sale }
  - click: { role: button, name: Place order }
  - expect: { visible: { role: heading, name: Thank you for your order } }
  - screenshot: { name: confirmation, mask: [{ testId: order-number }] }
`;

async function handWritten(browser: Browser, baseUrl: string, outDir: string): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/products/aurora-lamp`);
  await page.getByRole("button", { name: "Add to cart" }).click();
  await page
    .getByTestId("cart-count")
    .filter({ hasText: /^\s*1\s*$/ })
    .waitFor();
  await page.goto(`${baseUrl}/checkout`);
  await page.getByLabel("Email").fill("bench@example.com");
  await page.getByLabel("Full name").fill("Ada Lovelace");
  await page.getByLabel("Street address").fill("1 Analytical Way");
  await page.getByLabel("Postal code").fill("10115");
  await page.getByLabel("City").fill("Berlin");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByLabel("Expiry date").fill("12/30");
  await page.getByLabel("CVC").fill("123");
  await page.getByLabel("Country").selectOption("Germany");
  await page.getByLabel("I accept the terms of sale").check();
  await page.getByRole("button", { name: "Place order" }).click();
  await page.getByRole("heading", { name: "Thank you for your order" }).waitFor();
  await page.screenshot({
    path: path.join(outDir, "confirmation.png"),
    mask: [page.getByTestId("order-number")],
  });
  await context.close();
}

const root = await mkdtemp(path.join(tmpdir(), "perceo-bench-"));
await mkdir(path.join(root, ".perceo/flows"), { recursive: true });
await writeFile(path.join(root, ".perceo/config.yml"), "project: bench\nbaseUrl: http://127.0.0.1\n");
await writeFile(path.join(root, ".perceo/flows/checkout.yml"), FLOW);
const project = await loadProject(root, { cwd: root });
const [shop, browser] = await Promise.all([startShop(), launchBrowser()]);

const timeA: number[] = [];
const timeB: number[] = [];
try {
  const a = async () => {
    const result = await runFlows({
      project: "bench",
      baseUrl: shop.url,
      flows: project.flows,
      outputDir: path.join(root, "a"),
      browser,
      settings: { workers: 1 },
    });
    if (result.status !== "passed")
      throw new Error(`the Perceo run failed: ${result.flows[0]?.attempts[0]?.error?.message}`);
  };
  const b = () => handWritten(browser, shop.url, path.join(root, "b"));
  await mkdir(path.join(root, "b"), { recursive: true });
  for (let i = 0; i < 2; i++) {
    await a(); // warm-up: first navigations compile the shop's pages and fill the browser's caches
    await b();
  }
  for (let i = 0; i < iterations; i++) {
    const order = i % 2 === 0 ? ([a, b] as const) : ([b, a] as const);
    for (const step of order) {
      const started = performance.now();
      await step();
      (step === a ? timeA : timeB).push(performance.now() - started);
    }
  }
} finally {
  await Promise.all([browser.close(), shop.close()]);
}

const medianA = median(timeA);
const medianB = median(timeB);
const ratio = medianA / medianB;
console.log(`checkout flow, ${iterations} runs each, alternating`);
console.log(`  perceo runner            median ${medianA.toFixed(1)} ms`);
console.log(`  playwright-core by hand  median ${medianB.toFixed(1)} ms   (peer)`);
console.log(
  `  ratio perceo / by hand   ${ratio.toFixed(3)}   (target ≤ 1.10: ${ratio <= 1.1 ? "met" : "NOT met"})`,
);
