import type { ShopCopy } from "../copy.ts";
import type { Product } from "../data/catalogue.ts";
import { type Html, html } from "../http/html.ts";
import { MAX_QUANTITY } from "../state/cart.ts";

/**
 * The one "Add to cart" control in the shop. Without JavaScript it posts the form and the server
 * redirects back; with it, public/js/cart.js posts in the background and updates the cart count.
 */
export function renderAddToCart(product: Product, copy: ShopCopy): Html {
  if (!product.inStock) {
    return html`<div class="add-to-cart">
  <button class="button button-primary" type="button" disabled>${copy.soldOut}</button>
</div>`;
  }
  return html`<form class="add-to-cart" method="post" action="/cart/items" data-add-to-cart>
  <input type="hidden" name="slug" value="${product.slug}">
  <div class="quantity-field">
    <label for="quantity">${copy.quantityLabel}</label>
    <input id="quantity" name="quantity" type="number" inputmode="numeric" min="1" max="${MAX_QUANTITY}" value="1">
  </div>
  <button class="button button-primary" type="submit">${copy.addToCart}</button>
  <p class="add-to-cart-status" role="status" data-testid="add-to-cart-status" hidden>
    ${copy.addedToCart}. <a href="/cart">${copy.viewCart}</a>
  </p>
</form>`;
}
