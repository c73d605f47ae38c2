import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../cli/cli-io.ts";
import { main } from "../cli/main.ts";
import { capturedIo } from "../cli/testing.ts";
import type { LoadedFlow } from "../config/index.ts";
import { PlaywrightSetupError } from "./errors.ts";
import { loadProjectWithTests, type ProjectWithTests } from "./load-project.ts";
import { minimalConfig, playwrightProject } from "./testing/playwright-project.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const example = path.join(repoRoot, "examples/shop-playwright");

describe("the example suite's tests as flows", () => {
  let project: ProjectWithTests;
  const flow = (name: string) => project.flows.find((f) => f.name === name) as LoadedFlow;
  beforeAll(async () => {
    project = await loadProjectWithTests(example, { cwd: repoRoot });
  });

  it("each test becomes a flow named from its spec and title path, beside the YAML flow", () => {
    const tests = project.flows.filter((f) => f.test);
    expect(tests).toHaveLength(18);
    expect(project.flows.map((f) => f.name)).toContain("home-smoke");
    expect(flow("checkout--a-guest-buys-a-lamp")).toMatchObject({
      description: "checkout › a guest buys a lamp",
      file: "examples/shop-playwright/tests/checkout.spec.ts",
      test: {
        listEntry: "checkout.spec.ts › checkout › a guest buys a lamp",
        config: "examples/shop-playwright/playwright.config.ts",
        projects: ["desktop"],
      },
    });
    expect(project.playwright).toMatchObject({
      version: "1.65.1",
      appDir: path.join(repoRoot, "examples/shop"),
    });
  });

  it("priority comes from a tag, covers from a perceo.covers annotation, and untagged tests are medium", () => {
    expect(flow("checkout--a-guest-buys-a-lamp").priority).toBe("critical");
    expect(flow("catalog--a-sold-out-product-cannot-be-bought")).toMatchObject({
      priority: "low",
      covers: ["src/data/catalogue.ts"],
    });
    expect(flow("checkout--an-empty-form-says-what-is-missing").priority).toBe("medium");
  });

  it("URLs come from the test's body, the hooks around it and the page objects it calls, resolved against baseURL", () => {
    const checkout = flow("checkout--a-guest-buys-a-lamp");
    expect(checkout.steps).toEqual(
      expect.arrayContaining([
        // ProductPage.open(slug) in the describe's beforeEach: a template filling a whole segment.
        { goto: "/products/x" },
        { goto: "/checkout" },
        { expect: { url: { matches: "\\/orders\\/\\d+$" } } },
      ]),
    );
    expect(checkout.stepLocations.map((l) => `${l.file}:${l.line}`)).toContain(
      "examples/shop-playwright/pages/product-page.ts:12",
    );
    // `catalog.open("zebra")`: a template cut mid-segment leaves a prefix; the class narrows `open` to the catalog's.
    expect(flow("catalog--a-search-with-no-match-says-so").steps).toEqual([
      { expect: { url: { contains: "/products?q=" } } },
      { goto: "/products" },
    ]);
  });

  it("a test depends on the page objects it uses and on the fixtures module its test() comes from", () => {
    const order = flow("account--ada-opens-a-past-order").test;
    // Only through the signedIn fixture does this test use the login page.
    expect(order?.imports.map((i) => i.file).sort()).toEqual([
      "examples/shop-playwright/fixtures/shop.ts",
      "examples/shop-playwright/pages/login-page.ts",
    ]);
    const signup = flow("account--signup-a-newcomer-creates-an-account").test;
    expect(signup?.imports.map((i) => i.file)).toEqual(["examples/shop-playwright/fixtures/shop.ts"]);
    expect(
      flow("cart--two-armchairs-land-in-the-cart").test?.imports.map((i) => i.chain.join(" → ")),
    ).toContain(
      "examples/shop-playwright/tests/cart.spec.ts → examples/shop-playwright/pages/cart-page.ts → #CartPage.expectTotal",
    );
    expect(flow("cart--two-armchairs-land-in-the-cart").test?.words).toContain("Add to cart");
  });
});

