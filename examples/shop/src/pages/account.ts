import { renderLayout } from "../components/layout.ts";
import { formatPrice } from "../components/price.ts";
import { type Html, html } from "../http/html.ts";
import { htmlResponse, redirect, type ShopResponse } from "../http/responses.ts";
import type { ShopRequest } from "../http/shop-request.ts";
import type { Account } from "../state/accounts.ts";

export function renderAccountPage(request: ShopRequest, account: Account): Html {
  const { copy } = request;
  const orders = request.state.orders.listForAccount(account.email);
  return renderLayout(request, {
    title: copy.accountHeading,
    main: html`<div class="page-head page-head-row">
  <div>
    <h1>${copy.accountHeading}</h1>
    <p class="lead">Signed in as <strong data-testid="account-email">${account.email}</strong> (${account.name})</p>
  </div>
  <form method="post" action="/logout"><button class="button button-secondary" type="submit">${copy.logOut}</button></form>
</div>
<section aria-labelledby="orders-title">
  <h2 id="orders-title">${copy.ordersHeading}</h2>
  ${
    orders.length === 0
      ? html`<div class="empty-state"><p>${copy.noOrders}</p><p><a class="button button-primary" href="/products">${copy.heroCta}</a></p></div>`
      : html`<table class="orders-table" data-testid="orders-table">
    <thead><tr><th scope="col">Order</th><th scope="col">Placed on</th><th scope="col">Items</th><th scope="col">Total</th><th scope="col">Status</th></tr></thead>
    <tbody>
      ${orders.map(
        (order) => html`<tr data-testid="order-row">
        <th scope="row"><a href="/orders/${order.id}">Order #${order.id}</a></th>
        <td><time datetime="${order.placedOn}">${order.placedOn}</time></td>
        <td>${order.lines.reduce((sum, line) => sum + line.quantity, 0)}</td>
        <td>${formatPrice(order.totals.totalCents)}</td>
        <td><span class="status status-${order.status.toLowerCase()}">${order.status}</span></td>
      </tr>`,
      )}
    </tbody>
  </table>`
  }
</section>`,
  });
}

export function showAccount(request: ShopRequest): ShopResponse {
  if (!request.account) return redirect("/login?next=/account");
  return htmlResponse(renderAccountPage(request, request.account));
}
