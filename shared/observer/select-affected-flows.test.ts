import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type LoadedFlow, loadProject } from "../config/index.ts";
import { formatRiskInputs } from "./risk-model.ts";
import { selectAffectedFlows } from "./select-affected-flows.ts";
import { diskTree, memoryTree, type SourceTree } from "./source-tree.ts";
import type { ChangedFile, CoverageMap } from "./types.ts";

// The real example shop, read from this repository.
const repoRoot = path.resolve(import.meta.dirname, "../..");
const APP = "examples/shop";
let flows: LoadedFlow[];
let tree: SourceTree;

beforeAll(async () => {
  flows = (await loadProject(path.join(repoRoot, APP), { cwd: repoRoot })).flows;
  tree = diskTree(repoRoot);
});

/** A one-line edit of a shop file, as git reports it: the line holding `find` is replaced. */
async function edit(file: string, find: string, replace: string): Promise<ChangedFile> {
  const text = await readFile(path.join(repoRoot, APP, file), "utf8");
  const index = text.split("\n").findIndex((l) => l.includes(find));
  if (index === -1) throw new Error(`${find} not in ${file}`);
  const line = text.split("\n")[index] as string;
  return {
    path: `${APP}/${file}`,
    status: "modified",
    patch: `@@ -${index + 1} +${index + 1} @@\n-${line}\n+${line.replace(find, replace)}`,
  };
}

/** The repository at head without some files (removed or renamed away). */
function without(...gone: string[]): SourceTree {
  return {
    root: repoRoot,
    list: async () => (await tree.list()).filter((f) => !gone.includes(f)),
    read: async (f) => (gone.includes(f) ? undefined : tree.read(f)),
  };
}

async function select(
  changes: ChangedFile[],
  extra: Partial<Parameters<typeof selectAffectedFlows>[0]> = {},
) {
  return selectAffectedFlows({ changes, flows, projectDir: APP, tree, ...extra });
}

