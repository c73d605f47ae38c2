import { expect, test } from "@playwright/test";

test("the home page's hero leads to the catalog", { tag: "@low" }, async ({ page }) => {
  await page.goto("/");
  await expect(
    page.getByRole("heading", { name: "Light, wood and linen for slow evenings", level: 1 }),
  ).toBeVisible();
  await expect(page.getByTestId("product-card")).toHaveCount(4);
  await page.getByRole("link", { name: "Shop the collection" }).click();
  await expect(page.getByRole("heading", { name: "All products", level: 1 })).toBeVisible();
});

test("the footer's links open their pages", { tag: "@low" }, async ({ page }) => {
  await page.goto("/");
  await page.getByRole("link", { name: "Shipping & returns" }).click();
  await expect(page.getByRole("heading", { name: "Shipping & returns", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "Contact us" }).click();
  await expect(page.getByRole("heading", { name: "Contact us", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "About us" }).click();
  await expect(page.getByRole("heading", { name: "About us", level: 1 })).toBeVisible();
});

test("a mistyped address shows the 404 page", { tag: "@low" }, async ({ page }) => {
  await page.goto("/this-page-does-not-exist");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await page.getByRole("link", { name: "Back to the home page" }).click();
  await expect(page.getByRole("link", { name: "Shop the collection" })).toBeVisible();
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test("the menu opens and closes", async ({ page }) => {
    await page.goto("/");
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav).toBeHidden();
    await page.getByRole("button", { name: "Menu" }).click();
    await expect(nav).toBeVisible();
    await page.getByRole("link", { name: "About", exact: true }).click();
    await expect(page.getByRole("heading", { name: "About us", level: 1 })).toBeVisible();
  });
});
