import { describe, expect, it } from "vitest";
import { parseFlowFile } from "../../config/index.ts";
import { flowUrls, routesForUrl } from "./flow-urls.ts";
import {
  discoverFrameworkRoutes,
  type Framework,
  matcherCovers,
  middlewareMatcher,
  routeForFile,
} from "./framework-routes.ts";
import { patternMatches, type RouteDef } from "./route.ts";

const route = (pattern: string, kind: RouteDef["kind"] = "page"): RouteDef => ({
  pattern,
  entries: [],
  layouts: [],
  kind,
  source: pattern,
});

describe("remix-flat-routes colocated modules", () => {
  it("a `__name` file beside the routes (epic-stack's __note-editor.tsx) serves no route", () => {
    expect(routeForFile("app/routes/users+/$username_+/__note-editor.tsx", ["remix"])).toBeUndefined();
  });
});

describe("routes from file names", () => {
  it.each([
    ["app/page.tsx", ["next"], "/", "page"],
    ["src/app/(shop)/products/[slug]/page.tsx", ["next"], "/products/:slug", "page"],
    ["app/docs/[...path]/page.mdx", ["next"], "/docs/*", "page"],
    ["app/api/orders/route.ts", ["next"], "/api/orders", "endpoint"],
    ["app/account/layout.tsx", ["next"], "/account", "layout"],
    ["pages/index.tsx", ["next"], "/", "page"],
    ["pages/blog/[id].tsx", ["next"], "/blog/:id", "page"],
    ["pages/_app.tsx", ["next"], "/", "layout"],
    ["src/app/feed/(..)photo/[id]/page.tsx", ["next"], "/photo/:id", "page"],
    ["app/(marketing)/[...slug]/page.tsx", ["next"], "/*", "page"],
    ["app/routes/dashboard_.print.tsx", ["remix"], "/dashboard/print", "page"],
    ["app/routes/_auth.tsx", ["remix"], "/", "layout"],
    ["src/routes/profile/@[user]/+page.svelte", ["sveltekit"], "/profile/@:user", "page"],
    ["app/routes/_index.tsx", ["remix"], "/", "page"],
    ["app/routes/products.$id.tsx", ["remix"], "/products/:id", "page"],
    ["app/routes/_auth.login.tsx", ["remix"], "/login", "page"],
    ["app/routes/files.$.tsx", ["remix"], "/files/*", "page"],
    ["app/root.tsx", ["remix"], "/", "layout"],
    ["app/routes/settings+/profile.index.tsx", ["remix"], "/settings/profile", "page"],
    ["app/routes/users+/index.tsx", ["remix"], "/users", "page"],
    ["server/index.ts", ["remix"], "/", "layout"],
    ["src/routes/+page.svelte", ["sveltekit"], "/", "page"],
    ["src/routes/blog/[slug]/+page.svelte", ["sveltekit"], "/blog/:slug", "page"],
    ["src/routes/(app)/settings/+layout.svelte", ["sveltekit"], "/settings", "layout"],
    ["src/routes/api/items/+server.ts", ["sveltekit"], "/api/items", "endpoint"],
    ["pages/users/[id].vue", ["nuxt"], "/users/:id", "page"],
    ["pages/index.vue", ["nuxt"], "/", "page"],
    ["layouts/default.vue", ["nuxt"], "/", "layout"],
    ["src/pages/about.astro", ["astro"], "/about", "page"],
    ["src/pages/posts/[...slug].astro", ["astro"], "/posts/*", "page"],
    ["index.html", ["static"], "/", "page"],
    ["docs/guide.html", ["static"], "/docs/guide.html", "page"],
    ["public/404.html", ["static"], "*", "fallback"],
  ] as const)("%s → %s", (file, frameworks, pattern, role) => {
    expect(routeForFile(file, [...frameworks, "static"])).toMatchObject({ pattern, role });
  });

  it("a pages/ folder is not a router without a framework that makes it one", () => {
    expect(routeForFile("src/pages/home.ts", ["static"])).toBeUndefined();
  });

  it("patterns match URL paths with parameters, rests and .html", () => {
    expect(patternMatches("/products/:slug", "/products/lamp")).toBe(true);
    expect(patternMatches("/products/:slug", "/products")).toBe(false);
    expect(patternMatches("/docs/*", "/docs/a/b")).toBe(true);
    expect(patternMatches("/about.html", "/about")).toBe(true);
    expect(patternMatches("/", "/")).toBe(true);
    expect(patternMatches("/profile/@:user", "/profile/@jane")).toBe(true);
    expect(patternMatches("/profile/@:user", "/profile/jane")).toBe(false);
  });

  it("a URL lands on the most specific page routes that serve it (static before parameter before rest), in route order, and on the fallback when none does", () => {
    const routes = [
      route("/products/:slug"),
      route("/:locale/about"),
      route("/about.html"),
      route("/"),
      route("/docs/*"),
      route("/:optional?"),
      route("*", "fallback"),
      route("/products/new"),
    ];
    const patterns = (path: string) => routesForUrl({ path, from: "t" }, routes).map((r) => r.pattern);
    expect(patterns("/products/new")).toEqual(["/products/new"]);
    expect(patterns("/products/lamp")).toEqual(["/products/:slug"]);
    expect(patterns("/about")).toEqual(["/about.html"]);
    expect(patterns("/en/about")).toEqual(["/:locale/about"]);
    expect(patterns("/")).toEqual(["/", "/:optional?"]);
    expect(patterns("/docs/a/b")).toEqual(["/docs/*"]);
    expect(patterns("/nowhere/at/all")).toEqual(["*"]);
    expect(routesForUrl({ prefix: "/docs", from: "t" }, routes).map((r) => r.pattern)).toEqual([
      "/docs/*",
      "/:optional?",
    ]);
  });

  it("a URL the flow expects to be not found lands on the 404 page when only dynamic pages match it", () => {
    const routes = [route("/*"), route("/*/:category/*"), route("/about"), route("*", "fallback")];
    const steps = (expect: string) =>
      `steps:\n  - goto: /this-page-does-not-exist\n  - expect: ${expect}\n  - goto: /about\n  - expect: { visible: { text: "Not found here" } }\n`;
    const urls = (expect: string) => {
      const { flow } = parseFlowFile({
        path: ".perceo/flows/missing.yml",
        text: `name: missing\ndescription: A broken link\npriority: low\n${steps(expect)}`,
      });
      if (!flow) throw new Error("the flow should parse");
      return flowUrls(flow).map((url) => routesForUrl(url, routes).map((r) => r.pattern));
    };
    expect(urls('{ visible: { text: "404" } }')).toEqual([["*"], ["/about"]]);
    expect(urls('{ visible: { role: heading, name: "Page not found" } }')).toEqual([["*"], ["/about"]]);
    expect(urls('{ visible: { text: "Welcome" } }')).toEqual([["/*", "/*/:category/*"], ["/about"]]);
  });

  it("a flow's catastrophic URL regex meets a route built to stall it and answers at once", () => {
    // Both written by the repository: /^\/(a|a)*$/ backtracks 2^64 times on this path in JavaScript.
    const stalling = `/${"a".repeat(64)}!`;
    const { flow } = parseFlowFile({
      path: ".perceo/flows/evil.yml",
      text: "name: evil\ndescription: Evil\npriority: low\nsteps:\n  - expect: { url: { matches: '^/(a|a)*$' } }\n",
    });
    if (!flow) throw new Error("the flow should parse");
    const [url] = flowUrls(flow);
    expect(url?.regex?.source).toBe("^/(a|a)*$");
    const routes: RouteDef[] = [stalling, "/aaaa"].map((pattern) => ({
      pattern,
      entries: [],
      layouts: [],
      kind: "page",
      source: pattern,
    }));
    expect(routesForUrl(url ?? { from: "t" }, routes).map((r) => r.pattern)).toEqual(["/aaaa"]);
  });
});

