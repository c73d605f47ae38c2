import { renderLayout } from "../components/layout.ts";
import { formatPrice } from "../components/price.ts";
import { type Html, html } from "../http/html.ts";
import { htmlResponse, type ShopResponse } from "../http/responses.ts";
import type { ShopRequest } from "../http/shop-request.ts";
import type { Order } from "../state/orders.ts";
import { showNotFound } from "./not-found.ts";

/** The confirmation right after checkout, and later the order's page from the account. */
export function renderOrderPage(request: ShopRequest, order: Order): Html {
  const { copy } = request;
  const justPlaced = request.session.placedOrderIds.has(order.id);
  const { address, totals } = order;
  return renderLayout(request, {
    title: `Order #${order.id}`,
    mainClass: "page-narrow",
    main: html`<div class="order-head">
  ${justPlaced ? html`<p class="success-mark" aria-hidden="true">✓</p>` : ""}
  <h1>${justPlaced ? copy.orderConfirmedHeading : html`Order <span data-testid="order-number">#${order.id}</span>`}</h1>
  ${
    justPlaced
      ? html`<p class="lead">Your order number is <strong data-testid="order-number">#${order.id}</strong>. We have sent a receipt to ${order.email}.</p>`
      : html`<p class="lead">Placed on <time datetime="${order.placedOn}" data-testid="order-date">${order.placedOn}</time> · ${order.status}</p>`
  }
</div>
<section class="summary-card" aria-labelledby="items-title">
  <h2 id="items-title">Items</h2>
  <table class="order-table">
    <thead><tr><th scope="col">Product</th><th scope="col">Quantity</th><th scope="col">Price</th></tr></thead>
    <tbody>
      ${order.lines.map(
        (line) =>
          html`<tr><th scope="row"><a href="/products/${line.slug}">${line.name}</a></th><td>${line.quantity}</td><td>${formatPrice(
            line.priceCents * line.quantity,
          )}</td></tr>`,
      )}
    </tbody>
    <tfoot>
      <tr><th scope="row" colspan="2">Shipping</th><td>${totals.shippingCents === 0 ? "Free" : formatPrice(totals.shippingCents)}</td></tr>
      <tr><th scope="row" colspan="2">Total</th><td data-testid="order-total">${formatPrice(totals.totalCents)}</td></tr>
    </tfoot>
  </table>
</section>
<section class="order-facts">
  <div>
    <h2>Shipping to</h2>
    <address>${address.name}<br>${address.street}<br>${address.postalCode} ${address.city}<br>${address.country}</address>
  </div>
  <div>
    <h2>Payment</h2>
    <p>Card ending in ${order.cardLast4}</p>
  </div>
</section>
<p class="actions"><a class="button button-secondary" href="/products">${copy.continueShopping}</a>${
      request.account
        ? html` <a class="button button-secondary" href="/account">${copy.ordersHeading}</a>`
        : ""
    }</p>`,
  });
}

/** An order is shown to the browser that placed it and to the account it belongs to; others get a 404. */
export function showOrder(request: ShopRequest): ShopResponse {
  const id = Number(request.params.id);
  const order = Number.isSafeInteger(id) ? request.state.orders.get(id) : undefined;
  const mayView =
    order &&
    (request.session.placedOrderIds.has(order.id) ||
      (order.accountEmail !== undefined && order.accountEmail === request.account?.email));
  if (!order || !mayView) return showNotFound(request);
  return htmlResponse(renderOrderPage(request, order));
}
