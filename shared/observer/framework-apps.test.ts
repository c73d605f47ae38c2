import { describe, expect, it } from "vitest";
import { type LoadedFlow, parseFlowFile } from "../config/index.ts";
import { selectAffectedFlows } from "./select-affected-flows.ts";
import { memoryTree } from "./source-tree.ts";
import type { ChangedFile } from "./types.ts";

function flow(name: string, goto: string): LoadedFlow {
  const parsed = parseFlowFile({
    path: `.perceo/flows/${name}.yml`,
    text: `name: ${name}\ndescription: Visits ${goto}.\npriority: high\nsteps:\n  - goto: ${goto}\n`,
  });
  if (!parsed.flow) throw new Error(JSON.stringify(parsed.issues));
  return parsed.flow;
}

// A Next.js 13 app-router app in the shape of shadcn's taxonomy: route groups with their own
// layouts, a component only a group layout renders, Tailwind classes through cn().
const APP: Record<string, string> = {
  "package.json": JSON.stringify({ dependencies: { next: "13.4.0", react: "18.2.0" } }),
  "tsconfig.json": `{
  // comments and globs, as create-next-app writes them
  "compilerOptions": { "baseUrl": ".", "paths": { "@/components/*": ["components/*"], "@/lib/*": ["lib/*"] } },
  "include": ["next-env.d.ts", "**/*.ts", "**/*.tsx"],
}`,
  "app/layout.tsx": `import "./globals.css"\nexport default function RootLayout({ children }) {\n  return <html><body>{children}</body></html>\n}\n`,
  "app/globals.css": ":root {\n  --radius: 0.5rem;\n}\n",
  "app/(marketing)/layout.tsx": `import { MainNav } from "@/components/main-nav"\nexport default function MarketingLayout({ children }) {\n  return <div><MainNav />{children}</div>\n}\n`,
  "app/(marketing)/page.tsx": `export default function Home() {\n  return <h1 className="font-heading text-3xl">Welcome</h1>\n}\n`,
  "app/(marketing)/pricing/page.tsx": `export default function Pricing() {\n  return <h1>Pricing</h1>\n}\n`,
  "app/(dashboard)/dashboard/layout.tsx": `import { UserAccountNav } from "@/components/user-account-nav"\nexport default function DashboardLayout({ children }) {\n  return <div><UserAccountNav />{children}</div>\n}\n`,
  "app/(dashboard)/dashboard/page.tsx": `export default function Dashboard() {\n  return <p>Posts</p>\n}\n`,
  "app/(dashboard)/dashboard/settings/page.tsx": `export default function Settings() {\n  return <p>Settings</p>\n}\n`,
  "app/(auth)/login/page.tsx": `export default function Login() {\n  return <form>Sign in</form>\n}\n`,
  "components/main-nav.tsx": `export function MainNav() {\n  return <nav>Home</nav>\n}\n`,
  "components/user-account-nav.tsx": `import { cn } from "@/lib/utils";\n\nexport function UserAccountNav({ className }) {\n  return (\n    <div className={cn("flex items-center bg-white", className)}>\n      <span>Account</span>\n    </div>\n  );\n}\n`,
  "lib/site.ts":
    'export interface SiteConfig {\n  name: string\n}\n\nexport const site: SiteConfig = { name: "Taxonomy" }\n',
  "lib/utils.ts": "export function cn(...classes) {\n  return classes.filter(Boolean).join(' ')\n}\n",
};

const FLOWS = [
  flow("home", "/"),
  flow("pricing", "/pricing"),
  flow("dashboard", "/dashboard"),
  flow("settings", "/dashboard/settings"),
  flow("login", "/login"),
];

/** A modified file whose patch replaces the lines holding `find`, with one line of context on each side. */
function edit(file: string, find: string, replace: string): ChangedFile {
  const lines = (APP[file] as string).split("\n");
  const at = lines.findIndex((l) => l.includes(find));
  if (at === -1) throw new Error(`${find} not in ${file}`);
  const before = lines[at - 1] ?? "";
  const after = lines[at + 1] ?? "";
  const changed = lines[at] as string;
  return {
    path: file,
    status: "modified",
    patch: `@@ -${at},3 +${at},3 @@\n ${before}\n-${changed}\n+${changed.replace(find, replace)}\n ${after}`,
  };
}

async function select(changes: ChangedFile[], files: Record<string, string> = APP) {
  return selectAffectedFlows({ changes, flows: FLOWS, tree: memoryTree(files) });
}

