import { expect, type Locator, type Page } from "@playwright/test";

/** The catalog at /products: search, category filter and sort. */
export class CatalogPage {
  readonly cards: Locator;
  readonly resultCount: Locator;

  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
    this.cards = page.getByTestId("product-card");
    this.resultCount = page.getByTestId("result-count");
  }

  async open(query?: string) {
    await this.page.goto(query ? `/products?q=${encodeURIComponent(query)}` : "/products");
  }

  async search(text: string) {
    await this.page.getByLabel("Search products").fill(text);
  }

  async filter(category: string) {
    await this.page.getByLabel("Category").selectOption(category);
  }

  async sortBy(order: string) {
    await this.page.getByLabel("Sort by").selectOption(order);
  }

  async expectCount(count: number) {
    await expect(this.cards).toHaveCount(count);
  }
}