describe("discovery edge cases", () => {
  const spec = (body: string) =>
    `import { test, expect } from "@playwright/test";\n${body}\ntest("b", async ({ page }) => {\n  await page.goto("/b");\n});\n`;

  it("moving a test down the file keeps its name and follows its lines", async () => {
    const root = await playwrightProject({
      "playwright.config.ts": minimalConfig(),
      "tests/a.spec.ts": spec('test("a", async ({ page }) => {\n  await page.goto("/a");\n});'),
    });
    const before = await loadProjectWithTests(root, { cwd: root });
    const file = path.join(root, "tests/a.spec.ts");
    await writeFile(file, `\n\n\n${await readFile(file, "utf8")}`);
    const after = await loadProjectWithTests(root, { cwd: root });
    expect(after.flows.map((f) => f.name)).toEqual(before.flows.map((f) => f.name));
    expect(after.flows.map((f) => f.name)).toEqual(["a", "a--b"]);
    expect(after.flows[0]?.test?.lines.start).toBe((before.flows[0]?.test?.lines.start ?? 0) + 3);
    // Without .perceo/config.yml the project is named after its folder and takes Playwright's baseURL.
    expect(after.config.baseUrl).toBe("http://127.0.0.1:9");
    expect(after.config.project).toBe(path.basename(root));
  });

  it("a spec Playwright cannot load is one flow for the whole file, marked unreadable", async () => {
    const root = await playwrightProject({
      "playwright.config.ts": minimalConfig(),
      "tests/good.spec.ts": spec(""),
      "tests/broken.spec.ts":
        'import { test } from "@playwright/test";\ntest("x", async () => {\n  const = ;\n});\n',
    });
    const project = await loadProjectWithTests(root, { cwd: root });
    const broken = project.flows.find((f) => f.file === "tests/broken.spec.ts");
    expect(broken?.test).toMatchObject({
      listEntry: "broken.spec.ts",
      unreadable: expect.stringMatching(/^Playwright could not load it: /),
    });
    expect(project.flows.filter((f) => f.file === "tests/good.spec.ts")).toHaveLength(1);
  });

  it("no @playwright/test where the config can import it: an error that says how to install it", async () => {
    const root = await playwrightProject(
      { "playwright.config.ts": minimalConfig(), "tests/a.spec.ts": spec("") },
      { installed: false },
    );
    const loading = loadProjectWithTests(root, { cwd: root });
    await expect(loading).rejects.toBeInstanceOf(PlaywrightSetupError);
    await expect(loading).rejects.toThrow(
      /@playwright\/test is not installed .*npm install --save-dev @playwright\/test/,
    );
    // Every command that loads the project says the same and exits 2.
    const { io, stderr } = capturedIo(root, process.env);
    expect(await main(["flows", "list"], io)).toBe(EXIT.usage);
    expect(stderr()).toMatch(/^perceo: .*playwright.config.ts is a Playwright config, but @playwright\/test/);
  });

  it("a config that fails to load: Playwright's own error, and how to see it", async () => {
    const root = await playwrightProject({
      "playwright.config.ts": 'throw new Error("no BASE_URL set");\nexport default {};\n',
      "tests/a.spec.ts": spec(""),
    });
    await expect(loadProjectWithTests(root, { cwd: root })).rejects.toThrow(
      /no BASE_URL set.*Fix: run `npx playwright test --list`/,
    );
    const { io, stderr } = capturedIo(root, process.env);
    expect(await main(["run", "--no-record"], io)).toBe(EXIT.usage);
    expect(stderr()).toMatch(/no BASE_URL set.*Fix: run `npx playwright test --list`/);
  });

  it("a test list that matches nothing when Playwright runs it: exit 2 with the fix", async () => {
    // A title built at load time differs between the listing process and the running one.
    const root = await playwrightProject({
      "playwright.config.ts": minimalConfig(),
      "tests/a.spec.ts":
        'import { test } from "@playwright/test";\ntest("run " + process.pid, async () => {});\n',
    });
    const { io, stdout, stderr } = capturedIo(root, process.env);
    expect(await main(["run", "--no-record"], io), stdout()).toBe(EXIT.usage);
    expect(stderr()).toMatch(/^perceo: none of the 1 selected tests matched.*Fix: run `perceo flows list`/s);
  }, 120_000);

  it("a .perceo/config.yml naming a Playwright config that does not exist says so", async () => {
    const root = await playwrightProject({
      ".perceo/config.yml": "project: p\nbaseUrl: http://127.0.0.1:9\nplaywright: e2e/playwright.config.ts\n",
    });
    await expect(loadProjectWithTests(root, { cwd: root })).rejects.toThrow(
      /names the Playwright config e2e\/playwright.config.ts, which does not exist/,
    );
  });
});
