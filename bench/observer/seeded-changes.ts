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
