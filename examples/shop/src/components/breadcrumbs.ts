import { type Html, html } from "../http/html.ts";

export function renderBreadcrumbs(trail: readonly { label: string; href?: string }[]): Html {
  return html`<nav class="breadcrumbs" aria-label="Breadcrumb">
  <ol>
    ${trail.map((crumb) =>
      crumb.href
        ? html`<li><a href="${crumb.href}">${crumb.label}</a></li>`
        : html`<li><span aria-current="page">${crumb.label}</span></li>`,
    )}
  </ol>
</nav>`;
}
