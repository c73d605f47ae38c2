import { type Html, html } from "../http/html.ts";
import { formatPrice } from "./price.ts";

/** The item list shown beside checkout and on an order's page. */
export function renderOrderLines(
  lines: readonly { name: string; quantity: number; priceCents: number }[],
): Html {
  return html`<ul class="order-lines">
  ${lines.map(
    (line) =>
      html`<li><span class="order-line-name">${line.name} <span class="muted">× ${line.quantity}</span></span><span>${formatPrice(
        line.priceCents * line.quantity,
      )}</span></li>`,
  )}
</ul>`;
}
