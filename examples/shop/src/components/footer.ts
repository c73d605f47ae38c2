import type { ShopCopy } from "../copy.ts";
import { type Html, html } from "../http/html.ts";

export function renderFooter(copy: ShopCopy): Html {
  return html`<footer class="site-footer">
  <div class="container footer-inner">
    <div class="footer-brand">
      <p class="footer-name">${copy.shopName}</p>
      <p>${copy.tagline}. Designed in Copenhagen, shipped from Hamburg.</p>
    </div>
    <nav aria-label="Footer">
      <h2 class="footer-heading">Help</h2>
      <ul>
        <li><a href="/shipping">Shipping &amp; returns</a></li>
        <li><a href="/contact">Contact us</a></li>
      </ul>
    </nav>
    <nav aria-label="Company">
      <h2 class="footer-heading">Company</h2>
      <ul>
        <li><a href="/about">About us</a></li>
        <li><a href="/signup">${copy.createAccount}</a></li>
      </ul>
    </nav>
  </div>
  <p class="container footer-legal">© 2025 ${copy.shopName}. A demo shop for Perceo; nothing here is for sale.</p>
</footer>`;
}
