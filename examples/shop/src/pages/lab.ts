import { renderLayout } from "../components/layout.ts";
import { html } from "../http/html.ts";
import { htmlResponse, type ShopResponse } from "../http/responses.ts";
import type { ShopRequest } from "../http/shop-request.ts";

/**
 * A page that never sits still — a spinning badge, a rotating carousel, a ticking clock and a
 * focused field with a blinking caret — for testing that captures of it repeat pixel for pixel.
 */
export function showMovingParts(request: ShopRequest): ShopResponse {
  return htmlResponse(
    renderLayout(request, {
      title: "Moving parts",
      scripts: ["moving-parts.js"],
      main: html`<h1>Moving parts</h1>
<p class="lab-badge" aria-hidden="true">New</p>
<section class="lab-carousel" aria-label="Carousel" data-carousel>
  <ul>
    <li class="lab-slide is-active">Oak side table</li>
    <li class="lab-slide">Linen throw</li>
    <li class="lab-slide">Aurora lamp</li>
  </ul>
</section>
<p>Local time: <time class="lab-clock" data-clock>--:--:--</time></p>
<p><label for="lab-search">Search</label> <input id="lab-search" type="search" autofocus></p>`,
    }),
  );
}
