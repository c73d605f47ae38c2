import { expect, type Page } from "@playwright/test";

/** A product at /products/:slug. */
export class ProductPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  async open(slug: string) {
    await this.page.goto(`/products/${slug}`);
  }

  async expectTitle(name: string) {
    await expect(this.page.getByRole("heading", { name, level: 1 })).toBeVisible();
  }

  async addToCart(quantity?: number) {
    if (quantity !== undefined) await this.page.getByLabel("Quantity").fill(String(quantity));
    await this.page.getByRole("button", { name: "Add to cart" }).click();
  }

  async expectCartCount(count: number) {
    await expect(this.page.getByTestId("cart-count")).toHaveText(String(count));
  }
}
