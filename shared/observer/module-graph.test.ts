import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { LoadedFlow } from "../config/index.ts";
import { parseFlowFile } from "../config/index.ts";
import { selectAffectedFlows } from "./select-affected-flows.ts";
import { diskTree } from "./source-tree.ts";

async function writeTree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "perceo-graph-"));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

function flow(name: string, goto: string, extra = ""): LoadedFlow {
  const parsed = parseFlowFile({
    path: `.perceo/flows/${name}.yml`,
    text: `name: ${name}\ndescription: Visits ${goto}.\npriority: high\n${extra}steps:\n  - goto: ${goto}\n`,
  });
  if (!parsed.flow) throw new Error(JSON.stringify(parsed.issues));
  return parsed.flow;
}

const modified = (file: string, line: number) => ({
  path: file,
  status: "modified" as const,
  patch: `@@ -${line} +${line} @@\n-old\n+new`,
});

// A small Next.js app on disk: tsconfig paths, a barrel, a CSS module, a dynamic import, a root layout.
const NEXT_APP = {
  "package.json": JSON.stringify({ dependencies: { next: "15.0.0", react: "19.0.0" } }),
  "tsconfig.json": JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@/*": ["src/*"] } } }),
  "src/app/layout.tsx": `import "./globals.css";\nexport default function RootLayout({ children }) {\n  return <html><body>{children}</body></html>;\n}\n`,
  "src/app/globals.css": "body { margin: 0; }\n",
  "src/app/page.tsx": `import { Hero } from "@/components";\nexport default function Home() {\n  return <Hero />;\n}\n`,
  "src/app/cart/page.tsx": `import styles from "./cart.module.css";\nimport { formatPrice } from "@/lib/money";\nexport default function Cart() {\n  return <p className={styles.total}>{formatPrice(100)}</p>;\n}\n`,
  "src/app/cart/cart.module.css": ".total { font-weight: bold; }\n",
  "src/app/products/[slug]/page.tsx": `export default async function Product() {\n  const { Reviews } = await import("@/components/reviews");\n  return <Reviews />;\n}\n`,
  "src/components/index.ts": `export { Hero } from "./hero";\nexport * from "./badge";\n`,
  "src/components/hero.tsx": `import { Badge } from "./badge";\nexport function Hero() {\n  return <h1>Hello <Badge /></h1>;\n}\n`,
  "src/components/badge.tsx": `export function Badge() {\n  return <span>new</span>;\n}\nexport function Unused() {\n  return null;\n}\n`,
  "src/components/reviews.tsx": `export function Reviews() {\n  return <ul />;\n}\n`,
  "src/lib/money.ts": `export function formatPrice(cents: number) {\n  return \`$\${cents / 100}\`;\n}\nexport type Money = number;\n`,
  "scripts/seed.ts": `import { formatPrice } from "../src/lib/money";\nconsole.log(formatPrice(1));\n`,
};

describe("import graph and framework routes", () => {
  const flows = [flow("home", "/"), flow("cart", "/cart"), flow("product", "/products/lamp")];

  it("follows tsconfig paths and a barrel to the page that renders a component", async () => {
    const root = await writeTree(NEXT_APP);
    const selection = await selectAffectedFlows({
      changes: [modified("src/components/badge.tsx", 2)],
      flows,
      tree: diskTree(root),
    });
    expect(selection.selected).toEqual(["home"]);
    expect(selection.flows[0]?.reasons[0]?.chain).toEqual([
      "src/components/badge.tsx:2",
      "src/components/badge.tsx#Badge",
      "src/components/hero.tsx#Hero",
      "src/components/index.ts#Hero",
      "src/app/page.tsx#Home",
    ]);
    expect(selection.flows[0]?.reasons[0]?.route).toBe("/");
  });

  it("an export nobody uses reaches no flow even though its module is imported", async () => {
    const root = await writeTree(NEXT_APP);
    const selection = await selectAffectedFlows({
      changes: [modified("src/components/badge.tsx", 5)],
      flows,
      tree: diskTree(root),
    });
    expect(selection.selected).toEqual([]);
    expect(selection.unreached[0]?.why).toBe("no route or page uses the changed code");
  });

  it("a changed re-export list reaches the pages that use the names it hands on, also from a line inside it", async () => {
    const root = await writeTree({
      ...NEXT_APP,
      "src/lib/fs.server.ts": `export {\n  readConfig,\n  writeConfig,\n} from "config-store";\n`,
      "src/app/cart/page.tsx": `import { readConfig } from "@/lib/fs.server";\nexport default function Cart() {\n  return <p>{readConfig()}</p>;\n}\n`,
    });
    const selection = await selectAffectedFlows({
      changes: [modified("src/lib/fs.server.ts", 2)],
      flows,
      tree: diskTree(root),
    });
    expect(selection.selected).toEqual(["cart"]);
    expect(selection.flows[0]?.reasons[0]?.chain).toEqual([
      "src/lib/fs.server.ts:2",
      "src/lib/fs.server.ts#readConfig",
      "src/app/cart/page.tsx#Cart",
    ]);
  });

  it("a name added inside a multi-line import reaches the units that use that name, not every user of the import", async () => {
    const root = await writeTree({
      ...NEXT_APP,
      "src/components/icons.tsx": `import {\n  Check,\n  Cart,\n} from "icon-kit";\nexport const Icons = {\n  check: Check,\n  cart: Cart,\n};\n`,
      "src/app/cart/page.tsx": `import { Icons } from "@/components/icons";\nexport default function Cart() {\n  return <Icons.cart />;\n}\n`,
      "src/app/page.tsx": `import { Icons } from "@/components/icons";\nexport default function Home() {\n  return <Icons.check />;\n}\n`,
    });
    const selection = await selectAffectedFlows({
      changes: [modified("src/components/icons.tsx", 2)],
      flows,
      tree: diskTree(root),
    });
    expect(selection.selected).toEqual(["home"]);
  });

  it("a changed export * reaches the pages that import names the module does not declare itself", async () => {
    const root = await writeTree({
      ...NEXT_APP,
      "src/lib/fs.server.ts": `export * from "config-store";\nexport function own() {\n  return 1;\n}\n`,
      "src/app/cart/page.tsx": `import { own } from "@/lib/fs.server";\nexport default function Cart() {\n  return <p>{own()}</p>;\n}\n`,
      "src/app/page.tsx": `import { readConfig } from "@/lib/fs.server";\nexport default function Home() {\n  return <p>{readConfig()}</p>;\n}\n`,
    });
    const selection = await selectAffectedFlows({
      changes: [modified("src/lib/fs.server.ts", 1)],
      flows,
      tree: diskTree(root),
    });
    expect(selection.selected).toEqual(["home"]);
  });

  it("a CSS module change reaches the page that imports it", async () => {
    const root = await writeTree(NEXT_APP);
    const selection = await selectAffectedFlows({
      changes: [modified("src/app/cart/cart.module.css", 1)],
      flows,
      tree: diskTree(root),
    });
    expect(selection.selected).toEqual(["cart"]);
  });

  it("a dynamically imported component reaches its dynamic route", async () => {
    const root = await writeTree(NEXT_APP);
    const selection = await selectAffectedFlows({
      changes: [modified("src/components/reviews.tsx", 2)],
      flows,
      tree: diskTree(root),
    });
    expect(selection.selected).toEqual(["product"]);
    expect(selection.flows[0]?.reasons[0]?.route).toBe("/products/:slug");
  });

  it("the root layout's global CSS reaches every route", async () => {
    const root = await writeTree(NEXT_APP);
    const selection = await selectAffectedFlows({
      changes: [modified("src/app/globals.css", 1)],
      flows,
      tree: diskTree(root),
    });
    expect(selection.selected.sort()).toEqual(["cart", "home", "product"]);
  });

  it("a type-only change reaches nothing; a script outside the app's entries reaches nothing", async () => {
    const root = await writeTree(NEXT_APP);
    const types = await selectAffectedFlows({
      changes: [modified("src/lib/money.ts", 4)],
      flows,
      tree: diskTree(root),
    });
    expect(types.selected).toEqual([]);
    const script = await selectAffectedFlows({
      changes: [modified("scripts/seed.ts", 2)],
      flows,
      tree: diskTree(root),
    });
    expect(script.selected).toEqual([]);
  });

  it("a template dynamic import reaches every page it can load, not only the first", async () => {
    const root = await writeTree({
      "package.json": JSON.stringify({ dependencies: { next: "15.0.0", react: "19.0.0" } }),
      "src/app/[section]/page.tsx": `export default async function Section({ params }) {\n  const { Panel } = await import(\`../../panels/\${params.section}.tsx\`);\n  return <Panel />;\n}\n`,
      "src/panels/billing.tsx": `export function Panel() {\n  return <p>billing</p>;\n}\n`,
      "src/panels/orders.tsx": `export function Panel() {\n  return <p>orders</p>;\n}\n`,
      "src/panels/profile.tsx": `export function Panel() {\n  return <p>profile</p>;\n}\n`,
    });
    const sections = [flow("section", "/orders")];
    for (const panel of ["billing", "orders", "profile"]) {
      const selection = await selectAffectedFlows({
        changes: [modified(`src/panels/${panel}.tsx`, 2)],
        flows: sections,
        tree: diskTree(root),
      });
      expect(selection.selected, panel).toEqual(["section"]);
    }
  });

  it("reads the files at a git revision when head is not the working tree", async () => {
    const root = await writeTree(NEXT_APP);
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: root });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "app");
    const { gitTree } = await import("./source-tree.ts");
    const tree = gitTree(root, "HEAD");
    try {
      expect((await tree.list()).sort()).toContain("src/app/page.tsx");
      expect(await tree.read("src/lib/money.ts")).toContain("formatPrice");
      expect(await tree.read("missing.ts")).toBeUndefined();
      const selection = await selectAffectedFlows({
        changes: [modified("src/lib/money.ts", 2)],
        flows,
        tree,
      });
      expect(selection.selected).toEqual(["cart"]);
    } finally {
      tree.close();
    }
  });
});

describe("route tables in code", () => {
  it("Express handlers in another module are route entries", async () => {
    const root = await writeTree({
      "server.js": `import express from "express";\nimport { listOrders, showOrder } from "./orders.js";\nconst app = express();\napp.get("/orders", listOrders);\napp.get("/orders/:id", showOrder);\napp.listen(3000);\n`,
      "orders.js": `export function listOrders(req, res) {\n  res.send("all");\n}\nexport function showOrder(req, res) {\n  res.send("one");\n}\n`,
    });
    const flows = [flow("orders", "/orders"), flow("order", "/orders/7")];
    const selection = await selectAffectedFlows({
      changes: [modified("orders.js", 5)],
      flows,
      tree: diskTree(root),
    });
    expect(selection.selected).toEqual(["order"]);
    expect(selection.flows[0]?.reasons[0]?.routeSource).toBe("server.js:5");
  });

  it("React Router JSX routes and lazy routes map URLs to components", async () => {
    const root = await writeTree({
      "src/main.tsx": `import { Route, Routes } from "react-router";\nimport { Home } from "./home";\nimport { lazy } from "react";\nconst Settings = lazy(() => import("./settings"));\nexport function App() {\n  return (\n    <Routes>\n      <Route path="/" element={<Home />} />\n      <Route path="/settings" element={<Settings />} />\n    </Routes>\n  );\n}\n`,
      "src/home.tsx": `export function Home() {\n  return <h1>Home</h1>;\n}\n`,
      "src/settings.tsx": `export default function Settings() {\n  return <h1>Settings</h1>;\n}\n`,
    });
    const flows = [flow("home", "/"), flow("settings", "/settings")];
    const home = await selectAffectedFlows({
      changes: [modified("src/home.tsx", 2)],
      flows,
      tree: diskTree(root),
    });
    expect(home.selected).toEqual(["home"]);
    const settings = await selectAffectedFlows({
      changes: [modified("src/settings.tsx", 2)],
      flows,
      tree: diskTree(root),
    });
    expect(settings.selected).toEqual(["settings"]);
  });

  it("observer.routes maps a URL to files the observer cannot find by itself", async () => {
    const root = await writeTree({ "legacy/checkout.php.js": "export const x = 1;\n" });
    const selection = await selectAffectedFlows({
      changes: [modified("legacy/checkout.php.js", 1)],
      flows: [flow("pay", "/pay")],
      tree: diskTree(root),
      settings: { ignore: [], routes: [{ path: "/pay", files: ["legacy/**"] }] },
    });
    expect(selection.selected).toEqual(["pay"]);
  });

  it("a static site's HTML page links its script and stylesheet", async () => {
    const root = await writeTree({
      "index.html": `<html><head><link rel="stylesheet" href="/css/site.css"></head><body><script src="/js/app.js"></script></body></html>\n`,
      "about.html": "<html><body>About</body></html>\n",
      "css/site.css": "body { color: black; }\n",
      "js/app.js": "console.log('hi');\n",
    });
    const flows = [flow("home", "/"), flow("about", "/about.html")];
    const selection = await selectAffectedFlows({
      changes: [modified("js/app.js", 1)],
      flows,
      tree: diskTree(root),
    });
    expect(selection.selected).toEqual(["home"]);
  });
});

describe("large diffs", () => {
  it.each([
    ["every page is reached, so the walk stops early", false],
    ["a static page no change reaches keeps the walk going", true],
  ])(
    "a diff past the shared-walk size selects exactly the union of what each file selects alone: %s",
    async (_, withStatic) => {
      // 120 modules, each importing two earlier ones; 12 pages using three modules each.
      let state = 3;
      const pick = (n: number) => {
        state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
        return (state >>> 8) % n;
      };
      const files: Record<string, string> = {
        "package.json": JSON.stringify({ dependencies: { next: "15.0.0" } }),
      };
      for (let i = 0; i < 120; i++) {
        const deps = i < 10 ? [] : [...new Set([pick(i), pick(i)])];
        files[`src/lib/m${i}.js`] =
          `${deps.map((d) => `import { f${d} } from "./m${d}.js";`).join("\n")}\nexport function f${i}(x) {\n  return ${deps.map((d) => `f${d}(x)`).join(" + ") || "x"} + ${i};\n}\n`;
      }
      const pages: LoadedFlow[] = [];
      for (let p = 0; p < 12; p++) {
        const used = [...new Set([pick(120), pick(120), pick(120)])];
        files[`src/app/p${p}/page.js`] =
          `${used.map((d) => `import { f${d} } from "../../lib/m${d}.js";`).join("\n")}\nexport default function Page() {\n  return String(${used.map((d) => `f${d}(1)`).join(" + ")});\n}\n`;
        pages.push(flow(`page-${p}`, `/p${p}`));
      }
      if (withStatic) {
        files["src/app/about/page.js"] = "export default function About() {\n  return 'about';\n}\n";
        pages.push(flow("about", "/about"));
      }
      const root = await writeTree(files);
      const changed = Array.from({ length: 80 }, (_, i) => `src/lib/m${(i * 37) % 120}.js`);
      const lineOfReturn = (file: string) =>
        (files[file] as string).split("\n").findIndex((l) => l.includes("return")) + 1;
      const changes = [...new Set(changed)].map((file) => modified(file, lineOfReturn(file)));
      expect(changes.length).toBeGreaterThan(64);

      const together = await selectAffectedFlows({ changes, flows: pages, tree: diskTree(root) });
      const alone = new Set<string>();
      for (const change of changes) {
        const one = await selectAffectedFlows({ changes: [change], flows: pages, tree: diskTree(root) });
        for (const name of one.selected) alone.add(name);
      }
      expect(together.selected.sort()).toEqual([...alone].sort());
      expect(alone.size).toBe(12);
      if (withStatic) expect(together.selected).not.toContain("about");
    },
  );
});
