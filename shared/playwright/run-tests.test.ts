import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../cli/main.ts";
import { capturedIo } from "../cli/testing.ts";
import type { Selection } from "../observer/index.ts";
import type { RunResult } from "../runner/index.ts";
import { PlaywrightSetupError } from "./errors.ts";
import { loadProjectWithTests } from "./load-project.ts";
import { runPlaywrightTests } from "./run-tests.ts";
import { freePort, shopSuiteRepository } from "./testing/playwright-project.ts";

const EXTRA_SPECS = {
  // Fails its first attempt, as a test racing the page would; passes on the retry.
  "flaky.spec.ts": [
    'import { expect, test } from "@playwright/test";',
    'test("the home page settles", async ({ page }, testInfo) => {',
    '  await page.goto("/");',
    '  expect(testInfo.retry, "the first attempt loses the race").toBeGreaterThan(0);',
    "});",
    "",
  ].join("\n"),
  "broken.spec.ts": [
    'import { expect, test } from "@playwright/test";',
    'test("the 404 page has a search box", async ({ page }) => {',
    '  await page.goto("/nowhere");',
    '  await expect(page.getByRole("searchbox")).toBeVisible({ timeout: 500 });',
    "});",
    'test("the home page looks as it did", async ({ page }) => {',
    '  await page.goto("/");',
    '  await expect(page).toHaveScreenshot("home.png");',
    "});",
    "",
  ].join("\n"),
};

