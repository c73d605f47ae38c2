import { renderLayout } from "../components/layout.ts";
import { formatPrice } from "../components/price.ts";
import { renderProductImage } from "../components/product-image.ts";
import { type Html, html } from "../http/html.ts";
import { htmlResponse, jsonResponse, redirect, type ShopResponse, safeLocalPath } from "../http/responses.ts";
import type { ShopRequest } from "../http/shop-request.ts";
import {
  addToCart,
  type CartLine,
  clampQuantity,
  computeTotals,
  countItems,
  listCartLines,
  MAX_QUANTITY,
  setCartQuantity,
} from "../state/cart.ts";

export function renderCartSummary(lines: readonly CartLine[]): Html {
  const totals = computeTotals(lines.reduce((sum, line) => sum + line.lineCents, 0));
  return html`<dl class="totals">
  <div><dt>Subtotal</dt><dd data-testid="cart-subtotal">${formatPrice(totals.subtotalCents)}</dd></div>
  <div><dt>Shipping</dt><dd>${totals.shippingCents === 0 ? "Free" : formatPrice(totals.shippingCents)}</dd></div>
  <div class="totals-grand"><dt>Total</dt><dd data-testid="cart-total">${formatPrice(totals.totalCents)}</dd></div>
</dl>`;
}

function renderCartLine(line: CartLine, request: ShopRequest): Html {
  const { product } = line;
  const { copy } = request;
  const quantityId = `quantity-${product.slug}`;
  return html`<li class="cart-line" data-testid="cart-line">
  <a class="cart-line-image" href="/products/${product.slug}" tabindex="-1" aria-hidden="true">${renderProductImage(product)}</a>
  <div class="cart-line-info">
    <h2 class="cart-line-name"><a href="/products/${product.slug}">${product.name}</a></h2>
    <p class="muted">${formatPrice(product.priceCents)} each</p>
  </div>
  <form class="cart-line-quantity" method="post" action="/cart/items/${product.slug}" data-cart-quantity>
    <label for="${quantityId}">${copy.quantityLabel}<span class="visually-hidden"> of ${product.name}</span></label>
    <input id="${quantityId}" name="quantity" type="number" inputmode="numeric" min="0" max="${MAX_QUANTITY}" value="${line.quantity}">
    <button class="button button-small button-secondary" type="submit">${copy.updateCart}<span class="visually-hidden"> ${product.name}</span></button>
  </form>
  <p class="cart-line-total">${formatPrice(line.lineCents)}</p>
  <form method="post" action="/cart/items/${product.slug}">
    <input type="hidden" name="quantity" value="0">
    <button class="link-button" type="submit">${copy.removeItem}<span class="visually-hidden"> ${product.name}</span></button>
  </form>
</li>`;
}

export function renderCartPage(request: ShopRequest): Html {
  const { copy } = request;
  const lines = listCartLines(request.session.cart);
  if (lines.length === 0) {
    return renderLayout(request, {
      title: copy.cartHeading,
      main: html`<h1>${copy.cartHeading}</h1>
<div class="empty-state">
  <p>${copy.cartEmpty}</p>
  <p><a class="button button-primary" href="/products">${copy.continueShopping}</a></p>
</div>`,
    });
  }
  return renderLayout(request, {
    title: copy.cartHeading,
    main: html`<h1>${copy.cartHeading}</h1>
<div class="cart-layout">
  <ul class="cart-lines" aria-label="Items in your cart">${lines.map((line) => renderCartLine(line, request))}</ul>
  <aside class="summary-card" aria-labelledby="summary-title">
    <h2 id="summary-title">Order summary</h2>
    ${renderCartSummary(lines)}
    <p><a class="button button-primary button-block" href="/checkout">${copy.proceedToCheckout}</a></p>
    <p class="center"><a href="/products">${copy.continueShopping}</a></p>
  </aside>
</div>`,
  });
}

export function showCart(request: ShopRequest): ShopResponse {
  return htmlResponse(renderCartPage(request));
}

/** POST /cart/items — from the product page's form, or from cart.js asking for JSON. */
export async function postCartItem(request: ShopRequest): Promise<ShopResponse> {
  const form = await request.readForm();
  const slug = form.get("slug") ?? "";
  const added = addToCart(request.session.cart, slug, clampQuantity(form.get("quantity"), 1) || 1);
  const count = countItems(request.session.cart);
  if (request.wantsJson) {
    return added
      ? jsonResponse({ ok: true, count })
      : jsonResponse({ ok: false, count, error: "unavailable" }, 422);
  }
  if (added) request.session.flash = request.copy.addedToCart;
  return redirect(safeLocalPath(`/products/${encodeURIComponent(slug)}`, "/cart"));
}

/** POST /cart/items/:slug — sets the quantity; 0 removes the line. */
export async function postCartQuantity(request: ShopRequest): Promise<ShopResponse> {
  const form = await request.readForm();
  setCartQuantity(request.session.cart, request.params.slug ?? "", clampQuantity(form.get("quantity"), 1));
  return redirect("/cart");
}
