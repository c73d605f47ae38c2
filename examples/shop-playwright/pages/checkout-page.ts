import type { Page } from "@playwright/test";

export interface Address {
  email: string;
  name: string;
  street: string;
  postalCode: string;
  city: string;
  country: string;
}

/** The checkout form at /checkout. */
export class CheckoutPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  async open() {
    await this.page.goto("/checkout");
  }

  async fillAddress(address: Address) {
    const { page } = this;
    await page.getByLabel("Email").fill(address.email);
    await page.getByLabel("Full name").fill(address.name);
    await page.getByLabel("Street address").fill(address.street);
    await page.getByLabel("Postal code").fill(address.postalCode);
    await page.getByLabel("City").fill(address.city);
    await page.getByLabel("Country").selectOption(address.country);
  }

  async fillCard(card: { number: string; expiry: string; cvc: string }) {
    const { page } = this;
    await page.getByLabel("Card number").fill(card.number);
    await page.getByLabel("Expiry date").fill(card.expiry);
    await page.getByLabel("CVC").fill(card.cvc);
  }

  async placeOrder() {
    await this.page.getByRole("button", { name: "Place order" }).click();
  }
}
