import type { Product } from "../data/catalogue.ts";
import { type Html, html } from "../http/html.ts";
import { formatPrice } from "./price.ts";
import { renderProductImage } from "./product-image.ts";

/** A product tile in a grid: image, name linking to the product page, category and price. */
export function renderProductCard(product: Product, soldOutLabel: string): Html {
  return html`<li class="product-card" data-testid="product-card">
  <a class="product-card-link" href="/products/${product.slug}">
    ${renderProductImage(product)}
    <span class="product-card-body">
      <span class="product-card-category">${product.category}</span>
      <span class="product-card-name">${product.name}</span>
      <span class="product-card-price">${formatPrice(product.priceCents)}${
        product.inStock ? "" : html` <span class="badge">${soldOutLabel}</span>`
      }</span>
    </span>
  </a>
</li>`;
}

export function renderProductGrid(products: readonly Product[], soldOutLabel: string): Html {
  return html`<ul class="product-grid">${products.map((product) => renderProductCard(product, soldOutLabel))}</ul>`;
}