/** Each route's pattern → the wrappers that wrap it. */
function wrappersOf(
  files: string[],
  frameworks: Framework[],
  texts: Record<string, string> = {},
): Record<string, string[]> {
  const routes = discoverFrameworkRoutes(files, "", [...frameworks, "static"], (f) => texts[f]);
  return Object.fromEntries(routes.map((r) => [r.pattern, [...r.layouts].sort()]));
}

describe("wrappers reach exactly the routes beneath them", () => {
  it("Next.js app router: a route group's layout wraps its group, the root layout every page, no endpoint", () => {
    const tree = wrappersOf(
      [
        "app/layout.tsx",
        "app/not-found.tsx",
        "app/(marketing)/layout.tsx",
        "app/(marketing)/page.tsx",
        "app/(marketing)/[...slug]/page.tsx",
        "app/(dashboard)/dashboard/layout.tsx",
        "app/(dashboard)/dashboard/loading.tsx",
        "app/(dashboard)/dashboard/page.tsx",
        "app/(dashboard)/dashboard/settings/error.tsx",
        "app/(dashboard)/dashboard/settings/page.tsx",
        "app/@modal/default.tsx",
        "app/@modal/(.)photo/[id]/page.tsx",
        "app/photo/[id]/page.tsx",
        "app/api/posts/route.ts",
      ],
      ["next"],
    );
    const root = ["app/@modal/default.tsx", "app/layout.tsx"];
    expect(tree).toEqual({
      "/": [...root, "app/(marketing)/layout.tsx"].sort(),
      "/*": [...root, "app/(marketing)/layout.tsx"].sort(),
      "/dashboard": [
        ...root,
        "app/(dashboard)/dashboard/layout.tsx",
        "app/(dashboard)/dashboard/loading.tsx",
      ].sort(),
      "/dashboard/settings": [
        ...root,
        "app/(dashboard)/dashboard/layout.tsx",
        "app/(dashboard)/dashboard/loading.tsx",
        "app/(dashboard)/dashboard/settings/error.tsx",
      ].sort(),
      // The intercepting route in the @modal slot serves the path it intercepts.
      "/photo/:id": root,
      "/api/posts": [],
      "*": root,
    });
  });

  it("Next.js middleware wraps the paths its matcher names, pages router pages included", () => {
    const files = [
      "middleware.ts",
      "app/page.tsx",
      "app/dashboard/page.tsx",
      "app/dashboard/[id]/page.tsx",
      "pages/_app.tsx",
      "pages/login.tsx",
      "pages/api/me.ts",
    ];
    const matched = wrappersOf(files, ["next"], {
      "middleware.ts": 'export const config = {\n  matcher: ["/dashboard/:path*", "/login"],\n}\n',
    });
    expect(matched).toEqual({
      "/": [],
      "/dashboard": ["middleware.ts"],
      "/dashboard/:id": ["middleware.ts"],
      "/login": ["middleware.ts", "pages/_app.tsx"],
      "/api/me": [],
    });
    const everywhere = wrappersOf(files, ["next"], { "middleware.ts": "export function middleware() {}\n" });
    expect(everywhere["/"]).toEqual(["middleware.ts"]);
    expect(everywhere["/api/me"]).toEqual(["middleware.ts"]);
  });

  it("SvelteKit: +layout files wrap the folder beneath them, hooks every route, +page@ resets to the root", () => {
    expect(
      wrappersOf(
        [
          "src/hooks.server.ts",
          "src/routes/+layout.svelte",
          "src/routes/+error.svelte",
          "src/routes/+page.svelte",
          "src/routes/(app)/+layout.server.ts",
          "src/routes/(app)/settings/+page.svelte",
          "src/routes/(app)/print/+page@.svelte",
          "src/routes/api/+server.ts",
        ],
        ["sveltekit"],
      ),
    ).toEqual({
      "/": ["src/hooks.server.ts", "src/routes/+layout.svelte"],
      "/settings": ["src/hooks.server.ts", "src/routes/(app)/+layout.server.ts", "src/routes/+layout.svelte"],
      "/print": ["src/hooks.server.ts", "src/routes/+layout.svelte"],
      "/api": ["src/hooks.server.ts"],
      // The root error page shows only for a failure: it is the fallback route, not a wrapper of every page.
      "*": ["src/hooks.server.ts", "src/routes/+layout.svelte"],
    });
  });

  it("Remix and React Router: root wraps all; a route module wraps the modules nested under its id", () => {
    expect(
      wrappersOf(
        [
          "app/root.tsx",
          "app/routes/_index.tsx",
          "app/routes/_auth.tsx",
          "app/routes/_auth.login.tsx",
          "app/routes/dashboard.tsx",
          "app/routes/dashboard.settings.tsx",
          "app/routes/dashboard_.print.tsx",
          "app/routes/users/$username/_layout.tsx",
          "app/routes/users/$username/notes.tsx",
          "app/routes/users/$username/index.tsx",
          "app/routes/users/$username/avatar.server.ts",
        ],
        ["remix"],
      ),
    ).toEqual({
      "/": ["app/root.tsx"],
      "/login": ["app/root.tsx", "app/routes/_auth.tsx"],
      "/dashboard": ["app/root.tsx"],
      "/dashboard/settings": ["app/root.tsx", "app/routes/dashboard.tsx"],
      "/dashboard/print": ["app/root.tsx"],
      "/users/:username": ["app/root.tsx", "app/routes/users/$username/_layout.tsx"],
      "/users/:username/notes": ["app/root.tsx", "app/routes/users/$username/_layout.tsx"],
    });
  });

  it("Nuxt: a layout wraps the pages that name it (default: those naming none; layouts/admin/panel.vue is admin-panel), app.vue, plugins and global middleware all", () => {
    expect(
      wrappersOf(
        [
          "app.vue",
          "layouts/default.vue",
          "layouts/plain.vue",
          "middleware/auth.ts",
          "middleware/track.global.ts",
          "plugins/scroll.client.ts",
          "layouts/admin/panel.vue",
          "pages/index.vue",
          "pages/account.vue",
          "pages/account/orders.vue",
          "pages/admin.vue",
        ],
        ["nuxt"],
        {
          "pages/index.vue": "<template><h1>Hi</h1></template>",
          "pages/account.vue":
            '<script setup>\ndefinePageMeta({ layout: "plain", middleware: ["auth"] })\n</script>',
          "pages/account/orders.vue": "<template><p>Orders</p></template>",
          "pages/admin.vue": "<script setup>\ndefinePageMeta({ layout: 'admin-panel' })\n</script>",
        },
      ),
    ).toEqual({
      "/": ["app.vue", "layouts/default.vue", "middleware/track.global.ts", "plugins/scroll.client.ts"],
      "/account": [
        "app.vue",
        "layouts/plain.vue",
        "middleware/auth.ts",
        "middleware/track.global.ts",
        "plugins/scroll.client.ts",
      ],
      "/account/orders": [
        "app.vue",
        "layouts/default.vue",
        "middleware/track.global.ts",
        "pages/account.vue",
        "plugins/scroll.client.ts",
      ],
      "/admin": [
        "app.vue",
        "layouts/admin/panel.vue",
        "middleware/track.global.ts",
        "plugins/scroll.client.ts",
      ],
    });
  });

  it("middleware matchers follow path-to-regexp: named rests, parameters, exact paths", () => {
    expect(matcherCovers("/dashboard/:path*", "/dashboard")).toBe(true);
    expect(matcherCovers("/dashboard/:path*", "/dashboard/:id/edit")).toBe(true);
    expect(matcherCovers("/dashboard/:path+", "/dashboard")).toBe(false);
    expect(matcherCovers("/login", "/login")).toBe(true);
    expect(matcherCovers("/login", "/login/help")).toBe(false);
    expect(matcherCovers("/((?!api|_next/static).*)", "/anything")).toBe(true);
    expect(middlewareMatcher('export const config = { matcher: "/editor/:path*" }')).toEqual([
      "/editor/:path*",
    ]);
    expect(middlewareMatcher("export default function middleware() {}")).toBeUndefined();
  });
});
