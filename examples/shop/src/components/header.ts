import { type Html, html } from "../http/html.ts";
import type { ShopRequest } from "../http/shop-request.ts";
import { countItems } from "../state/cart.ts";

const NAV_LINKS = [
  { href: "/products", label: "Shop" },
  { href: "/products?category=Lighting", label: "Lighting" },
  { href: "/products?category=Furniture", label: "Furniture" },
  { href: "/about", label: "About" },
];

export function renderHeader(request: ShopRequest): Html {
  const { copy, account } = request;
  const current = request.url.pathname + request.url.search;
  const count = countItems(request.session.cart);
  // On narrow screens the account link moves into the menu; only one of the two is ever displayed.
  const accountLink = account
    ? { href: "/account", label: "Account" }
    : { href: "/login", label: copy.logIn };
  return html`<header class="site-header">
  <a class="skip-link" href="#main">Skip to content</a>
  <div class="container header-inner">
    <a class="brand" href="/" aria-label="${copy.shopName} home">
      <svg class="brand-mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
        <circle cx="16" cy="16" r="15" fill="#2f4a3a"/><path d="M16 6c4 5 6 9 6 12a6 6 0 0 1-12 0c0-3 2-7 6-12z" fill="#f2c879"/>
      </svg>
      <span class="brand-name">${copy.shopName}</span>
    </a>
    <button class="menu-toggle" type="button" aria-expanded="false" aria-controls="site-nav" data-menu-toggle>
      <span class="menu-icon" aria-hidden="true"></span><span class="visually-hidden">Menu</span>
    </button>
    <nav id="site-nav" class="site-nav" aria-label="Main">
      <ul>
        ${(request.state.testChanges.reverseNav ? [...NAV_LINKS].reverse() : NAV_LINKS).map(
          (link) =>
            html`<li><a href="${link.href}"${link.href === current ? html` aria-current="page"` : ""}>${link.label}</a></li>`,
        )}
        <li class="nav-account"><a href="${accountLink.href}">${accountLink.label}</a></li>
      </ul>
    </nav>
    <div class="header-actions">
      <a class="header-link" href="${accountLink.href}">${accountLink.label}</a>
      <a class="cart-link" href="/cart">
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path d="M6 7h12l-1 13H7L6 7zm3 0a3 3 0 0 1 6 0" fill="none" stroke="currentColor" stroke-width="1.8"/></svg>
        Cart <span class="cart-count" data-testid="cart-count" aria-live="polite" aria-atomic="true">${count}</span>
      </a>
    </div>
  </div>
</header>`;
}