describe("selectAffectedFlows on a Next.js app-router app", () => {
  it("a component only a route group's layout renders reaches the routes under that layout, and the reason names it", async () => {
    const selection = await select([
      edit("components/user-account-nav.tsx", "<span>Account</span>", "<b>Me</b>"),
    ]);
    expect(selection.selected.sort()).toEqual(["dashboard", "settings"]);
    const reason = selection.flows.find((f) => f.flow === "settings")?.reasons[0];
    expect(reason?.layout).toBe("app/(dashboard)/dashboard/layout.tsx");
    expect(reason?.detail).toContain(
      "reaches the layout app/(dashboard)/dashboard/layout.tsx, which wraps route /dashboard/settings",
    );
  });

  it("a route group's layout wraps its own group's pages, not every page", async () => {
    const selection = await select([edit("app/(marketing)/layout.tsx", "<MainNav />", "<MainNav /><hr />")]);
    expect(selection.selected.sort()).toEqual(["home", "pricing"]);
    expect(selection.runAll).toBeUndefined();
  });

  it("the root layout reaches every page, with the reason naming the layout", async () => {
    const selection = await select([edit("app/layout.tsx", "<body>", '<body className="antialiased">')]);
    expect(selection.selected).toHaveLength(FLOWS.length);
    expect(selection.flows[0]?.reasons[0]?.detail).toContain(
      "is the layout app/layout.tsx, which wraps route",
    );
  });

  it("a Tailwind class edit in cn() is styling: it reaches the pages that render the element, and the reason says so", async () => {
    const selection = await select([edit("components/user-account-nav.tsx", "bg-white", "bg-popover")]);
    expect(selection.selected.sort()).toEqual(["dashboard", "settings"]);
    const reason = selection.flows.find((f) => f.flow === "dashboard")?.reasons[0];
    expect(reason?.change).toBe("styling");
    expect(reason?.detail).toContain(
      'styling changed ("flex items-center bg-white" → "flex items-center bg-popover")',
    );
    expect(selection.unreached).toEqual([]);
  });

  it("a className edit in a page is styling even when the flow names no words of it", async () => {
    const selection = await select([edit("app/(marketing)/page.tsx", "font-heading text-3xl", "text-3xl")]);
    expect(selection.selected).toEqual(["home"]);
    expect(selection.flows[0]?.reasons[0]?.change).toBe("styling");
  });

  it("copy stays copy: reworded text reaches only flows that name the words", async () => {
    const selection = await select([edit("app/(marketing)/page.tsx", "Welcome", "Hello there")]);
    expect(selection.selected).toEqual([]);
    expect(selection.unreached[0]?.why).toContain('only wording changed ("Welcome" → "Hello there")');
  });

  it("a formatting-only commit selects nothing and says so", async () => {
    const selection = await select([
      edit(
        "components/user-account-nav.tsx",
        'import { cn } from "@/lib/utils";',
        "import { cn } from '@/lib/utils'",
      ),
      edit("components/user-account-nav.tsx", "  );", "  )"),
    ]);
    expect(selection.selected).toEqual([]);
    expect(selection.unreached.map((u) => u.why)).toEqual([
      "formatting only: no code, markup or style changed",
      "formatting only: no code, markup or style changed",
    ]);
  });

  it("a change to type declarations alone selects nothing and says it is types only", async () => {
    const selection = await select([edit("lib/site.ts", "name: string", "name: string | undefined")]);
    expect(selection.selected).toEqual([]);
    expect(selection.unreached).toEqual([
      { file: "lib/site.ts", why: "types only: no code that runs changed" },
    ]);
  });

  it("a CSS variable in the global stylesheet reaches every page through the root layout, as styling", async () => {
    const selection = await select([
      {
        path: "app/globals.css",
        status: "modified",
        patch: "@@ -1,3 +1,3 @@\n :root {\n-  --radius: 0.5rem;\n+  --radius: 0.75rem;\n }",
      },
    ]);
    expect(selection.selected).toHaveLength(FLOWS.length);
    expect(selection.flows[0]?.reasons[0]?.change).toBe("styling");
  });
});

