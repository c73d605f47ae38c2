import { renderLayout } from "../components/layout.ts";
import { type Html, html } from "../http/html.ts";
import { htmlResponse, type ShopResponse } from "../http/responses.ts";
import type { ShopRequest } from "../http/shop-request.ts";

export function renderNotFoundPage(request: ShopRequest): Html {
  const { copy } = request;
  return renderLayout(request, {
    title: copy.notFoundHeading,
    mainClass: "page-narrow page-centered",
    main: html`<p class="error-code" aria-hidden="true">404</p>
<h1>${copy.notFoundHeading}</h1>
<p class="lead">${copy.notFoundText}</p>
<p class="actions">
  <a class="button button-primary" href="/">${copy.backHome}</a>
  <a class="button button-secondary" href="/products">Browse products</a>
</p>`,
  });
}

export function showNotFound(request: ShopRequest): ShopResponse {
  return htmlResponse(renderNotFoundPage(request), 404);
}
