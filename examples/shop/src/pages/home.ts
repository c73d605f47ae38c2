import { renderLayout } from "../components/layout.ts";
import { renderProductGrid } from "../components/product-card.ts";
import { renderProductImage } from "../components/product-image.ts";
import { CATEGORIES, PRODUCTS } from "../data/catalogue.ts";
import { type Html, html } from "../http/html.ts";
import { htmlResponse, type ShopResponse } from "../http/responses.ts";
import type { ShopRequest } from "../http/shop-request.ts";

const BENEFITS = [
  { title: "Free shipping over $100", text: "Everywhere we ship, delivered in 2–5 working days." },
  { title: "30-day returns", text: "Changed your mind? Send it back, we pay the postage." },
  { title: "Made to last", text: "Small workshops, solid materials, spare parts for years." },
];

export function renderHomePage(request: ShopRequest): Html {
  const { copy } = request;
  const featured = PRODUCTS.filter((product) => product.featured);
  const heroProduct = PRODUCTS[0];
  return renderLayout(request, {
    title: "Home",
    description: copy.heroText,
    main: html`<section class="hero" aria-labelledby="hero-title">
  <div class="hero-text">
    <p class="eyebrow">${copy.tagline}</p>
    <h1 id="hero-title">${copy.heroTitle}</h1>
    <p class="hero-lead">${copy.heroText}</p>
    <p><a class="button button-primary button-large" href="/products" data-testid="hero-cta">${copy.heroCta}</a></p>
  </div>
  <div class="hero-art">${heroProduct ? renderProductImage(heroProduct) : ""}</div>
</section>
${
  request.state.testChanges.withoutBenefits
    ? ""
    : html`<section class="benefits" aria-label="Why shop with us">
  <ul>
    ${BENEFITS.map((benefit) => html`<li><h2 class="benefit-title">${benefit.title}</h2><p>${benefit.text}</p></li>`)}
  </ul>
</section>`
}
<section aria-labelledby="featured-title">
  <div class="section-head">
    <h2 id="featured-title">${copy.featuredHeading}</h2>
    <a href="/products">See all products</a>
  </div>
  ${renderProductGrid(featured, copy.soldOut)}
</section>
<section aria-labelledby="categories-title">
  <h2 id="categories-title">Shop by category</h2>
  <ul class="category-tiles">
    ${CATEGORIES.map(
      (category) =>
        html`<li><a class="category-tile" href="/products?category=${encodeURIComponent(category)}">${category}</a></li>`,
    )}
  </ul>
</section>`,
  });
}

export function showHome(request: ShopRequest): ShopResponse {
  return htmlResponse(renderHomePage(request));
}