describe("selectAffectedFlows on a SvelteKit app", () => {
  const files = {
    "package.json": JSON.stringify({ devDependencies: { "@sveltejs/kit": "2.0.0", svelte: "5.0.0" } }),
    "svelte.config.js": "export default {}\n",
    "src/lib/api.js":
      "export const base = 'https://api.example.com'\nexport const get = (path) => fetch(base + path)\n",
    "src/routes/+layout.svelte": "<nav>Conduit</nav>\n<slot />\n",
    "src/routes/+page.svelte": "<h1>Home</h1>\n",
    "src/routes/login/+page.svelte": "<h1>Sign in</h1>\n",
    "src/routes/article/[slug]/+page.server.js":
      "import * as api from '$lib/api.js'\nexport const load = ({ params }) => api.get(\"/articles/\" + params.slug)\n",
    "src/routes/article/[slug]/+page.svelte": "<article />\n",
  };
  const flows = [flow("home", "/"), flow("login", "/login"), flow("article", "/article/hello")];

  it("$lib resolves without the generated tsconfig: a change to a library module reaches the routes that load it", async () => {
    const selection = await selectAffectedFlows({
      changes: [
        {
          path: "src/lib/api.js",
          status: "modified",
          patch:
            "@@ -2 +2 @@\n-export const get = (path) => fetch(base + path)\n+export const get = (path) => fetch(base + path, { credentials: 'include' })",
        },
      ],
      flows,
      tree: memoryTree(files),
    });
    expect(selection.selected).toEqual(["article"]);
  });
});

describe("selectAffectedFlows on a Next.js pages-router app in JavaScript", () => {
  const files = {
    "package.json": JSON.stringify({ dependencies: { next: "12.0.0" } }),
    "jsconfig.json": JSON.stringify({
      compilerOptions: { baseUrl: ".", paths: { "@/components/*": ["components/*"] } },
    }),
    "pages/_app.js": "export default function App({ Component }) {\n  return <Component />\n}\n",
    "pages/index.js":
      "import Card from '@/components/Card'\nexport default function Home() {\n  return <Card />\n}\n",
    "pages/about.js": "export default function About() {\n  return <h1>About</h1>\n}\n",
    "components/Card.js": "export default function Card() {\n  return <div>Card</div>\n}\n",
    // A renderer that loads the layout a page names: require(`../layouts/${layout}`).
    "components/LayoutRenderer.js": `export const LayoutRenderer = ({ layout, ...rest }) => {\n  const Layout = require(\`../layouts/\${layout}\`).default\n  return <Layout {...rest} />\n}\n`,
    "pages/blog/[slug].js":
      "import { LayoutRenderer } from '@/components/LayoutRenderer'\nconst DEFAULT_LAYOUT = 'PostLayout'\nexport default function Post({ post }) {\n  return <LayoutRenderer layout={post.layout || DEFAULT_LAYOUT} />\n}\n",
    "pages/authors.js":
      "import { LayoutRenderer } from '@/components/LayoutRenderer'\nconst DEFAULT_LAYOUT = 'AuthorLayout'\nexport default function Authors() {\n  return <LayoutRenderer layout={DEFAULT_LAYOUT} />\n}\n",
    "layouts/PostLayout.js":
      "export default function PostLayout({ children }) {\n  return <article>{children}</article>\n}\n",
    "layouts/AuthorLayout.js":
      "export default function AuthorLayout({ children }) {\n  return <div>{children}</div>\n}\n",
    "layouts/SimpleLayout.js":
      "export default function SimpleLayout({ children }) {\n  return <main>{children}</main>\n}\n",
  };
  const flows = [
    flow("home", "/"),
    flow("about", "/about"),
    flow("post", "/blog/hello"),
    flow("authors", "/authors"),
  ];
  const select = (path: string, patch: string) =>
    selectAffectedFlows({ changes: [{ path, status: "modified", patch }], flows, tree: memoryTree(files) });

  it("jsconfig.json paths resolve, and _app wraps every page", async () => {
    const card = await select(
      "components/Card.js",
      "@@ -2 +2 @@\n-  return <div>Card</div>\n+  return <section>Card</section>",
    );
    expect(card.selected).toEqual(["home"]);
    const app = await select(
      "pages/_app.js",
      "@@ -2 +2 @@\n-  return <Component />\n+  return <main><Component /></main>",
    );
    expect(app.selected.sort()).toEqual(["about", "authors", "home", "post"]);
    expect(app.flows[0]?.reasons[0]?.layout).toBe("pages/_app.js");
  });

  it("a layout loaded by a template require reaches the pages that name it, or every caller when none does", async () => {
    const post = await select(
      "layouts/PostLayout.js",
      '@@ -2 +2 @@\n-  return <article>{children}</article>\n+  return <article className="prose">{children}</article>',
    );
    expect(post.selected).toEqual(["post"]);
    expect(post.flows[0]?.reasons[0]?.chain).toContain("pages/blog/[slug].js#DEFAULT_LAYOUT");
    const simple = await select(
      "layouts/SimpleLayout.js",
      '@@ -2 +2 @@\n-  return <main>{children}</main>\n+  return <main className="simple">{children}</main>',
    );
    expect(simple.selected.sort()).toEqual(["authors", "post"]);
  });
});