describe("selectAffectedFlows on the example shop", () => {
  it("a renamed button label selects the flows on pages that render the button, through the copy member", async () => {
    const selection = await select([
      await edit("src/copy.ts", 'addToCart: "Add to cart"', 'addToCart: "Add to bag"'),
    ]);
    expect(selection.selected).toEqual(
      expect.arrayContaining(["cart-update", "checkout", "checkout-validation", "mobile-add-to-cart"]),
    );
    expect(selection.selected).not.toContain("login");
    expect(selection.selected.length).toBeLessThan(flows.length / 2);
    const reason = selection.flows.find((f) => f.flow === "cart-update")?.reasons.find((r) => r.route);
    expect(reason?.chain).toEqual([
      `${APP}/src/copy.ts:${reason?.lines?.[0]?.start}`,
      `${APP}/src/copy.ts#defaultCopy.addToCart`,
      ".addToCart",
      `${APP}/src/components/add-to-cart-button.ts#renderAddToCart`,
      `${APP}/src/pages/product.ts#renderProductPage`,
      `${APP}/src/pages/product.ts#showProduct`,
    ]);
    expect(reason?.route).toBe("/products/:slug");
    expect(reason?.routeSource).toMatch(/^examples\/shop\/src\/routes\.ts:\d+$/);
    expect(reason?.url).toContain("/products/stoneware-mug");
  });

  it("a change to one route's registration selects only the flows that visit that route", async () => {
    const selection = await select([await edit("src/routes.ts", 'pattern: "/cart",', 'pattern: "/basket",')]);
    expect(selection.selected).toContain("checkout");
    expect(selection.selected).not.toContain("login");
    expect(selection.runAll).toBeUndefined();
    const reason = selection.flows
      .find((f) => f.flow === "checkout")
      ?.reasons.find((r) => r.signal === "route");
    expect(reason?.route).toBe("/cart");
  });

  it("a change to the request pipeline selects every flow and says why", async () => {
    const selection = await select([
      await edit(
        "src/handle-request.ts",
        '"referrer-policy": "same-origin"',
        '"referrer-policy": "no-referrer"',
      ),
    ]);
    expect(selection.selected).toHaveLength(flows.length);
    expect(selection.runAll?.detail).toContain("code every request runs");
    expect(selection.runAll?.chain?.[0]).toContain("src/handle-request.ts");
  });

  it("a change to data the server builds at start-up selects the flows that read that part of its state", async () => {
    const selection = await select([
      await edit("src/state/cart.ts", "SHIPPING_CENTS = 800", "SHIPPING_CENTS = 900"),
    ]);
    expect(selection.runAll).toBeUndefined();
    expect(selection.selected).toEqual(expect.arrayContaining(["checkout", "cart-update", "account-orders"]));
    expect(selection.selected).not.toContain("home-hero");
    expect(selection.selected).not.toContain("not-found");
    const seededOrders = selection.flows
      .find((f) => f.flow === "account-orders")
      ?.reasons.find((r) => r.chain?.includes(".orders"));
    expect(seededOrders?.chain).toEqual(
      expect.arrayContaining([
        `${APP}/src/state/orders.ts#orderTotals`,
        `${APP}/src/state/shop-state.ts#createShopState`,
        ".orders",
      ]),
    );
  });

  it("a test-only change selects nothing and says it is a test file", async () => {
    const selection = await select([await edit("server.test.ts", "describe(", "describe.sequential(")]);
    expect(selection.selected).toEqual([]);
    expect(selection.unreached).toEqual([
      { file: `${APP}/server.test.ts`, why: "a test file: flows do not run it" },
    ]);
  });

  it("a change outside the app that the app does not import reaches no flow", async () => {
    const selection = await select([
      { path: "shared/report/format.ts", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" },
    ]);
    expect(selection.selected).toEqual([]);
    expect(selection.unreached[0]?.why).toContain("outside the app");
  });

  it("a stylesheet rule reaches the pages whose markup uses its class, not every page", async () => {
    const css = await readFile(path.join(repoRoot, APP, "public/css/shop.css"), "utf8");
    const line = css.split("\n").findIndex((l) => l.startsWith(".cart-line")) + 2;
    const selection = await select([
      {
        path: `${APP}/public/css/shop.css`,
        status: "modified",
        patch: `@@ -${line} +${line} @@\n-  a: b;\n+  a: c;`,
      },
    ]);
    expect(selection.selected).toContain("cart-update");
    expect(selection.selected).not.toContain("footer-links");
    const reason = selection.flows.find((f) => f.flow === "cart-update")?.reasons.find((r) => r.chain);
    expect(reason?.chain?.some((c) => c.startsWith('markup "cart-line'))).toBe(true);
  });

  it("a browser script's change reaches the pages holding the markup its DOM query looks for", async () => {
    const selection = await select([
      await edit("public/js/cart.js", 'input?.addEventListener("change"', 'input?.addEventListener("input"'),
    ]);
    expect(selection.selected).toContain("cart-update");
    expect(selection.selected).not.toContain("login");
  });

  it("a lockfile change selects every flow with the global reason", async () => {
    const selection = await select([{ path: "package-lock.json", status: "modified" }]);
    expect(selection.selected).toHaveLength(flows.length);
    expect(selection.runAll).toMatchObject({ signal: "global", file: "package-lock.json" });
  });

  it("package.json selects everything only when its dependencies change", async () => {
    const scripts = await select([
      {
        path: "package.json",
        status: "modified",
        patch: '@@ -12 +12 @@\n-    "demo": "x",\n+    "demo": "y",',
      },
    ]);
    expect(scripts.runAll).toBeUndefined();
    const text = await readFile(path.join(repoRoot, "package.json"), "utf8");
    const line = text.split("\n").findIndex((l) => l.includes('"zod"')) + 1;
    const deps = await select([
      { path: "package.json", status: "modified", patch: `@@ -${line} +${line} @@\n-x\n+y` },
    ]);
    expect(deps.runAll?.detail).toContain("dependencies");
  });

  it("observer.ignore drops a file and observer.runAllWhen adds a global one", async () => {
    const change = await edit("src/components/footer.ts", "Contact us", "Get in touch");
    const ignored = await select([change], { settings: { ignore: ["src/components/**"], routes: [] } });
    expect(ignored.selected).toEqual([]);
    expect(ignored.unreached[0]?.why).toContain('observer.ignore "src/components/**"');
    const all = await select([change], {
      settings: { ignore: [], routes: [], runAllWhen: ["src/components/footer.ts"] },
    });
    expect(all.runAll?.detail).toContain("observer.runAllWhen");
  });

  it("a flow whose covers glob names the changed file is selected with the glob as its reason", async () => {
    const selection = await select([await edit("src/data/info-pages.ts", "market stall", "market stand")]);
    const reason = selection.flows
      .find((f) => f.flow === "footer-links")
      ?.reasons.find((r) => r.signal === "covers");
    expect(reason?.glob).toBe("examples/shop/src/data/info-pages.ts");
  });

  it("a removed module that a page still imports stops the server from loading: every flow, through that page", async () => {
    const gone = `${APP}/src/components/breadcrumbs.ts`;
    const selection = await select([{ path: gone, status: "removed" }], { tree: without(gone) });
    expect(selection.selected).toHaveLength(flows.length);
    expect(selection.runAll?.chain?.[0]).toBe(`${APP}/src/pages/product.ts`);
  });

  it("a renamed module is followed from its old path", async () => {
    const gone = `${APP}/src/components/breadcrumbs.ts`;
    const selection = await select(
      [{ path: `${APP}/src/components/crumbs.ts`, previousPath: gone, status: "renamed" }],
      { tree: without(gone) },
    );
    expect(selection.selected).toContain("sold-out");
  });

  it("a binary image change reaches pages that reference it", async () => {
    const selection = await select([
      { path: `${APP}/public/images/favicon.svg`, status: "modified", binary: true },
    ]);
    expect(selection.selected.length).toBe(flows.length);
  });

  it("a submodule pointer that nothing imports reaches no flow", async () => {
    const selection = await select([{ path: "vendor/design-tokens", status: "modified", submodule: true }]);
    expect(selection.selected).toEqual([]);
    expect(selection.unreached[0]?.why).toContain("submodule");
  });

  it("recorded coverage narrows a browser script change to the flows that ran those lines", async () => {
    const file = `${APP}/public/js/menu.js`;
    const coverage: CoverageMap = {
      flows: Object.fromEntries(
        flows.map((f) => [
          f.name,
          {
            urls: [],
            files: { [file]: f.name === "mobile-menu" ? [{ start: 1, end: 19 }] : [{ start: 1, end: 6 }] },
          },
        ]),
      ),
    };
    const selection = await select(
      [{ path: file, status: "modified", patch: "@@ -13 +13 @@\n-    if (a) {\n+    if (b) {" }],
      { coverage },
    );
    expect(selection.selected).toEqual(["mobile-menu"]);
    expect(selection.flows[0]?.reasons[0]?.signal).toBe("coverage");
  });

  it("recorded URLs tie a flow to routes it reaches by clicking", async () => {
    const change = await edit("src/pages/info.ts", '<article class="prose">', '<article class="prose long">');
    const without = await select([change]);
    expect(without.selected).not.toContain("mobile-menu");
    const coverage: CoverageMap = {
      flows: {
        "mobile-menu": { urls: ["http://127.0.0.1:3000/", "http://127.0.0.1:3000/about"], files: {} },
      },
    };
    const withUrls = await select([change], { coverage });
    expect(withUrls.selected).toContain("mobile-menu");
  });

  it("every selected flow gets a risk with probability and confidence, higher after recent failures", async () => {
    const change = await edit("src/pages/login.ts", "Welcome back.", "Welcome back!");
    const calm = await select([change]);
    const history = Array.from({ length: 10 }, (_, i) => ({
      flow: "login",
      status: i < 4 ? ("failed" as const) : ("passed" as const),
      at: new Date(Date.UTC(2025, 0, i + 1)).toISOString(),
    }));
    const shaky = await select([change], { history });
    const before = calm.flows.find((f) => f.flow === "login")?.risk;
    const after = shaky.flows.find((f) => f.flow === "login")?.risk;
    expect(before?.probability).toBeGreaterThan(0);
    expect(after?.probability).toBeGreaterThan(before?.probability ?? 1);
    expect(after?.confidence).toBeGreaterThan(before?.confidence ?? 1);
    expect(shaky.flows.find((f) => f.flow === "login")?.reasons.some((r) => r.signal === "history")).toBe(
      true,
    );
  });

  it("the project's recorded outcomes refit the risk: a flow that failed before when this file changed is riskier", async () => {
    const change = await edit("src/pages/login.ts", "Welcome back.", "Welcome back!");
    const fresh = (await select([change])).flows.find((f) => f.flow === "login")?.risk;
    if (!fresh) throw new Error("login is selected");
    expect(fresh).toMatchObject({ calibrated: false });
    expect(fresh.basis).toContain("0 of the 50 predictions");
    const reasoning = `${APP}/src/pages/login.ts reaches route /login\n${formatRiskInputs(fresh.inputs)}`;
    const outcomes = Array.from({ length: 60 }, (_, i) => ({
      flowName: "login",
      probability: fresh.probability,
      reasoning,
      actualResult: i % 3 === 0 ? ("passed" as const) : ("failed" as const),
    }));
    const refit = (await select([change], { outcomes })).flows.find((f) => f.flow === "login")?.risk;
    expect(refit?.inputs.coFailures).toBe(3);
    expect(refit?.probability).toBeGreaterThan(fresh.probability);
    expect(refit?.confidence).toBeGreaterThan(fresh.confidence);
  });

  it("an advisor may add a flow with its reasoning but never removes one", async () => {
    const change = await edit("src/pages/login.ts", "Welcome back.", "Welcome back!");
    const plain = await select([change]);
    const advised = await select([change], {
      advisor: {
        suggestFlows: async (request) => {
          expect(request.diff).toContain("Welcome back!");
          return [
            { flow: "search", probability: 0.6, reasoning: "the login page's header search box" },
            { flow: "no-such-flow", probability: 0.9, reasoning: "invented" },
          ];
        },
      },
    });
    expect(advised.selected).toEqual(expect.arrayContaining([...plain.selected, "search"]));
    expect(advised.flows.find((f) => f.flow === "search")?.reasons[0]).toMatchObject({ signal: "llm" });
  });

  it("an advisor that fails leaves the deterministic selection as it is, with a warning", async () => {
    const change = await edit("src/pages/login.ts", "Welcome back.", "Welcome back!");
    const plain = await select([change]);
    const failed = await select([change], {
      advisor: {
        suggestFlows: async () => {
          throw new Error("Anthropic API 529: overloaded");
        },
      },
    });
    expect(failed.selected).toEqual(plain.selected);
    expect(failed.warnings).toEqual(["the advisor was not consulted: Anthropic API 529: overloaded"]);
  });

  it("warns when modules could not be parsed, naming how many and the first, and not otherwise", async () => {
    const change = await edit("src/copy.ts", 'addToCart: "Add to cart"', 'addToCart: "Add to bag"');
    expect((await select([change])).warnings).toBeUndefined();
    const broken = `${APP}/src/pages/not-found.ts`;
    const withBrokenPage: SourceTree = {
      root: repoRoot,
      list: () => tree.list(),
      read: async (f) => (f === broken ? "export function renderNotFoundPage( {\n" : tree.read(f)),
    };
    const selection = await select([change], { tree: withBrokenPage });
    expect(selection.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^1 of \\d+ modules could not be parsed in full, so their imports may be incomplete .*\\(${broken}: .+\\)$`,
        ),
      ),
    ]);
  });

  it("says where its time went when it followed the source tree, in parts that add up to no more than the whole", async () => {
    const change = await edit("src/copy.ts", 'addToCart: "Add to cart"', 'addToCart: "Add to bag"');
    const { stats } = await select([change]);
    const phases = stats.phasesMs;
    expect(Object.keys(phases ?? {}).sort()).toEqual(["changes", "graph", "listing", "routes", "walk"]);
    const values = Object.values(phases ?? {});
    for (const ms of values) expect(Number.isInteger(ms) && ms >= 0).toBe(true);
    // Reading and parsing the shop's modules takes milliseconds; each part is rounded on its own.
    expect(phases?.graph).toBeGreaterThan(0);
    expect(values.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(stats.durationMs + values.length);

    const blind = await selectAffectedFlows({ changes: [change], flows, projectDir: APP });
    expect(blind.stats.phasesMs).toBeUndefined();
  });

  it("without a source tree, covers globs still select", async () => {
    const selection = await selectAffectedFlows({
      changes: [{ path: `${APP}/src/pages/login.ts`, status: "modified" }],
      flows,
      projectDir: APP,
      tree: memoryTree({}),
    });
    expect(selection.selected).toEqual(
      expect.arrayContaining(["login", "login-wrong-password", "account-orders"]),
    );
  });
});
