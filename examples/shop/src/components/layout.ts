import { type Html, html, trustedHtml } from "../http/html.ts";
import type { ShopRequest } from "../http/shop-request.ts";
import { renderFooter } from "./footer.ts";
import { renderHeader } from "./header.ts";

export interface LayoutOptions {
  title: string;
  description?: string;
  main: Html;
  /** Page scripts under /public/js, after the shared ones. */
  scripts?: readonly string[];
  /** Extra classes on <main>, e.g. for a narrow form page. */
  mainClass?: string;
}

const SHARED_SCRIPTS = ["menu.js", "cart.js"];

/** The page shell every route shares: head, header, flash message, main landmark, footer. */
export function renderLayout(request: ShopRequest, options: LayoutOptions): Html {
  const { copy, session } = request;
  const flash = session.flash;
  session.flash = undefined;
  const scripts = [...SHARED_SCRIPTS, ...(options.scripts ?? [])];
  return html`<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${options.title} — ${copy.shopName}</title>
  <meta name="description" content="${options.description ?? copy.tagline}">
  <link rel="icon" href="/public/images/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/public/css/shop.css">
  ${request.state.testChanges.css ? html`<link rel="stylesheet" href="/test-changes.css">` : ""}
  ${scripts.map((name) => html`<script src="/public/js/${name}" defer></script>`)}
</head>
<body>
  ${request.state.testChanges.banner ? html`<div class="announcement-banner" role="region" aria-label="Announcement"><p class="container">${request.state.testChanges.banner}</p></div>` : ""}
  ${renderHeader(request)}
  ${flash ? html`<div class="flash" role="status"><p class="container">${flash}</p></div>` : ""}
  <main id="main" class="${["container", "page", options.mainClass].filter(Boolean).join(" ")}" tabindex="-1">
    ${options.main}
    ${request.state.testChanges.mainHtml ? trustedHtml(request.state.testChanges.mainHtml) : ""}
  </main>
  ${renderFooter(copy)}
</body>
</html>`;
}