describe("perceo run runs the selected Playwright tests with the project's own Playwright", () => {
  let repo: Awaited<ReturnType<typeof shopSuiteRepository>>;
  let run: RunResult;
  let code: number;
  let output: string;
  const flow = (name: string) => run.flows.find((f) => f.name === name);

  beforeAll(async () => {
    repo = await shopSuiteRepository("perceo-pw-run-");
    for (const [name, text] of Object.entries(EXTRA_SPECS))
      await writeFile(path.join(repo.suiteDir, "tests", name), text);
    const { io, stdout, stderr } = capturedIo(repo.suiteDir, { SHOP_PORT: String(await freePort()) });
    code = await main(
      [
        "run",
        "--flows",
        "flaky--the-home-page-settles,broken--the-404-page-has-a-search-box,broken--the-home-page-looks-as-it-did,cart--two-armchairs-land-in-the-cart",
        "--retries",
        "1",
        "--no-record",
        "--coverage",
      ],
      io,
    );
    output = stdout() + stderr();
    run = JSON.parse(await readFile(path.join(repo.suiteDir, "perceo-report/run.json"), "utf8")) as RunResult;
  }, 180_000);

  it("runs exactly the named tests and reports each as a flow; a failure exits 1", () => {
    expect(code, output).toBe(1);
    expect(run.flows.map((f) => f.name).sort()).toEqual([
      "broken--the-404-page-has-a-search-box",
      "broken--the-home-page-looks-as-it-did",
      "cart--two-armchairs-land-in-the-cart",
      "flaky--the-home-page-settles",
    ]);
    expect(run.totals).toEqual({ passed: 1, failed: 2, flaky: 1, skipped: 0 });
    expect(output).toContain("1 passed, 2 failed, 1 flaky");
  });

  it("a test that passes on its retry is reported flaky, with both attempts", () => {
    expect(flow("flaky--the-home-page-settles")).toMatchObject({
      status: "flaky",
      attempts: [
        { attempt: 1, status: "failed" },
        { attempt: 2, status: "passed" },
      ],
    });
    expect(flow("flaky--the-home-page-settles")?.attempts[0]?.error?.message).toContain(
      "the first attempt loses the race",
    );
  });

  it("a failure's error points at the spec's file and line", () => {
    const failed = flow("broken--the-404-page-has-a-search-box");
    expect(failed?.status).toBe("failed");
    expect(failed?.attempts).toHaveLength(2);
    expect(failed?.attempts[0]?.error?.location).toMatchObject({ file: "tests/broken.spec.ts", line: 4 });
  });

  it("testInfo.attach PNGs and toHaveScreenshot's actual image become the flow's screenshots", () => {
    const cart = flow("cart--two-armchairs-land-in-the-cart")?.attempts[0]?.screenshots[0];
    expect(cart).toMatchObject({ name: "cart", viewport: { width: 1280, height: 720 } });
    expect(existsSync(path.join(repo.suiteDir, "perceo-report", cart?.path ?? "none"))).toBe(true);
    // No baseline yet: Playwright fails the assertion and attaches what it saw.
    const home = flow("broken--the-home-page-looks-as-it-did")?.attempts[0]?.screenshots.map((s) => s.name);
    expect(home).toContain("home");
  });

  it("Playwright's own HTML report is kept beside Perceo's", () => {
    expect(existsSync(path.join(repo.suiteDir, "perceo-report/playwright-report/index.html"))).toBe(true);
    expect(existsSync(path.join(repo.suiteDir, "perceo-report/index.html"))).toBe(true);
  });

  it("--coverage records what each test's page ran, keyed by the test's flow name, with no change to the suite", async () => {
    const coverage = JSON.parse(
      await readFile(path.join(repo.suiteDir, ".perceo/coverage.json"), "utf8"),
    ) as {
      flows: Record<string, { urls: string[]; files: Record<string, unknown> }>;
    };
    const cart = coverage.flows["cart--two-armchairs-land-in-the-cart"];
    // The cart page is reached by a click, which only the recording knows of.
    expect(cart?.urls.map((u) => new URL(u).pathname)).toEqual(["/products/fjord-armchair", "/cart"]);
    expect(Object.keys(cart?.files ?? {})).toEqual(
      expect.arrayContaining(["examples/shop/public/js/cart.js", "examples/shop/public/css/shop.css"]),
    );
    expect(output).toContain("Coverage of 4 flows: .perceo/coverage.json");
  });

  it("perceo affected reads the recorded coverage: a script change selects the tests that ran its lines, saying so", async () => {
    const script = path.join(repo.repo, "examples/shop/public/js/cart.js");
    const text = await readFile(script, "utf8");
    // The cart page's quantity forms: the cart test's page ran this line, the home page test's never did.
    const line = text.split("\n").findIndex((l) => l.includes('input?.addEventListener("change"')) + 1;
    await writeFile(
      script,
      text.replace('input?.addEventListener("change"', 'input?.addEventListener("input"'),
    );
    try {
      const { io, stdout, stderr } = capturedIo(repo.suiteDir, {});
      expect(await main(["affected", "--base", "HEAD", "--json", "--no-cache"], io), stderr()).toBe(0);
      const selection = JSON.parse(stdout()) as Selection;
      const coverageReasons = (flow: string) =>
        selection.flows
          .find((f) => f.flow === flow)
          ?.reasons.filter((r) => r.signal === "coverage")
          .map((r) => r.detail) ?? [];
      const commit = repo.git("rev-parse", "--short=7", "HEAD").trim();
      expect(selection.selected).toContain("cart--two-armchairs-land-in-the-cart");
      expect(coverageReasons("cart--two-armchairs-land-in-the-cart")).toEqual([
        `the recorded run of cart--two-armchairs-land-in-the-cart at ${commit} executed examples/shop/public/js/cart.js (lines ${line})`,
      ]);
      expect(coverageReasons("flaky--the-home-page-settles")).toEqual([]);
    } finally {
      await writeFile(script, text);
    }
  });

  it("a test list that matches nothing is a setup error that says what to do", async () => {
    const project = await loadProjectWithTests(repo.suiteDir, { cwd: repo.suiteDir });
    const [one] = project.flows.filter((f) => f.test);
    if (!one?.test || !project.playwright) throw new Error("no test");
    const gone = { ...one, test: { ...one.test, listEntry: "cart.spec.ts › cart › a test renamed since" } };
    const running = runPlaywrightTests({
      suite: project.playwright,
      flows: [gone],
      project: "shop",
      baseUrl: project.config.baseUrl,
      outputDir: path.join(repo.repo, "nothing-report"),
      cwd: repo.suiteDir,
      env: { ...process.env, SHOP_PORT: String(await freePort()) },
    });
    await expect(running).rejects.toBeInstanceOf(PlaywrightSetupError);
    await expect(running).rejects.toThrow(
      /none of the 1 selected tests matched.*Fix: run `perceo flows list`/,
    );
  });
});
