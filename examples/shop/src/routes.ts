import type { ShopResponse } from "./http/responses.ts";
import type { ShopRequest } from "./http/shop-request.ts";
import { showAccount } from "./pages/account.ts";
import { postCartItem, postCartQuantity, showCart } from "./pages/cart.ts";
import { showCatalog } from "./pages/catalog.ts";
import { showCheckout, submitCheckout } from "./pages/checkout.ts";
import { showHome } from "./pages/home.ts";
import { showInfo } from "./pages/info.ts";
import { showMovingParts } from "./pages/lab.ts";
import { showLogin, submitLogin, submitLogout } from "./pages/login.ts";
import { showOrder } from "./pages/order.ts";
import { showProduct } from "./pages/product.ts";
import { showSignup, submitSignup } from "./pages/signup.ts";

export type RouteHandler = (request: ShopRequest) => ShopResponse | Promise<ShopResponse>;

interface Route {
  method: "GET" | "POST";
  pattern: string;
  handle: RouteHandler;
}

/** Every page and form action of the shop. `/public/...` files are served before these are tried. */
export const ROUTES: readonly Route[] = [
  { method: "GET", pattern: "/", handle: showHome },
  { method: "GET", pattern: "/products", handle: showCatalog },
  { method: "GET", pattern: "/products/:slug", handle: showProduct },
  { method: "GET", pattern: "/cart", handle: showCart },
  { method: "POST", pattern: "/cart/items", handle: postCartItem },
  { method: "POST", pattern: "/cart/items/:slug", handle: postCartQuantity },
  { method: "GET", pattern: "/checkout", handle: showCheckout },
  { method: "POST", pattern: "/checkout", handle: submitCheckout },
  { method: "GET", pattern: "/orders/:id", handle: showOrder },
  { method: "GET", pattern: "/signup", handle: showSignup },
  { method: "POST", pattern: "/signup", handle: submitSignup },
  { method: "GET", pattern: "/login", handle: showLogin },
  { method: "POST", pattern: "/login", handle: submitLogin },
  { method: "POST", pattern: "/logout", handle: submitLogout },
  { method: "GET", pattern: "/account", handle: showAccount },
  { method: "GET", pattern: "/about", handle: showInfo },
  { method: "GET", pattern: "/shipping", handle: showInfo },
  { method: "GET", pattern: "/contact", handle: showInfo },
  { method: "GET", pattern: "/lab/moving-parts", handle: showMovingParts },
];

export type RouteMatch =
  | { kind: "found"; handle: RouteHandler; params: Record<string, string> }
  | { kind: "wrong-method"; allow: string[] }
  | { kind: "none" };

function matchPattern(pattern: string, pathname: string): Record<string, string> | undefined {
  const want = pattern.split("/");
  const got = pathname.split("/");
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i] ?? "";
    const actual = got[i] ?? "";
    if (segment.startsWith(":")) {
      if (!actual) return undefined;
      try {
        params[segment.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (segment !== actual) return undefined;
  }
  return params;
}

export function matchRoute(method: string, pathname: string): RouteMatch {
  const allow: string[] = [];
  // HEAD is answered like GET; Node's http leaves the body out.
  const wanted = method === "HEAD" ? "GET" : method;
  for (const route of ROUTES) {
    const params = matchPattern(route.pattern, pathname);
    if (!params) continue;
    if (route.method === wanted) return { kind: "found", handle: route.handle, params };
    allow.push(route.method);
  }
  return allow.length > 0 ? { kind: "wrong-method", allow } : { kind: "none" };
}
