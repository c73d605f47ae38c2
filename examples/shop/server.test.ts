import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningShop, startShop } from "./server.ts";

let shop: RunningShop;

beforeAll(async () => {
  shop = await startShop();
});

afterAll(async () => {
  await shop?.close();
});

/** A browser-like client: keeps the session cookie, does not follow redirects. */
function visitor(base = () => shop.url) {
  let cookie = "";
  async function request(path: string, init: RequestInit = {}) {
    const response = await fetch(base() + path, {
      ...init,
      redirect: "manual",
      headers: { ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string>) },
    });
    const setCookie = response.headers.get("set-cookie");
    if (setCookie) cookie = setCookie.split(";")[0] ?? "";
    return { status: response.status, headers: response.headers, body: await response.text() };
  }
  return {
    get: (path: string, headers: Record<string, string> = {}) => request(path, { headers }),
    post: (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
      request(path, { method: "POST", body: new URLSearchParams(form), headers }),
  };
}

const VALID_CHECKOUT = {
  email: "grace@example.com",
  name: "Grace Hopper",
  street: "Torstraße 1",
  city: "Berlin",
  postalCode: "10119",
  country: "Germany",
  cardNumber: "4242 4242 4242 4242",
  expiry: "12/34",
  cvc: "123",
  terms: "yes",
};

/** The text of the error paragraph under a field, as the page renders it. */
function fieldError(body: string, name: string): string | undefined {
  const match = new RegExp(`data-error-for="${name}">([^<]*)<`).exec(body);
  return match?.[1];
}

