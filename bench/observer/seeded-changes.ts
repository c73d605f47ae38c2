/*
 * Realistic changes to the example shop, each a few exact edits (paths relative to examples/shop).
 * `reaches` lists, for changes meant to break nothing, the flows whose pages or behaviour the change
 * visibly touches (a person's judgement, written before looking at any selection); the flows that
 * actually fail are measured by running every flow.
 */

import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export interface SeededChange {
  name: string;
  kind: string;
  edits: Array<{ file: string; find: string; replace: string } | { file: string; create: string }>;
  reaches?: string[];
  /** In the held-out half: the risk model's prior weights were never tuned on it. */
  heldOut?: boolean;
}

export const SEEDED_CHANGES: SeededChange[] = [
  {
    name: "rename the Add to cart button",
    kind: "copy edit",
    edits: [{ file: "src/copy.ts", find: 'addToCart: "Add to cart"', replace: 'addToCart: "Add to bag"' }],
  },
  {
    name: "new hero headline",
    kind: "copy edit",
    edits: [
      {
        file: "src/copy.ts",
        find: 'heroTitle: "Light, wood and linen for slow evenings"',
        replace: 'heroTitle: "Warm light for long evenings"',
      },
    ],
  },
  {
    name: "friendlier wrong-password message",
    kind: "copy edit",
    edits: [
      {
        file: "src/copy.ts",
        find: 'loginFailed: "Email or password is incorrect."',
        replace: 'loginFailed: "That email and password do not match."',
      },
    ],
  },
  {
    name: "reword the related-products heading",
    kind: "copy edit",
    edits: [
      {
        file: "src/copy.ts",
        find: 'relatedHeading: "You might also like"',
        replace: 'relatedHeading: "More to love"',
      },
    ],
    reaches: [
      "add-to-cart",
      "cart-update",
      "checkout",
      "checkout-validation",
      "mobile-add-to-cart",
      "sold-out",
      "search",
    ],
  },
  {
    name: "404 heading says Not found",
    kind: "copy edit",
    edits: [
      {
        file: "src/copy.ts",
        find: 'notFoundHeading: "Page not found"',
        replace: 'notFoundHeading: "Not found"',
      },
    ],
  },
  {
    name: "prices shown with the currency code",
    kind: "shared util",
    edits: [{ file: "src/components/price.ts", find: "`$", replace: "`USD $" }],
  },
  {
    name: "shipping fee goes up to $9",
    kind: "business logic",
    edits: [{ file: "src/state/cart.ts", find: "SHIPPING_CENTS = 800", replace: "SHIPPING_CENTS = 900" }],
  },
  {
    name: "cart count off by one",
    kind: "component logic",
    edits: [{ file: "src/state/cart.ts", find: "let count = 0;", replace: "let count = 1;" }],
  },
  {
    name: "stricter email check used by checkout and signup",
    kind: "util used by two routes",
    edits: [
      {
        file: "src/forms/checkout-form.ts",
        find: "export const EMAIL_PATTERN = /^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/;",
        replace: "export const EMAIL_PATTERN = /^[a-z.]+@[^\\s@]+\\.[^\\s@]+$/;",
      },
    ],
  },
  {
    name: "move the About page to /about-us",
    kind: "route-only change",
    edits: [{ file: "src/routes.ts", find: 'pattern: "/about"', replace: 'pattern: "/about-us"' }],
  },
  {
    name: "add a frame-options header",
    kind: "server-only change",
    edits: [
      {
        file: "src/handle-request.ts",
        find: '"x-content-type-options": "nosniff",',
        replace: '"x-content-type-options": "nosniff",\n  "x-frame-options": "DENY",',
      },
    ],
    reaches: [],
  },
  {
    name: "tighten a server test",
    kind: "test-only change",
    edits: [{ file: "server.test.ts", find: "describe(", replace: "describe.sequential(" }],
    reaches: [],
  },
  {
    name: "Fjord Armchair costs $359",
    kind: "data change",
    edits: [{ file: "src/data/catalogue.ts", find: "priceCents: 34900", replace: "priceCents: 35900" }],
  },
  {
    name: "rewrite the About page's story",
    kind: "content change",
    edits: [
      {
        file: "src/data/info-pages.ts",
        find: "began in 2019 as a market stall in Copenhagen",
        replace: "started in 2019 at a Copenhagen market stall",
      },
    ],
    reaches: ["footer-links", "mobile-menu"],
  },
  {
    name: "stop shipping to Germany",
    kind: "data change",
    edits: [{ file: "src/data/countries.ts", find: '  "Germany",\n', replace: "" }],
  },
  {
    name: "new welcome message after signup",
    kind: "copy in page logic",
    edits: [
      {
        file: "src/pages/signup.ts",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the shop's own source text
        find: "`Welcome, ${account.name}! Your account is ready.`",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the shop's own source text
        replace: "`Hello ${account.name}, your account is ready.`",
      },
    ],
  },
  {
    name: "rename the order rows' test id",
    kind: "markup change",
    edits: [
      { file: "src/pages/account.ts", find: 'data-testid="order-row"', replace: 'data-testid="order-line"' },
    ],
  },
  {
    name: "order total shown without the Total row id",
    kind: "markup change",
    edits: [
      { file: "src/pages/order.ts", find: 'data-testid="order-total"', replace: 'data-testid="grand-total"' },
    ],
  },
  {
    name: "footer says Get in touch",
    kind: "component copy",
    edits: [{ file: "src/components/footer.ts", find: ">Contact us</a>", replace: ">Get in touch</a>" }],
  },
  {
    name: "product tiles renamed in markup",
    kind: "component markup",
    edits: [
      {
        file: "src/components/product-card.ts",
        find: 'data-testid="product-card"',
        replace: 'data-testid="product-tile"',
      },
    ],
  },
  {
    name: "breadcrumb landmark relabelled",
    kind: "accessibility tweak",
    edits: [
      {
        file: "src/components/breadcrumbs.ts",
        find: 'aria-label="Breadcrumb"',
        replace: 'aria-label="You are here"',
      },
    ],
    reaches: [
      "add-to-cart",
      "cart-update",
      "checkout",
      "checkout-validation",
      "mobile-add-to-cart",
      "sold-out",
      "search",
    ],
  },
  {
    name: "result count says items",
    kind: "page logic",
    edits: [
      {
        file: "src/pages/catalog.ts",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the shop's own source text
        find: '"1 product" : `${products.length} products`',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the shop's own source text
        replace: '"1 item" : `${products.length} items`',
      },
    ],
  },
  {
    name: "log in lands on the home page",
    kind: "page logic",
    edits: [
      {
        file: "src/pages/login.ts",
        find: 'const next = safeLocalPath(form.get("next"), "/account");',
        replace: 'const next = safeLocalPath(form.get("next"), "/");',
      },
    ],
  },
  {
    name: "mobile menu never opens",
    kind: "shared styles",
    edits: [
      {
        file: "public/css/shop.css",
        find: "  .js .site-nav.is-open {\n    display: block;",
        replace: "  .js .site-nav.is-open {\n    display: none;",
      },
    ],
  },
  {
    name: "rounder hero panel",
    kind: "shared styles",
    edits: [
      {
        file: "public/css/shop.css",
        find: "  border-radius: 20px;\n  padding: 3rem;\n  box-shadow: var(--shadow);",
        replace: "  border-radius: 28px;\n  padding: 3rem;\n  box-shadow: var(--shadow);",
      },
    ],
    reaches: ["home-hero", "login", "signup", "footer-links", "mobile-menu", "not-found"],
  },
  {
    name: "card check rejects every card",
    kind: "browser script",
    edits: [
      { file: "public/js/checkout.js", find: "return sum % 10 === 0;", replace: "return sum % 10 === 1;" },
    ],
  },
  {
    name: "slower search debounce",
    kind: "browser script",
    edits: [{ file: "public/js/catalog.js", find: '"search" ? 200 : 0', replace: '"search" ? 350 : 0' }],
    reaches: ["search", "catalog-filter"],
  },
  {
    name: "Escape no longer returns focus",
    kind: "browser script",
    edits: [{ file: "public/js/menu.js", find: "      toggle.focus();\n", replace: "" }],
    reaches: ["mobile-menu"],
  },
  {
    name: "rename the session cookie",
    kind: "server state",
    edits: [
      {
        file: "src/state/sessions.ts",
        find: 'SESSION_COOKIE = "shop_session"',
        replace: 'SESSION_COOKIE = "lumen_session"',
      },
    ],
    reaches: [],
  },
  {
    name: "bump a dependency in the lockfile",
    kind: "global file",
    edits: [
      {
        file: "package-lock.json",
        create: '{\n  "name": "shop",\n  "lockfileVersion": 3,\n  "packages": {}\n}\n',
      },
    ],
    reaches: [],
  },
  {
    name: "sold-out flow checks the badge text",
    kind: "flow edit",
    edits: [
      {
        file: ".perceo/flows/sold-out.yml",
        find: "  - expect: { visible: { text: Out of stock — back in spring } }",
        replace: "  - expect: { visible: { text: Out of stock — back in autumn } }",
      },
    ],
  },
  {
    name: "add design notes",
    kind: "docs",
    edits: [
      { file: "docs/notes.md", create: "# Design notes\n\nThe palette comes from Nordic interiors.\n" },
    ],
    reaches: [],
  },
  ...HELD_OUT_CHANGES(),
];

