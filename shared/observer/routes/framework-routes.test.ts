import { describe, expect, it } from "vitest";
import { routesForUrl } from "./flow-urls.ts";
import { routeForFile } from "./framework-routes.ts";
import { patternMatches, type RouteDef } from "./route.ts";

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
    ["app/routes/_index.tsx", ["remix"], "/", "page"],
    ["app/routes/products.$id.tsx", ["remix"], "/products/:id", "page"],
    ["app/routes/_auth.login.tsx", ["remix"], "/login", "page"],
    ["app/routes/files.$.tsx", ["remix"], "/files/*", "page"],
    ["app/root.tsx", ["remix"], "/", "layout"],
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
  });

  it("a URL lands on every page route that serves it, in route order, and on the fallback when none does", () => {
    const route = (pattern: string, kind: RouteDef["kind"] = "page"): RouteDef => ({
      pattern,
      entries: [],
      layouts: [],
      kind,
      source: pattern,
    });
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
    expect(patterns("/products/new")).toEqual(["/products/:slug", "/products/new"]);
    expect(patterns("/products/lamp")).toEqual(["/products/:slug"]);
    expect(patterns("/about")).toEqual(["/about.html", "/:optional?"]);
    expect(patterns("/en/about")).toEqual(["/:locale/about"]);
    expect(patterns("/")).toEqual(["/", "/:optional?"]);
    expect(patterns("/docs/a/b")).toEqual(["/docs/*"]);
    expect(patterns("/nowhere/at/all")).toEqual(["*"]);
    expect(routesForUrl({ prefix: "/docs", from: "t" }, routes).map((r) => r.pattern)).toEqual([
      "/docs/*",
      "/:optional?",
    ]);
  });
});
