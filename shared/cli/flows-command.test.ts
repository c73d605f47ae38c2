import path from "node:path";
import { describe, expect, it } from "vitest";
import { minimalConfig, playwrightProject } from "../playwright/testing/playwright-project.ts";
import { EXIT, main } from "./main.ts";
import { capturedIo } from "./testing.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");

describe("perceo flows with a Playwright suite", () => {
  it("flows list shows the YAML flows and the Playwright tests together", async () => {
    const { io, stdout } = capturedIo(path.join(repoRoot, "examples/shop-playwright"), {});
    expect(await main(["flows", "list"], io)).toBe(EXIT.passed);
    const lines = stdout().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+PRIORITY\s+STEPS\s+DESCRIPTION$/);
    expect(lines).toContainEqual(expect.stringMatching(/^home-smoke\s+low\s+2\s+The home page opens/));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^checkout--a-guest-buys-a-lamp\s+critical\s+test\s+checkout › a guest buys a lamp \(tests\/checkout.spec.ts:22\)$/,
      ),
    );
  });

  it("flows show names what a test visits and the page objects it uses", async () => {
    const { io, stdout } = capturedIo(path.join(repoRoot, "examples/shop-playwright"), {});
    expect(await main(["flows", "show", "cart--two-armchairs-land-in-the-cart"], io)).toBe(EXIT.passed);
    expect(stdout()).toContain("go to /products/x  (pages/product-page.ts:12)");
    expect(stdout()).toContain("tests/cart.spec.ts → pages/cart-page.ts → #CartPage.expectTotal");
  });

  it("exits 2 with the fix when the project's Playwright is not installed", async () => {
    const root = await playwrightProject(
      { "playwright.config.ts": minimalConfig(), "tests/a.spec.ts": "" },
      { installed: false },
    );
    const { io, stderr } = capturedIo(root, {});
    expect(await main(["flows", "list"], io)).toBe(EXIT.usage);
    expect(stderr()).toContain("Fix: run `npm install --save-dev @playwright/test`");
  });
});