/** A smaller set for `--quick`: one of each kind that matters most. */
export const QUICK = [
  "rename the Add to cart button",
  "prices shown with the currency code",
  "stricter email check used by checkout and signup",
  "move the About page to /about-us",
  "tighten a server test",
  "mobile menu never opens",
  "card check rejects every card",
  "footer says Get in touch",
];

/*
 * Changes to the Playwright suite itself (examples/shop-playwright: specs, page objects), for the
 * suite's part of the benchmark; paths are relative to that folder. The shop changes above apply
 * to it too.
 */
export const SUITE_CHANGES: SeededChange[] = [
  {
    name: "cart page object reads the subtotal for the total",
    kind: "page object",
    edits: [
      {
        file: "pages/cart-page.ts",
        find: 'getByTestId("cart-total")).toHaveText(total)',
        replace: 'getByTestId("cart-subtotal")).toHaveText(total)',
      },
    ],
  },
  {
    name: "login page object submits with Enter",
    kind: "page object",
    edits: [
      {
        file: "pages/login-page.ts",
        find: 'await this.page.getByRole("button", { name: "Log in" }).click();',
        replace: 'await this.page.getByLabel("Password").press("Enter");',
      },
    ],
  },
  {
    name: "checkout spec expects last year's total",
    kind: "spec edit",
    edits: [{ file: "tests/checkout.spec.ts", find: '"$97.00"', replace: '"$96.00"' }],
  },
  {
    name: "a comment atop the catalog spec",
    kind: "spec edit",
    edits: [
      {
        file: "tests/catalog.spec.ts",
        find: 'import { expect, test } from "@playwright/test";',
        replace:
          '// The catalog: search, filters, product pages.\nimport { expect, test } from "@playwright/test";',
      },
    ],
  },
];