// A Nuxt 3 app in the shape of nuxt/movies: components, composables and utils auto-imported (no
// import statements), a static page beside a dynamic one, a client plugin, UnoCSS attributify classes.
describe("selectAffectedFlows on a Nuxt app", () => {
  const files: Record<string, string> = {
    "package.json": JSON.stringify({ devDependencies: { nuxt: "3.8.0" } }),
    "nuxt.config.ts": "export default defineNuxtConfig({})\n",
    "app.vue": "<template>\n  <NuxtPage />\n</template>\n",
    "plugins/scroll.client.ts": "export default defineNuxtPlugin(() => {\n  window.scrollTo(0, 0)\n})\n",
    "composables/tmdb.ts":
      "function fetchTMDB(url) {\n  return $fetch(url, { baseURL: '/tmdb' })\n}\n\nexport function listMedia(type) {\n  return fetchTMDB(type + '/popular')\n}\n\nexport function getPerson(id) {\n  return fetchTMDB('person/' + id)\n}\n",
    "utils/format.ts": "export function formatVote(v) {\n  return v.toFixed(1)\n}\n",
    "components/media/Card.vue":
      '<template>\n  <div flex="~ col" items-center>\n    {{ formatVote(item.vote) }}\n  </div>\n</template>\n',
    "components/carousel/AutoQuery.vue":
      '<script setup>\nconst list = await listMedia(\'movie\')\n</script>\n\n<template>\n  <lazy-media-card v-for="item of list" :item="item" />\n</template>\n',
    "components/icon/IconNuxt.vue": "<template>\n  <svg />\n</template>\n",
    "components/TheFooter.vue":
      '<template>\n  <footer p="y15 x15">\n    <IconNuxt />\n  </footer>\n</template>\n',
    "pages/index.vue": "<template>\n  <CarouselAutoQuery />\n  <TheFooter />\n</template>\n",
    "pages/[type]/index.vue": "<template>\n  <CarouselAutoQuery />\n</template>\n",
    "pages/search.vue": "<template>\n  <input text-2xl bg-transparent>\n</template>\n",
    "pages/person/[id].vue":
      "<script setup>\nconst person = await getPerson(useRoute().params.id)\n</script>\n\n<template>\n  <h1>{{ person.name }}</h1>\n  <TheFooter />\n</template>\n",
  };
  const flows = [
    flow("home", "/"),
    flow("movies", "/movie"),
    flow("search", "/search"),
    flow("person", "/person/287"),
  ];
  const change = (path: string, find: string, replace: string): ChangedFile => {
    const lines = (files[path] as string).split("\n");
    const at = lines.findIndex((l) => l.includes(find));
    if (at === -1) throw new Error(`${find} not in ${path}`);
    return {
      path,
      status: "modified",
      patch: `@@ -${at + 1} +${at + 1} @@\n-${lines[at]}\n+${(lines[at] as string).replace(find, replace)}`,
    };
  };
  const select = (...changes: ChangedFile[]) =>
    selectAffectedFlows({ changes, flows, tree: memoryTree(files) });

  it("a component under components/media/ is <MediaCard>, also as <lazy-media-card>, and reaches the pages that render it", async () => {
    const selection = await select(change("components/media/Card.vue", "<div", "<section"));
    expect(selection.selected.sort()).toEqual(["home", "movies"]);
    expect(selection.flows[0]?.reasons[0]?.chain).toContain("components/carousel/AutoQuery.vue#default");
  });

  it("a component whose name starts with its folder's (components/icon/IconNuxt.vue) is <IconNuxt>", async () => {
    const selection = await select(
      change("components/icon/IconNuxt.vue", "<svg />", "<svg viewBox='0 0 1 1' />"),
    );
    expect(selection.selected.sort()).toEqual(["home", "person"]);
  });

  it("composables and utils are used by name with no import, in scripts and in template expressions", async () => {
    const list = await select(change("composables/tmdb.ts", "'/tmdb'", "'/api/tmdb'"));
    expect(list.selected.sort()).toEqual(["home", "movies", "person"]);
    const person = await select(change("composables/tmdb.ts", "'person/'", "'people/'"));
    expect(person.selected).toEqual(["person"]);
    const vote = await select(change("utils/format.ts", "toFixed(1)", "toFixed(2)"));
    expect(vote.selected.sort()).toEqual(["home", "movies"]);
  });

  it("a static page serves its path, not the dynamic page beside it: /search is pages/search.vue, not pages/[type]", async () => {
    const selection = await select(
      change("pages/[type]/index.vue", "<CarouselAutoQuery />", "<CarouselAutoQuery lazy />"),
    );
    expect(selection.selected).toEqual(["movies"]);
  });

  it("a plugin runs on every page", async () => {
    const selection = await select(
      change("plugins/scroll.client.ts", "scrollTo(0, 0)", "scrollTo({ top: 0 })"),
    );
    expect(selection.selected).toHaveLength(flows.length);
    expect(selection.flows[0]?.reasons[0]?.layout).toBe("plugins/scroll.client.ts");
  });

  it("the i18n module's i18n.config.ts and UnoCSS's unocss.config.ts configure every page", async () => {
    const i18n = await select({ path: "i18n.config.ts", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" });
    expect(i18n.runAll?.file).toBe("i18n.config.ts");
    const uno = await select({ path: "unocss.config.ts", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" });
    expect(uno.runAll?.change).toBe("styling");
  });

  it("UnoCSS attributify utilities, as groups and as bare attributes, are styling", async () => {
    const group = await select(change("components/TheFooter.vue", 'p="y15 x15"', 'p="y10 x15"'));
    expect(group.selected.sort()).toEqual(["home", "person"]);
    expect(group.flows[0]?.reasons[0]?.change).toBe("styling");
    const bare = await select(
      change("pages/search.vue", "text-2xl bg-transparent", "text-2xl bg-transparent w-full"),
    );
    expect(bare.selected).toEqual(["search"]);
    expect(bare.flows[0]?.reasons[0]?.detail).toContain('styling changed ("" → "w-full")');
  });
});

describe("selectAffectedFlows on an Astro app", () => {
  const files: Record<string, string> = {
    "package.json": JSON.stringify({ dependencies: { astro: "5.0.0" } }),
    "src/layouts/MarkdownLayout.astro":
      "---\nconst { frontmatter } = Astro.props\n---\n<article><slot /></article>\n",
    "src/pages/privacy.md":
      "---\ntitle: 'Privacy Policy'\nlayout: '~/layouts/MarkdownLayout.astro'\n---\n\nWe keep nothing.\n",
    "src/pages/about.astro": "<h1>About</h1>\n",
    "tsconfig.json": JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "~/*": ["src/*"] } } }),
  };
  const flows = [flow("privacy", "/privacy"), flow("about", "/about")];

  it("a Markdown page's frontmatter layout renders it: a change to the layout reaches the page", async () => {
    const selection = await selectAffectedFlows({
      changes: [
        {
          path: "src/layouts/MarkdownLayout.astro",
          status: "modified",
          patch: "@@ -4 +4 @@\n-<article><slot /></article>\n+<main><slot /></main>",
        },
      ],
      flows,
      tree: memoryTree(files),
    });
    expect(selection.selected).toEqual(["privacy"]);
  });
});

