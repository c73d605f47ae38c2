import { expect, test } from "@playwright/test";
import { CatalogPage } from "../pages/catalog-page.ts";
import { ProductPage } from "../pages/product-page.ts";

test.describe("catalog", () => {
  test("search finds the lamp", { tag: "@high" }, async ({ page }) => {
    const catalog = new CatalogPage(page);
    await catalog.open();
    await catalog.expectCount(13);
    await catalog.search("lamp");
    await catalog.expectCount(1);
    await expect(catalog.resultCount).toHaveText("1 product for “lamp”");
    await expect(page).toHaveURL(/q=lamp/);
    await page.getByRole("link", { name: "Aurora Table Lamp" }).click();
    await expect(page.getByRole("heading", { name: "Aurora Table Lamp", level: 1 })).toBeVisible();
  });

  test("a search with no match says so", async ({ page }) => {
    const catalog = new CatalogPage(page);
    await catalog.open("zebra");
    await expect(page.getByText("No products match your search.")).toBeVisible();
    await catalog.expectCount(0);
  });

  test("furniture sorted by price", async ({ page }) => {
    const catalog = new CatalogPage(page);
    await catalog.open();
    await catalog.filter("Furniture");
    await catalog.expectCount(3);
    await expect(catalog.resultCount).toHaveText("3 products in Furniture");
    await catalog.sortBy("Price: low to high");
    await expect(catalog.cards.nth(0)).toContainText("Oak Side Table");
    await expect(catalog.cards.nth(2)).toContainText("Fjord Armchair");
    await expect(page.getByText("Sold out")).toBeVisible();
  });
});

test("a sold-out product cannot be bought", {
  tag: "@low",
  annotation: { type: "perceo.covers", description: "src/data/catalogue.ts" },
}, async ({ page }) => {
  const product = new ProductPage(page);
  await product.open("nordic-bench");
  await product.expectTitle("Nordic Bench");
  await expect(page.getByRole("button", { name: "Sold out" })).toBeDisabled();
  await expect(page.getByText("Out of stock — back in spring")).toBeVisible();
});