/** Makes a seeded change's edits in the files under `root`; an edit whose text is not found throws. */
export async function applySeededChange(root: string, change: SeededChange): Promise<void> {
  for (const edit of change.edits) {
    const file = path.join(root, edit.file);
    if ("create" in edit) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, edit.create);
      continue;
    }
    const text = await readFile(file, "utf8");
    if (!text.includes(edit.find))
      throw new Error(`${change.name}: "${edit.find}" not found in ${edit.file}`);
    await writeFile(file, text.replace(edit.find, edit.replace));
  }
}

/**
 * The held-out half: kinds the first half has none of (API handlers, strings tables, feature flags,
 * CSS variables, shared browser scripts, server plumbing, seed data, new pages). The risk model's
 * prior weights were never tuned on these; `reaches` as above, written before any selection.
 */
function HELD_OUT_CHANGES(): SeededChange[] {
  const changes: Array<Omit<SeededChange, "heldOut">> = [
    {
      name: "add-to-cart API answers without the count",
      kind: "API handler",
      edits: [
        {
          file: "src/pages/cart.ts",
          find: "jsonResponse({ ok: true, count })",
          replace: "jsonResponse({ ok: true })",
        },
      ],
    },
    {
      name: "add-to-cart API answers 409 when unavailable",
      kind: "API handler",
      edits: [{ file: "src/pages/cart.ts", find: '"unavailable" }, 422)', replace: '"unavailable" }, 409)' }],
      reaches: [],
    },
    {
      name: "quantity update lands on checkout",
      kind: "API handler",
      edits: [
        {
          file: "src/pages/cart.ts",
          find: '  setCartQuantity(request.session.cart, request.params.slug ?? "", clampQuantity(form.get("quantity"), 1));\n  return redirect("/cart");',
          replace:
            '  setCartQuantity(request.session.cart, request.params.slug ?? "", clampQuantity(form.get("quantity"), 1));\n  return redirect("/checkout");',
        },
      ],
    },
    {
      name: "catalog fragment API needs a second header",
      kind: "API handler",
      edits: [
        {
          file: "src/pages/catalog.ts",
          find: 'if (request.headers["x-shop-fragment"] === "catalog-results") {',
          replace:
            'if (request.headers["x-shop-fragment"] === "catalog-results" && request.headers["x-shop-v"] === "2") {',
        },
      ],
      reaches: ["search", "catalog-filter"],
    },
    {
      name: "strings: All products becomes Everything",
      kind: "i18n strings",
      edits: [
        {
          file: "src/copy.ts",
          find: 'catalogHeading: "All products"',
          replace: 'catalogHeading: "Everything"',
        },
      ],
    },
    {
      name: "strings: Proceed to checkout becomes Go to checkout",
      kind: "i18n strings",
      edits: [
        {
          file: "src/copy.ts",
          find: 'proceedToCheckout: "Proceed to checkout"',
          replace: 'proceedToCheckout: "Go to checkout"',
        },
      ],
    },
    {
      name: "strings: checkout error summary reworded",
      kind: "i18n strings",
      edits: [
        {
          file: "src/copy.ts",
          find: 'checkoutErrorSummary: "Please correct the highlighted fields."',
          replace: 'checkoutErrorSummary: "Some fields need your attention."',
        },
      ],
    },
    {
      name: "strings: the Update button says Save",
      kind: "i18n strings",
      edits: [{ file: "src/copy.ts", find: 'updateCart: "Update"', replace: 'updateCart: "Save"' }],
    },
    {
      name: "strings: a new tagline",
      kind: "i18n strings",
      edits: [
        {
          file: "src/copy.ts",
          find: 'tagline: "Quiet goods for warm homes"',
          replace: 'tagline: "Goods for warm homes"',
        },
      ],
      reaches: [],
    },
    {
      name: "strings: the email error says what is wrong",
      kind: "i18n strings",
      edits: [
        {
          file: "src/copy.ts",
          find: 'errorEmail: "Enter a valid email address."',
          replace: 'errorEmail: "That email address is missing an @ or a domain."',
        },
      ],
    },
    {
      name: "flag: gift wrap offered in the cart, off",
      kind: "feature flag",
      edits: [
        {
          file: "src/flags.ts",
          create:
            "/** Features that ship dark until they are switched on. */\nexport const FLAGS = { giftWrap: false };\n",
        },
        {
          file: "src/pages/cart.ts",
          find: '    <h2 id="summary-title">Order summary</h2>',
          replace:
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the shop's own source text
            '    <h2 id="summary-title">Order summary</h2>\n    ${FLAGS.giftWrap ? html`<p class="gift-wrap">Gift wrap available</p>` : ""}',
        },
        {
          file: "src/pages/cart.ts",
          find: "import { htmlResponse,",
          replace: 'import { FLAGS } from "../flags.ts";\nimport { htmlResponse,',
        },
      ],
      reaches: [],
    },
    {
      name: "flag: search box switched off",
      kind: "feature flag",
      edits: [
        {
          file: "src/flags.ts",
          create: "/** Features that can be switched off. */\nexport const FLAGS = { search: false };\n",
        },
        {
          file: "src/pages/catalog.ts",
          find: '    <input id="catalog-q" name="q" type="search"',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the shop's own source text
          replace: '    <input id="catalog-q" name="q" type="${FLAGS.search ? "search" : "hidden"}"',
        },
        {
          file: "src/pages/catalog.ts",
          find: 'import { renderLayout } from "../components/layout.ts";',
          replace:
            'import { renderLayout } from "../components/layout.ts";\nimport { FLAGS } from "../flags.ts";',
        },
      ],
      reaches: ["search"],
    },
    {
      name: "flag: announcement banner on every page",
      kind: "feature flag",
      edits: [
        { file: "src/flags.ts", create: 'export const FLAGS = { banner: "Free returns all winter" };\n' },
        {
          file: "src/components/layout.ts",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the shop's own source text
          find: "  ${renderHeader(request)}",
          replace:
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the shop's own source text
            '  ${FLAGS.banner ? html`<p class="banner">${FLAGS.banner}</p>` : ""}\n  ${renderHeader(request)}',
        },
        {
          file: "src/components/layout.ts",
          find: 'import { renderFooter } from "./footer.ts";',
          replace: 'import { FLAGS } from "../flags.ts";\nimport { renderFooter } from "./footer.ts";',
        },
      ],
      reaches: [],
    },
    {
      name: "CSS variable: a darker brand colour",
      kind: "CSS variable",
      edits: [{ file: "public/css/shop.css", find: "  --brand: #2f4a3a;", replace: "  --brand: #1f3a2a;" }],
      reaches: [],
    },
    {
      name: "CSS variable: tighter corner radius",
      kind: "CSS variable",
      edits: [{ file: "public/css/shop.css", find: "  --radius: 12px;", replace: "  --radius: 6px;" }],
      reaches: [],
    },
    {
      name: "CSS variable: a louder danger colour",
      kind: "CSS variable",
      edits: [{ file: "public/css/shop.css", find: "  --danger: #b3261e;", replace: "  --danger: #d0021b;" }],
      reaches: ["checkout-validation", "login-wrong-password", "signup-existing-email"],
    },
    {
      name: "CSS variable: display font goes sans",
      kind: "CSS variable",
      edits: [
        {
          file: "public/css/shop.css",
          find: '  --font-display: ui-serif, Georgia, "Times New Roman", serif;',
          replace: "  --font-display: var(--font);",
        },
      ],
      reaches: [],
    },
    {
      name: "shared script: cart count shows one more",
      kind: "shared browser script",
      edits: [
        {
          file: "public/js/cart.js",
          find: "count.textContent = String(result.count);",
          replace: "count.textContent = String(result.count + 1);",
        },
      ],
    },
    {
      name: "shared script: quantity change no longer submits",
      kind: "shared browser script",
      edits: [
        {
          file: "public/js/cart.js",
          find: '    input?.addEventListener("change", () => form.requestSubmit());\n',
          replace: "",
        },
      ],
      reaches: ["cart-update"],
    },
    {
      name: "shared script: added message never shows",
      kind: "shared browser script",
      edits: [
        { file: "public/js/cart.js", find: "if (status && result.ok) status.hidden = false;", replace: "" },
      ],
    },
    {
      name: "JSON responses may be cached",
      kind: "server plumbing",
      edits: [
        {
          file: "src/http/responses.ts",
          find: '"content-type": "application/json; charset=utf-8", "cache-control": "no-store"',
          replace: '"content-type": "application/json; charset=utf-8", "cache-control": "private, max-age=0"',
        },
      ],
      reaches: [],
    },
    {
      name: "session cookie becomes SameSite=Strict",
      kind: "server plumbing",
      edits: [
        {
          file: "src/http/cookies.ts",
          find: "; Path=/; HttpOnly; SameSite=Lax`",
          replace: "; Path=/; HttpOnly; SameSite=Strict`",
        },
      ],
      reaches: [],
    },
    {
      name: "passwords need ten characters",
      kind: "validation rule",
      edits: [
        {
          file: "src/forms/signup-form.ts",
          find: "MIN_PASSWORD_LENGTH = 8;",
          replace: "MIN_PASSWORD_LENGTH = 16;",
        },
      ],
    },
    {
      name: "at most three of an item",
      kind: "business rule",
      edits: [{ file: "src/state/cart.ts", find: "MAX_QUANTITY = 10;", replace: "MAX_QUANTITY = 3;" }],
    },
    {
      name: "free shipping from $150",
      kind: "business rule",
      edits: [
        {
          file: "src/state/cart.ts",
          find: "FREE_SHIPPING_FROM_CENTS = 10_000;",
          replace: "FREE_SHIPPING_FROM_CENTS = 15_000;",
        },
      ],
    },
    {
      name: "the seed shopper's password changes",
      kind: "seed data",
      edits: [
        {
          file: "src/data/seed-accounts.ts",
          find: 'password: "correct horse"',
          replace: 'password: "battery staple"',
        },
      ],
    },
    {
      name: "nav link Shop becomes Browse",
      kind: "component copy",
      edits: [
        {
          file: "src/components/header.ts",
          find: '{ href: "/products", label: "Shop" },',
          replace: '{ href: "/products", label: "Browse" },',
        },
      ],
      reaches: ["mobile-menu"],
    },
    {
      name: "product price loses its test id",
      kind: "markup change",
      edits: [
        {
          file: "src/pages/product.ts",
          find: '<p class="product-price" data-testid="product-price">',
          replace: '<p class="product-price">',
        },
      ],
    },
    {
      name: "a gift-card page at /gift-cards",
      kind: "new page",
      edits: [
        {
          file: "src/pages/gift-cards.ts",
          create:
            'import { htmlResponse, type ShopResponse } from "../http/responses.ts";\nimport type { ShopRequest } from "../http/shop-request.ts";\nimport { renderLayout } from "../components/layout.ts";\nimport { html } from "../http/html.ts";\n\nexport function showGiftCards(request: ShopRequest): ShopResponse {\n  return htmlResponse(renderLayout(request, { title: "Gift cards", main: html`<h1>Gift cards</h1><p>Coming soon.</p>` }));\n}\n',
        },
        {
          file: "src/routes.ts",
          find: '  { method: "GET", pattern: "/lab/moving-parts", handle: showMovingParts },',
          replace:
            '  { method: "GET", pattern: "/lab/moving-parts", handle: showMovingParts },\n  { method: "GET", pattern: "/gift-cards", handle: showGiftCards },',
        },
        {
          file: "src/routes.ts",
          find: 'import { showHome } from "./pages/home.ts";',
          replace:
            'import { showGiftCards } from "./pages/gift-cards.ts";\nimport { showHome } from "./pages/home.ts";',
        },
      ],
      reaches: [],
    },
    {
      name: "header cart link labelled Basket",
      kind: "component copy",
      edits: [
        {
          file: "src/components/header.ts",
          find: '        Cart <span class="cart-count"',
          replace: '        Basket <span class="cart-count"',
        },
      ],
    },
  ];
  return changes.map((change) => ({ ...change, heldOut: true }));
}
