import { mkdir, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningShop, startShop } from "../../examples/shop/server.ts";
import { loadProject } from "../config/index.ts";
import { BrowserNotFoundError, launchBrowser } from "./browser.ts";
import type { RunEvent, RunOptions } from "./run-flows.ts";
import { runFlows } from "./run-flows.ts";

let shop: RunningShop;
let browser: Browser;

beforeAll(async () => {
  [shop, browser] = await Promise.all([startShop(), launchBrowser()]);
});

afterAll(async () => {
  await Promise.all([shop?.close(), browser?.close()]);
});

/** Writes flows into a fresh .perceo/ and loads them the way the CLI does, so step lines are real. */
async function flowsFrom(files: Record<string, string>) {
  const root = await mkdtemp(path.join(tmpdir(), "perceo-runner-"));
  await mkdir(path.join(root, ".perceo/flows"), { recursive: true });
  await writeFile(path.join(root, ".perceo/config.yml"), `project: shop\nbaseUrl: ${shop.url}\n`);
  for (const [name, text] of Object.entries(files))
    await writeFile(path.join(root, ".perceo/flows", `${name}.yml`), text);
  const project = await loadProject(root, { cwd: root });
  return { root, flows: project.flows, outputDir: path.join(root, "perceo-report") };
}

function run(setup: Awaited<ReturnType<typeof flowsFrom>>, options: Partial<RunOptions> = {}) {
  return runFlows({
    project: "shop",
    baseUrl: shop.url,
    flows: setup.flows,
    outputDir: setup.outputDir,
    browser,
    settings: { stepTimeout: 2_000, workers: 2, retries: 0 },
    ...options,
  });
}

const LOGIN = `name: login
description: Ada logs in and sees her account.
priority: critical
steps:
  - goto: /login
  - fill:
      - { label: Email, value: ada@example.com }
      - { label: Password, value: correct horse }
  - click: { role: button, name: Log in }
  - expect: { visible: { role: heading, name: Your account } }
  - expect: { url: /account }
  - screenshot: account
`;

