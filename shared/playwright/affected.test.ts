import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../cli/main.ts";
import { capturedIo } from "../cli/testing.ts";
import type { Selection } from "../observer/index.ts";
import { shopSuiteRepository } from "./testing/playwright-project.ts";

// `perceo affected` on the example shop and its Playwright suite, one seeded change at a time.
describe("perceo affected selects the Playwright tests a change reaches", () => {
  let repo: Awaited<ReturnType<typeof shopSuiteRepository>>;
  beforeAll(async () => {
    repo = await shopSuiteRepository("perceo-pw-affected-");
  });

  async function affected(edits: Array<[file: string, find: string, replace: string]>): Promise<Selection> {
    repo.git("checkout", "-q", "--", ".");
    for (const [file, find, replace] of edits) {
      const at = path.join(repo.repo, file);
      const text = await readFile(at, "utf8");
      if (!text.includes(find)) throw new Error(`${find} not in ${file}`);
      await writeFile(at, text.replace(find, replace));
    }
    const { io, stdout, stderr } = capturedIo(repo.suiteDir, {});
    const code = await main(["affected", "--base", "main", "--json", "--no-cache"], io);
    expect(code, stderr()).toBe(0);
    return JSON.parse(stdout()) as Selection;
  }
  const reasonsOf = (selection: Selection, flow: string) =>
    selection.flows.find((f) => f.flow === flow)?.reasons.map((r) => r.detail) ?? [];

  it("a change to the app reaches the tests that visit its routes, with the route and the test's URL", async () => {
    const selection = await affected([
      ["examples/shop/src/state/cart.ts", "SHIPPING_CENTS = 800", "SHIPPING_CENTS = 900"],
    ]);
    expect(selection.selected).toEqual(
      expect.arrayContaining([
        "checkout--a-guest-buys-a-lamp",
        "cart--changing-a-quantity-then-removing-the-item",
      ]),
    );
    expect(selection.selected).not.toContain("catalog--search-finds-the-lamp");
    expect(reasonsOf(selection, "cart--changing-a-quantity-then-removing-the-item").join("\n")).toMatch(
      /reaches route \/cart .* the flow visits \/cart \(examples\/shop-playwright\/pages\/cart-page.ts:12\)/,
    );
  });

  it("a page object's change selects only the tests that use it, with the chain from the spec", async () => {
    const selection = await affected([
      ["examples/shop-playwright/pages/cart-page.ts", 'goto("/cart")', 'goto("/cart?from=test")'],
    ]);
    expect(selection.selected.sort()).toEqual([
      "cart--changing-a-quantity-then-removing-the-item",
      "cart--two-armchairs-land-in-the-cart",
    ]);
    expect(reasonsOf(selection, "cart--two-armchairs-land-in-the-cart")).toEqual([
      "examples/shop-playwright/pages/cart-page.ts (lines 12) is used by the test: examples/shop-playwright/tests/cart.spec.ts → examples/shop-playwright/pages/cart-page.ts → #CartPage.expectTotal",
    ]);
  });

  it("an edit inside one test selects that test; an edit between the tests selects all of the spec's", async () => {
    const inside = await affected([
      ["examples/shop-playwright/tests/cart.spec.ts", '"$698.00"', '"$698.01"'],
    ]);
    expect(inside.selected).toEqual(["cart--two-armchairs-land-in-the-cart"]);
    expect(reasonsOf(inside, "cart--two-armchairs-land-in-the-cart")).toEqual([
      "examples/shop-playwright/tests/cart.spec.ts lines 14 changed inside this test",
    ]);
    const between = await affected([
      [
        "examples/shop-playwright/tests/cart.spec.ts",
        'test.describe("cart"',
        'test.use({ locale: "en-US" });\ntest.describe("cart"',
      ],
    ]);
    expect(between.selected.sort()).toEqual([
      "cart--changing-a-quantity-then-removing-the-item",
      "cart--two-armchairs-land-in-the-cart",
    ]);
  });

  it("a reworded button selects the tests that name its old words, through the page object that clicks it", async () => {
    const selection = await affected([
      ["examples/shop/src/copy.ts", 'addToCart: "Add to cart"', 'addToCart: "Add to bag"'],
    ]);
    expect(selection.selected).toContain("checkout--a-guest-buys-a-lamp");
    expect(selection.selected).not.toContain("account--signup-a-newcomer-creates-an-account");
    expect(reasonsOf(selection, "checkout--a-guest-buys-a-lamp").join("\n")).toContain(
      'only wording changed, and the flow names "Add to cart"',
    );
  });
});
