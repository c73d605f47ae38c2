import { expect, test } from "@playwright/test";
import { type Address, CheckoutPage } from "../pages/checkout-page.ts";
import { ProductPage } from "../pages/product-page.ts";

const GRACE: Address = {
  email: "grace@example.com",
  name: "Grace Hopper",
  street: "Torstraße 1",
  postalCode: "10119",
  city: "Berlin",
  country: "Germany",
};

test.describe("checkout", () => {
  test.beforeEach(async ({ page }) => {
    const product = new ProductPage(page);
    await product.open("aurora-lamp");
    await product.addToCart();
    await product.expectCartCount(1);
  });

  test("a guest buys a lamp", { tag: "@critical" }, async ({ page }, testInfo) => {
    const checkout = new CheckoutPage(page);
    await checkout.open();
    await checkout.fillAddress(GRACE);
    await checkout.fillCard({ number: "4242 4242 4242 4242", expiry: "12/34", cvc: "123" });
    await page.getByLabel("I accept the terms of sale").check();
    await checkout.placeOrder();
    await expect(page).toHaveURL(/\/orders\/\d+$/);
    await expect(page.getByRole("heading", { name: "Thank you for your order" })).toBeVisible();
    await expect(page.getByTestId("order-total")).toHaveText("$97.00");
    await testInfo.attach("confirmation", {
      body: await page.screenshot({ mask: [page.getByTestId("order-number")] }),
      contentType: "image/png",
    });
  });

  test("an empty form says what is missing", async ({ page }) => {
    const checkout = new CheckoutPage(page);
    await checkout.open();
    await checkout.placeOrder();
    await expect(page.getByText("Please correct the highlighted fields.")).toBeVisible();
    await expect(page.getByText("Choose a country we ship to.")).toBeVisible();
    await expect(page.getByText("Accept the terms of sale to continue.")).toBeVisible();
  });

  test("a mistyped email and card are refused", async ({ page }) => {
    const checkout = new CheckoutPage(page);
    await checkout.open();
    await page.getByLabel("Email").fill("not-an-email");
    await checkout.fillCard({ number: "4242 4242 4242 4241", expiry: "13/30", cvc: "12" });
    await checkout.placeOrder();
    await expect(page.getByText("Enter a valid email address.")).toBeVisible();
    await expect(page.getByText("Enter a valid card number.")).toBeVisible();
    await expect(page).toHaveURL(/\/checkout$/);
  });
});
