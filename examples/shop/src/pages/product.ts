import { renderAddToCart } from "../components/add-to-cart-button.ts";
import { renderBreadcrumbs } from "../components/breadcrumbs.ts";
import { renderLayout } from "../components/layout.ts";
import { formatPrice } from "../components/price.ts";
import { renderProductGrid } from "../components/product-card.ts";
import { renderProductImage } from "../components/product-image.ts";
import { findProduct, PRODUCTS, type Product } from "../data/catalogue.ts";
import { type Html, html } from "../http/html.ts";
import { htmlResponse, type ShopResponse } from "../http/responses.ts";
import type { ShopRequest } from "../http/shop-request.ts";
import { showNotFound } from "./not-found.ts";

export function renderProductPage(request: ShopRequest, product: Product): Html {
  const { copy } = request;
  const related = PRODUCTS.filter((p) => p.category === product.category && p.slug !== product.slug).slice(
    0,
    3,
  );
  return renderLayout(request, {
    title: product.name,
    description: product.summary,
    main: html`${renderBreadcrumbs([
      { label: "Home", href: "/" },
      { label: "Shop", href: "/products" },
      { label: product.category, href: `/products?category=${encodeURIComponent(product.category)}` },
      { label: product.name },
    ])}
<article class="product-detail">
  <div class="product-detail-image">${renderProductImage(product, { label: product.name })}</div>
  <div class="product-detail-info">
    <p class="eyebrow">${product.category}</p>
    <h1>${product.name}</h1>
    <p class="product-price" data-testid="product-price">${formatPrice(product.priceCents)}</p>
    <p class="lead">${product.summary}</p>
    ${renderAddToCart(product, copy)}
    <p class="stock ${product.inStock ? "in-stock" : "out-of-stock"}">${
      product.inStock ? "In stock — ships within 2 working days" : "Out of stock — back in spring"
    }</p>
    <h2>About this piece</h2>
    <p>${product.description}</p>
    <h2>Details</h2>
    <ul class="detail-list">${product.details.map((detail) => html`<li>${detail}</li>`)}</ul>
  </div>
</article>
${
  related.length > 0
    ? html`<section class="related" aria-labelledby="related-title">
  <h2 id="related-title">${copy.relatedHeading}</h2>
  ${renderProductGrid(related, copy.soldOut)}
</section>`
    : ""
}`,
  });
}

export function showProduct(request: ShopRequest): ShopResponse {
  const product = findProduct(request.params.slug ?? "");
  if (!product) return showNotFound(request);
  return htmlResponse(renderProductPage(request, product));
}