describe("files the build reads", () => {
  const files = {
    "package.json": JSON.stringify({ dependencies: { astro: "5.0.0" } }),
    "astro.config.mjs":
      'import "./env.mjs";\nimport theme from "./vendor/theme.mjs";\nexport default { integrations: [theme({ config: "./src/config.yaml" })] };\n',
    "env.mjs": 'if (!process.env.SITE) throw new Error("SITE is required");\n',
    "vendor/theme.mjs": "export default (options) => ({ name: 'theme', options });\n",
    "src/config.yaml": "site:\n  name: Example\n",
    "src/pages/index.astro": "<h1>Home</h1>\n",
    "src/pages/about.astro": "<h1>About</h1>\n",
  };
  const flows = [flow("home", "/"), flow("about", "/about")];
  const select = (path: string) =>
    selectAffectedFlows({
      changes: [{ path, status: "modified", patch: "@@ -1 +1 @@\n-old\n+new" }],
      flows,
      tree: memoryTree(files),
    });

  it("a data file the build config names by path, and a module it imports for its side effects, select every flow and say why", async () => {
    const config = await select("src/config.yaml");
    expect(config.selected.sort()).toEqual(["about", "home"]);
    expect(config.runAll?.detail).toBe(
      "src/config.yaml changed: astro.config.mjs names it, so the build reads it (build configuration)",
    );
    const env = await select("env.mjs");
    expect(env.runAll?.detail).toBe(
      "env.mjs changed: astro.config.mjs imports it, so it runs when the build starts",
    );
    // A plugin the config imports by name is not the build's own input: what it does decides.
    expect((await select("vendor/theme.mjs")).runAll).toBeUndefined();
  });
});
