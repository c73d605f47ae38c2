import { expect, test } from "@playwright/test";
import { CartPage } from "../pages/cart-page.ts";
import { ProductPage } from "../pages/product-page.ts";

test.describe("cart", () => {
  test("two armchairs land in the cart", { tag: "@high" }, async ({ page }, testInfo) => {
    const product = new ProductPage(page);
    await product.open("fjord-armchair");
    await expect(page.getByTestId("product-price")).toHaveText("$349.00");
    await product.addToCart(2);
    await product.expectCartCount(2);
    await page.getByRole("link", { name: "View cart" }).click();
    await expect(page.getByTestId("cart-line")).toHaveCount(1);
    await new CartPage(page).expectTotal("$698.00");
    await testInfo.attach("cart", { body: await page.screenshot(), contentType: "image/png" });
  });

  test("changing a quantity, then removing the item", async ({ page }) => {
    const product = new ProductPage(page);
    const cart = new CartPage(page);
    await product.open("stoneware-mug");
    await product.addToCart();
    await product.expectCartCount(1);
    await cart.open();
    await cart.expectTotal("$26.00");
    await cart.setQuantity("Stoneware Mug", 3);
    await expect(page.getByTestId("cart-subtotal")).toHaveText("$54.00");
    await cart.expectTotal("$62.00");
    await cart.remove("Stoneware Mug");
    await expect(page.getByText("Your cart is empty.")).toBeVisible();
  });
});
