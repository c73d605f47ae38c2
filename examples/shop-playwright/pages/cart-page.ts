import { expect, type Page } from "@playwright/test";

/** The cart at /cart. */
export class CartPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  async open() {
    await this.page.goto("/cart");
  }

  async expectTotal(total: string) {
    await expect(this.page.getByTestId("cart-total")).toHaveText(total);
  }

  async setQuantity(product: string, quantity: number) {
    await this.page.getByLabel("Quantity").fill(String(quantity));
    await this.page.getByRole("button", { name: `Update ${product}` }).click();
  }

  async remove(product: string) {
    await this.page.getByRole("button", { name: `Remove ${product}` }).click();
  }
}