describe("runFlows against the example shop", () => {
  it("passes a flow and keeps its screenshot", async () => {
    const setup = await flowsFrom({ login: LOGIN });
    const result = await run(setup);
    const [flow] = result.flows;
    expect(result.status).toBe("passed");
    expect(flow?.status).toBe("passed");
    expect(flow?.attempts[0]?.steps.map((s) => s.status)).toEqual([
      "passed",
      "passed",
      "passed",
      "passed",
      "passed",
      "passed",
    ]);
    const shot = flow?.attempts[0]?.screenshots[0];
    expect(shot).toMatchObject({ name: "account", viewport: { width: 1280, height: 800 }, stepIndex: 5 });
    const png = await readFile(path.join(setup.outputDir, shot?.path ?? ""));
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(result.browser.version).toMatch(/^\d+\./);
  });

  it("fails at the step that broke, naming its file and line, and skips the rest", async () => {
    const broken = LOGIN.replace("name: Log in }", "name: Sign in }");
    const setup = await flowsFrom({ login: broken });
    const result = await run(setup);
    const attempt = result.flows[0]?.attempts[0];
    expect(result.status).toBe("failed");
    expect(attempt?.steps.map((s) => s.status)).toEqual([
      "passed",
      "passed",
      "failed",
      "skipped",
      "skipped",
      "skipped",
    ]);
    expect(attempt?.error).toMatchObject({
      message:
        '.perceo/flows/login.yml:9:5 step 3 (click button "Sign in"): click: no element matches button "Sign in"',
      expected: 'button "Sign in" on the page',
      actual: "no matching element",
      location: { file: ".perceo/flows/login.yml", line: 9, col: 5 },
    });
    // Taken at the step that failed, so the store can keep it beside that step.
    expect(attempt?.screenshots.map((s) => [s.name, s.stepIndex])).toEqual([["failure", 2]]);
    expect((await stat(path.join(setup.outputDir, attempt?.trace ?? "missing"))).size).toBeGreaterThan(1_000);
  });

  it("by default traces only the retry, so a first attempt that passes pays nothing for tracing", async () => {
    const setup = await flowsFrom({ login: LOGIN.replace("name: Log in }", "name: Sign in }") });
    const result = await run(setup, { settings: { stepTimeout: 500, retries: 1 } });
    const attempts = result.flows[0]?.attempts;
    expect(attempts?.map((a) => [a.status, a.trace])).toEqual([
      ["failed", undefined],
      ["failed", "traces/login-attempt-2.zip"],
    ]);
  });

  it("reports a flow that passes on retry as flaky", async () => {
    const email = `late-${Date.now()}@example.com`;
    const flow = LOGIN.replace("ada@example.com", email).replace("correct horse", "long enough password");
    const setup = await flowsFrom({ login: flow });
    // The account appears only after the first attempt failed: the kind of race that makes real suites flaky.
    const onEvent = (event: RunEvent) => {
      if (event.type === "attempt-end" && event.attempt === 1) {
        void fetch(`${shop.url}/signup`, {
          method: "POST",
          body: new URLSearchParams({ name: "Late", email, password: "long enough password" }),
          redirect: "manual",
        });
      }
    };
    const result = await run(setup, { onEvent, settings: { retries: 2, stepTimeout: 2_000 } });
    expect(result.flows[0]?.status).toBe("flaky");
    expect(result.flows[0]?.attempts.map((a) => a.status)).toEqual(["failed", "passed"]);
    expect(result.totals).toEqual({ passed: 0, failed: 0, flaky: 1, skipped: 0 });
    expect(result.status).toBe("passed");
  });

  it("gives up on an expectation at the step timeout and says what it found", async () => {
    const setup = await flowsFrom({
      cart: `name: cart
description: The cart starts empty.
priority: medium
steps:
  - goto: /cart
  - expect: { element: { role: heading, level: 1 }, text: Your basket }
    timeout: 300
`,
    });
    const result = await run(setup);
    const error = result.flows[0]?.attempts[0]?.error;
    expect(error?.message).toBe(
      '.perceo/flows/cart.yml:6:5 step 2 (expect heading text = "Your basket"): expected heading text = "Your basket", found "Your cart" after 300ms',
    );
    expect(error).toMatchObject({ expected: 'heading text = "Your basket"', actual: '"Your cart"' });
  });

  it("checks that a control is disabled or enabled", async () => {
    const setup = await flowsFrom({
      "sold-out": `name: sold-out
description: A sold-out product cannot be added.
priority: low
steps:
  - goto: /products/nordic-bench
  - expect: { disabled: { role: button, name: Sold out } }
  - expect: { enabled: { role: button, name: Sold out } }
    timeout: 200
`,
    });
    const error = (await run(setup)).flows[0]?.attempts[0]?.error;
    expect(error).toMatchObject({
      expected: 'button "Sold out" enabled',
      actual: "disabled",
      location: { line: 7 },
    });
  });

  it("never shows a value that came from the environment", async () => {
    const setup = await flowsFrom({
      secret: `name: secret
description: A password from the environment stays out of reports.
priority: low
steps:
  - goto: /login
  - fill: { label: Password, value: "{{env.SHOP_PASSWORD}}" }
  - expect: { element: { label: Password }, value: nope }
    timeout: 200
`,
    });
    const result = await run(setup, { env: { SHOP_PASSWORD: "hunter2-secret" } });
    const error = result.flows[0]?.attempts[0]?.error;
    expect(error?.actual).toBe('"***"');
    expect(JSON.stringify(result)).not.toContain("hunter2-secret");
  });

  it("runs flows on several workers, each in its own context", async () => {
    const other = LOGIN.replace("name: login", "name: login-again");
    const setup = await flowsFrom({ login: LOGIN, "login-again": other });
    const events: string[] = [];
    const result = await run(setup, {
      onEvent: (e) => {
        if (e.type === "flow-start") events.push(`start ${e.flow}`);
        if (e.type === "flow-end") events.push(`end ${e.result.name}`);
      },
    });
    expect(result.flows.map((f) => [f.name, f.status])).toEqual([
      ["login", "passed"],
      ["login-again", "passed"],
    ]);
    // Two workers: the second flow starts before the first one ends.
    expect(events.slice(0, 2).sort()).toEqual(["start login", "start login-again"]);
  });

  it("fails with a clear error when no browser can be found", async () => {
    const setup = await flowsFrom({ login: LOGIN });
    const attempt = runFlows({
      project: "shop",
      baseUrl: shop.url,
      flows: setup.flows,
      outputDir: setup.outputDir,
      env: { PERCEO_BROWSER_PATH: "/nowhere/chrome" },
    });
    await expect(attempt).rejects.toBeInstanceOf(BrowserNotFoundError);
  });
});