describe("pages", () => {
  it.each([
    ["/", "Light, wood and linen for slow evenings"],
    ["/products", "All products"],
    ["/products?category=Lighting", "2 products in Lighting"],
    ["/products/aurora-lamp", "Aurora Table Lamp"],
    ["/cart", "Your cart is empty."],
    ["/signup", "Create an account"],
    ["/login", "Log in"],
    ["/about", "About us"],
    ["/shipping", "Shipping &amp; returns"],
    ["/contact", "Contact us"],
  ])("GET %s renders the page", async (path, text) => {
    const page = await visitor().get(path);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.body).toMatch(/^<!doctype html>/);
    expect(page.body).toContain(text);
    expect(page.body).toContain('<main id="main"');
  });

  it("answers an unknown path with the 404 page", async () => {
    for (const path of ["/nope", "/products/no-such-lamp", "/orders/1001"]) {
      const page = await visitor().get(path);
      expect(page.status, path).toBe(404);
      expect(page.body).toContain("<h1>Page not found</h1>");
      expect(page.body).toContain("Back to the home page");
    }
  });

  it("answers a known path with the wrong method with 405 and Allow", async () => {
    const response = await visitor().post("/account", {});
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET");
  });

  it("sends pages with a same-origin content security policy", async () => {
    const page = await visitor().get("/");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("escapes what a visitor typed into the search", async () => {
    const page = await visitor().get(`/products?q=${encodeURIComponent('<script>alert("x")</script>')}`);
    expect(page.body).not.toContain("<script>alert");
    expect(page.body).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("returns only the results when catalog.js asks for the fragment", async () => {
    const fragment = await visitor().get("/products?q=oak", { "x-shop-fragment": "catalog-results" });
    expect(fragment.body).not.toContain("<html");
    expect(fragment.body).toContain("1 product for “oak”");
    expect(fragment.body.match(/data-testid="product-card"/g)).toHaveLength(1);
  });
});

describe("static files", () => {
  it.each([
    ["/public/css/shop.css", "text/css; charset=utf-8"],
    ["/public/js/cart.js", "text/javascript; charset=utf-8"],
    ["/public/images/favicon.svg", "image/svg+xml"],
  ])("serves %s as %s with caching headers", async (path, type) => {
    const client = visitor();
    const file = await client.get(path);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe(type);
    expect(file.headers.get("cache-control")).toBe("public, max-age=3600, must-revalidate");
    const etag = file.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await client.get(path, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe("");
  });

  it("never serves a file from outside public/", async () => {
    for (const path of ["/public/%2e%2e/server.ts", "/public/..%2fserver.ts", "/public/css/missing.css"]) {
      expect((await visitor().get(path)).status, path).toBe(404);
    }
  });
});

describe("cart and checkout", () => {
  it("adds to the cart for cart.js and counts items across the session", async () => {
    const client = visitor();
    const first = await client.post(
      "/cart/items",
      { slug: "stoneware-mug", quantity: "2" },
      { accept: "application/json" },
    );
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ ok: true, count: 2 });
    const soldOut = await client.post(
      "/cart/items",
      { slug: "nordic-bench" },
      { accept: "application/json" },
    );
    expect(soldOut.status).toBe(422);
    const cart = await client.get("/cart");
    expect(cart.body).toContain('data-testid="cart-count" aria-live="polite" aria-atomic="true">2<');
    expect(cart.body).toContain('data-testid="cart-total">$44.00<');
  });

  it("without JavaScript, adding redirects back to the product with a message", async () => {
    const client = visitor();
    const added = await client.post("/cart/items", { slug: "aurora-lamp", quantity: "1" });
    expect(added.status).toBe(303);
    expect(added.headers.get("location")).toBe("/products/aurora-lamp");
    expect((await client.get("/products/aurora-lamp")).body).toContain('class="flash" role="status"');
  });

  it("checks the checkout form on the server and shows each error next to its field", async () => {
    const client = visitor();
    await client.post("/cart/items", { slug: "aurora-lamp" });
    const refused = await client.post("/checkout", {
      ...VALID_CHECKOUT,
      email: "",
      cardNumber: "4242 4242 4242 4241",
      cvc: "12",
      terms: "",
    });
    expect(refused.status).toBe(422);
    expect(fieldError(refused.body, "email")).toBe("This field is required.");
    expect(fieldError(refused.body, "cardNumber")).toBe("Enter a valid card number.");
    expect(fieldError(refused.body, "cvc")).toBe("Enter the 3 or 4 digit security code.");
    expect(fieldError(refused.body, "terms")).toBe("Accept the terms of sale to continue.");
    expect(fieldError(refused.body, "name")).toBe("");
    // What the shopper typed is kept, except card details, which are never echoed into a page.
    expect(refused.body).toContain('value="Grace Hopper"');
    expect(refused.body).not.toContain("4241");
    expect(refused.body).toContain('aria-invalid="true"');
  });

  it("rejects an expired card and a country it does not ship to", async () => {
    const client = visitor();
    await client.post("/cart/items", { slug: "aurora-lamp" });
    const refused = await client.post("/checkout", {
      ...VALID_CHECKOUT,
      expiry: "01/20",
      country: "Atlantis",
    });
    expect(fieldError(refused.body, "expiry")).toBe("Enter a future expiry date as MM/YY.");
    expect(fieldError(refused.body, "country")).toBe("Choose a country we ship to.");
  });

  it("places an order, empties the cart and shows the confirmation only to its buyer", async () => {
    const buyer = visitor();
    await buyer.post("/cart/items", { slug: "fjord-armchair" });
    const placed = await buyer.post("/checkout", VALID_CHECKOUT);
    expect(placed.status).toBe(303);
    const location = placed.headers.get("location") ?? "";
    expect(location).toMatch(/^\/orders\/\d+$/);
    const confirmation = await buyer.get(location);
    expect(confirmation.body).toContain("Thank you for your order");
    expect(confirmation.body).toContain('data-testid="order-total">$349.00<');
    expect((await buyer.get("/cart")).body).toContain("Your cart is empty.");
    expect((await visitor().get(location)).status).toBe(404);
  });

  it("sends an empty cart from checkout back to the cart", async () => {
    const client = visitor();
    expect((await client.get("/checkout")).headers.get("location")).toBe("/cart");
    expect((await client.post("/checkout", VALID_CHECKOUT)).headers.get("location")).toBe("/cart");
  });
});

describe("accounts", () => {
  it("refuses to sign up an email that already has an account, whatever its case", async () => {
    const response = await visitor().post("/signup", {
      name: "Someone",
      email: "ADA@example.com",
      password: "long enough",
    });
    expect(response.status).toBe(422);
    expect(fieldError(response.body, "email")).toBe("An account with this email already exists.");
  });

  it("signs up a new account, signed in, that can later log in", async () => {
    const email = `new-${Date.now()}@example.com`;
    const client = visitor();
    const created = await client.post("/signup", { name: "Grace Hopper", email, password: "cobol forever" });
    expect(created.headers.get("location")).toBe("/account");
    const account = await client.get("/account");
    expect(account.body).toContain("Welcome, Grace Hopper!");
    expect(account.body).toContain("You have not placed any orders yet.");
    const later = await visitor().post("/login", { email, password: "cobol forever" });
    expect(later.headers.get("location")).toBe("/account");
  });

  it("validates the signup form", async () => {
    const response = await visitor().post("/signup", { name: "", email: "nope", password: "short" });
    expect(fieldError(response.body, "name")).toBe("This field is required.");
    expect(fieldError(response.body, "email")).toBe("Enter a valid email address.");
    expect(fieldError(response.body, "password")).toBe("Use at least 8 characters.");
  });

  it("logs Ada in to her seeded orders and refuses a wrong password", async () => {
    const wrong = await visitor().post("/login", { email: "ada@example.com", password: "battery staple" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain("Email or password is incorrect.");
    const client = visitor();
    expect((await client.get("/account")).headers.get("location")).toBe("/login?next=/account");
    const login = await client.post("/login", {
      email: "ada@example.com",
      password: "correct horse",
      next: "/account",
    });
    expect(login.headers.get("location")).toBe("/account");
    const account = await client.get("/account");
    expect(account.body.match(/data-testid="order-row"/g)).toHaveLength(2);
    expect(account.body).toContain("Order #1001");
    expect((await client.get("/orders/1001")).body).toContain('data-testid="order-total">$103.00<');
    expect((await client.post("/logout", {})).headers.get("location")).toBe("/");
    expect((await client.get("/account")).status).toBe(303);
  });

  it("never redirects after login to another site", async () => {
    const login = await visitor().post("/login", {
      email: "ada@example.com",
      password: "correct horse",
      next: "//evil.example/",
    });
    expect(login.headers.get("location")).toBe("/account");
  });
});

describe("startShop", () => {
  it("renders overridden copy, such as a renamed Add to cart button", async () => {
    const renamed = await startShop({ copy: { addToCart: "Add to bag" } });
    try {
      const page = await visitor(() => renamed.url).get("/products/aurora-lamp");
      expect(page.body).toContain(">Add to bag</button>");
      expect(page.body).not.toContain("Add to cart");
    } finally {
      await renamed.close();
    }
  });

  it("starts every shop fresh from the seed", async () => {
    const first = await startShop();
    const second = await startShop();
    try {
      const email = "only-in-first@example.com";
      await visitor(() => first.url).post("/signup", { name: "First", email, password: "long enough" });
      const again = await visitor(() => second.url).post("/signup", {
        name: "Second",
        email,
        password: "long enough",
      });
      expect(again.status).toBe(303);
      expect(second.url).not.toBe(first.url);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("closes promptly while a keep-alive connection is open", async () => {
    const running = await startShop({ port: 0 });
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http
        .get(`${running.url}/healthz`, { agent }, (response) => {
          response.resume();
          response.on("end", resolve);
        })
        .on("error", reject);
    });
    const started = Date.now();
    await running.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    agent.destroy();
  });
});
