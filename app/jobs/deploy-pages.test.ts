import { describe, expect, it } from "vitest";
import { selectDeployPages } from "./deploy-pages.ts";

const page = (url: string, files: string[] = []) => ({
  url,
  name: new URL(url).pathname,
  files,
  viewports: ["desktop", "mobile"] as Array<"desktop" | "mobile">,
  masks: [],
});
const HOME = page("https://shop.example.com/", ["src/pages/home.ts", "src/copy.ts"]);
const PRODUCT = page("https://shop.example.com/products/aurora-lamp");
const PRICING = page("https://shop.example.com/pricing", ["src/pages/pricing/**"]);
const PAGES = [HOME, PRODUCT, PRICING];
const ROUTES = [{ path: "/products/:slug", files: ["src/pages/product.ts"] }];

const names = (selection: ReturnType<typeof selectDeployPages>) =>
  selection.selected.map((s) => `${s.page.name}: ${s.reason}`);

describe("selectDeployPages", () => {
  it("captures every page when there is no earlier deploy to compare with", () => {
    const selection = selectDeployPages({ pages: PAGES, changedFiles: undefined });
    expect(selection.selected).toHaveLength(3);
    expect(selection.skipped).toEqual([]);
  });

  it("a backend-only deploy selects no page", () => {
    const selection = selectDeployPages({
      pages: PAGES,
      changedFiles: ["src/server/orders.ts", "migrations/001.sql", "README.md"],
      routes: ROUTES,
    });
    expect(selection.selected).toEqual([]);
    expect(selection.skipped).toEqual(PAGES);
  });

  it("a page's files globs select it, and only it", () => {
    expect(names(selectDeployPages({ pages: PAGES, changedFiles: ["src/pages/pricing/plans.ts"] }))).toEqual([
      '/pricing: src/pages/pricing/plans.ts matches "src/pages/pricing/**"',
    ]);
  });

  it("the route map selects the page its route serves", () => {
    expect(
      names(selectDeployPages({ pages: PAGES, changedFiles: ["src/pages/product.ts"], routes: ROUTES })),
    ).toEqual(["/products/aurora-lamp: src/pages/product.ts renders route /products/:slug"]);
  });

  it("a visual file selects the pages that name no files of their own", () => {
    expect(names(selectDeployPages({ pages: PAGES, changedFiles: ["public/css/site.css"] }))).toEqual([
      "/products/aurora-lamp: public/css/site.css can change how pages look",
    ]);
  });
});
