import { renderLayout } from "../components/layout.ts";
import { INFO_PAGES, type InfoPage } from "../data/info-pages.ts";
import { type Html, html } from "../http/html.ts";
import { htmlResponse, type ShopResponse } from "../http/responses.ts";
import type { ShopRequest } from "../http/shop-request.ts";
import { showNotFound } from "./not-found.ts";

export function renderInfoPage(request: ShopRequest, page: InfoPage): Html {
  return renderLayout(request, {
    title: page.title,
    mainClass: "page-narrow",
    main: html`<article class="prose">
  <h1>${page.title}</h1>
  ${page.paragraphs.map((paragraph) => html`<p>${paragraph}</p>`)}
</article>`,
  });
}

export function showInfo(request: ShopRequest): ShopResponse {
  const page = INFO_PAGES.find((candidate) => candidate.path === request.url.pathname);
  return page ? htmlResponse(renderInfoPage(request, page)) : showNotFound(request);
}
