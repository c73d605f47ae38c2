import { renderLayout } from "../components/layout.ts";
import { renderProductGrid } from "../components/product-card.ts";
import { CATEGORIES, type Category, isCategory, PRODUCTS, type Product } from "../data/catalogue.ts";
import { type Html, html } from "../http/html.ts";
import { htmlResponse, type ShopResponse } from "../http/responses.ts";
import type { ShopRequest } from "../http/shop-request.ts";

const SORTS = {
  featured: "Featured",
  "price-asc": "Price: low to high",
  "price-desc": "Price: high to low",
  name: "Name",
} as const;
type Sort = keyof typeof SORTS;

export interface CatalogQuery {
  q: string;
  category: Category | undefined;
  sort: Sort;
}

export function readCatalogQuery(params: URLSearchParams): CatalogQuery {
  const category = params.get("category") ?? "";
  const sort = params.get("sort") ?? "";
  return {
    q: (params.get("q") ?? "").trim().slice(0, 100),
    category: isCategory(category) ? category : undefined,
    sort: sort in SORTS ? (sort as Sort) : "featured",
  };
}

/** Search matches every word of the query against the product's name and category. */
export function findProducts(query: CatalogQuery): Product[] {
  const words = query.q.toLowerCase().split(/\s+/).filter(Boolean);
  const found = PRODUCTS.filter((product) => {
    if (query.category && product.category !== query.category) return false;
    const haystack = `${product.name} ${product.category}`.toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
  if (query.sort === "price-asc") found.sort((a, b) => a.priceCents - b.priceCents);
  if (query.sort === "price-desc") found.sort((a, b) => b.priceCents - a.priceCents);
  if (query.sort === "name") found.sort((a, b) => a.name.localeCompare(b.name));
  return found;
}

/** The part catalog.js swaps in while a person types, so it is rendered in one place only. */
export function renderCatalogResults(request: ShopRequest, query: CatalogQuery): Html {
  const products = findProducts(query);
  const count = products.length === 1 ? "1 product" : `${products.length} products`;
  return html`<p class="result-count" data-testid="result-count">${count}${query.category ? ` in ${query.category}` : ""}${
    query.q ? ` for “${query.q}”` : ""
  }</p>
${
  products.length > 0
    ? renderProductGrid(products, request.copy.soldOut)
    : html`<div class="empty-state"><p>${request.copy.noResults}</p><p><a href="/products">Clear search and filters</a></p></div>`
}`;
}

export function renderCatalogPage(request: ShopRequest, query: CatalogQuery): Html {
  const { copy } = request;
  return renderLayout(request, {
    title: query.q ? `Search: ${query.q}` : (query.category ?? copy.catalogHeading),
    scripts: ["catalog.js"],
    main: html`<div class="page-head">
  <h1>${copy.catalogHeading}</h1>
  <p class="lead">Everything we make, from lamps to linen.</p>
</div>
<form class="catalog-filters" method="get" action="/products" role="search" data-catalog-filters>
  <div class="field field-search">
    <label for="catalog-q">${copy.searchLabel}</label>
    <input id="catalog-q" name="q" type="search" value="${query.q}" placeholder="Lamp, oak, linen…" autocomplete="off">
  </div>
  <div class="field">
    <label for="catalog-category">${copy.categoryLabel}</label>
    <select id="catalog-category" name="category">
      <option value="">${copy.allCategories}</option>
      ${CATEGORIES.map(
        (category) => html`<option${category === query.category ? html` selected` : ""}>${category}</option>`,
      )}
    </select>
  </div>
  <div class="field">
    <label for="catalog-sort">${copy.sortLabel}</label>
    <select id="catalog-sort" name="sort">
      ${Object.entries(SORTS).map(
        ([value, label]) =>
          html`<option value="${value}"${value === query.sort ? html` selected` : ""}>${label}</option>`,
      )}
    </select>
  </div>
  <button class="button button-secondary" type="submit">${copy.applyFilters}</button>
</form>
<p class="visually-hidden" role="status" data-catalog-status></p>
<section class="catalog-results" aria-label="Products" data-catalog-results>
  ${renderCatalogResults(request, query)}
</section>`,
  });
}

export function showCatalog(request: ShopRequest): ShopResponse {
  const query = readCatalogQuery(request.url.searchParams);
  if (request.headers["x-shop-fragment"] === "catalog-results") {
    return htmlFragment(renderCatalogResults(request, query));
  }
  return htmlResponse(renderCatalogPage(request, query));
}

function htmlFragment(fragment: Html): ShopResponse {
  return {
    status: 200,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      vary: "X-Shop-Fragment",
    },
    body: fragment.text,
  };
}
