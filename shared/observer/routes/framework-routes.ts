import path from "node:path";
import { normalizePattern, type RouteDef } from "./route.ts";

/*
 * Routes from file-system conventions: Next.js (app/ and pages/), Remix / React Router route
 * modules, SvelteKit, Nuxt, Astro, and plain static HTML. Each router's wrappers — layouts,
 * templates, loading and error boundaries, the root module, hooks and middleware — wrap exactly the
 * routes beneath them: a route group's layout wraps the group's pages, not every page. Works on
 * paths alone (so it also names the route a removed file used to serve), reading a file only where
 * the router itself does: Nuxt's `definePageMeta` layout and middleware, Next's middleware matcher.
 */

export type Framework = "next" | "remix" | "sveltekit" | "nuxt" | "astro" | "static";

const PAGE_EXT = /\.(tsx|ts|jsx|js|mdx|md)$/;
const CODE_EXT = /\.(tsx|ts|jsx|js|mjs|cjs)$/;
const NEXT_WRAPPERS = new Set([
  "layout",
  "template",
  "loading",
  "error",
  "not-found",
  "global-error",
  "head",
]);

export function detectFrameworks(packageJson: string | undefined): Framework[] {
  const found: Framework[] = [];
  if (packageJson) {
    let deps: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(packageJson) as Record<string, Record<string, unknown>>;
      deps = { ...parsed.dependencies, ...parsed.devDependencies };
    } catch {
      // An unreadable package.json: fall back to the distinctive conventions below.
    }
    if ("next" in deps) found.push("next");
    if (
      Object.keys(deps).some(
        (d) => d.startsWith("@remix-run/") || d === "@react-router/dev" || d === "react-router-auto-routes",
      )
    )
      found.push("remix");
    if ("@sveltejs/kit" in deps) found.push("sveltekit");
    if ("nuxt" in deps) found.push("nuxt");
    if ("astro" in deps) found.push("astro");
  }
  found.push("static");
  return found;
}

/** Which file convention a route belongs to: a router's wrappers wrap only its own routes. */
type Router = "next-app" | "next-pages" | "remix" | "sveltekit" | "nuxt" | "astro" | "static";

/** Which routes a wrapper wraps. */
type Wraps =
  /** Every page of its router whose file lies in this folder (app-relative; "" for all). */
  | { dir: string }
  /** Remix route modules nested under this route id (its dot-separated tokens). */
  | { tokens: string[] }
  /** Nuxt: pages that name this layout (or name none, for "default"). */
  | { nuxtLayout: string }
  /** Nuxt: pages whose `definePageMeta` names this middleware. */
  | { nuxtMiddleware: string }
  /** Next.js middleware: the paths its `config.matcher` names (all when it names none). */
  | { matcher: true };

export interface FileRoute {
  pattern: string;
  role: "page" | "endpoint" | "layout" | "fallback";
  router: Router;
  /** For wrappers: what they wrap, and whether endpoints too (middleware, server hooks). */
  wraps?: Wraps;
  endpoints?: boolean;
  /** Remix: the route module's id, as tokens. */
  tokens?: string[];
  /** SvelteKit `+page@x`: the folder whose layout the page resets to. */
  resetTo?: string;
}

function bracketSegment(segment: string, slots: boolean): string | undefined {
  if (/^\(.*\)$/.test(segment) || (slots && segment.startsWith("@"))) return undefined;
  const optionalCatchAll = /^\[\[\.\.\.(\w+)\]\]$/.exec(segment);
  if (optionalCatchAll) return "*";
  const catchAll = /^\[\.\.\.(\w+)\]$/.exec(segment);
  if (catchAll) return "*";
  const optional = /^\[\[(\w+)(=\w+)?\]\]$/.exec(segment);
  if (optional) return `:${optional[1]}?`;
  return segment.replace(/\[(\w+)(=\w+)?\]/g, ":$1");
}

/** A route pattern from folder names; `slots`: Next.js, where `@name` folders are parallel slots. */
function fromSegments(segments: string[], slots = false): string | undefined {
  const out: string[] = [];
  for (const s of segments) {
    if (s.startsWith("_")) return undefined;
    // An intercepting route, `(.)photo`, `(..)(..)photo`, `(...)photo`: the path it intercepts.
    const intercept = /^((?:\(\.{1,3}\))+)(.+)$/.exec(s);
    if (intercept) {
      const marks = intercept[1] as string;
      if (marks === "(...)") out.length = 0;
      else for (let up = (marks.match(/\(\.\.\)/g) ?? []).length; up > 0; up--) out.pop();
      const mapped = bracketSegment(intercept[2] as string, slots);
      if (mapped) out.push(mapped);
      continue;
    }
    const mapped = bracketSegment(s, slots);
    if (mapped) out.push(mapped);
  }
  return normalizePattern(`/${out.join("/")}`);
}

/** The route a file serves under each framework's conventions (path relative to the app folder). */
export function routeForFile(file: string, frameworks: readonly Framework[]): FileRoute | undefined {
  const has = (f: Framework) => frameworks.includes(f);
  const parts = file.split("/");
  const name = parts[parts.length - 1] ?? "";
  const src = parts[0] === "src" ? 1 : 0;

  if (has("next")) {
    const found = nextRoute(parts, src);
    if (found) return found;
  } else if (parts[src] === "app" && /^page\.(tsx|jsx)$/.test(name)) {
    const scope = fromSegments(parts.slice(src + 1, -1), true);
    if (scope) return { pattern: scope, role: "page", router: "next-app" };
  }
  if (has("remix") && parts[0] === "app") {
    const found = remixRoute(parts);
    if (found) return found;
  }
  // The Express (or other Node) server of a Remix / React Router app: every request passes through it.
  if (has("remix") && /^(server\/index|server)\.(ts|js|mjs)$/.test(file))
    return { pattern: "/", role: "layout", router: "remix", wraps: { dir: "" }, endpoints: true };
  if (has("sveltekit") && parts[0] === "src") {
    const found = svelteKitRoute(parts);
    if (found) return found;
  }
  if (has("nuxt")) {
    const found = nuxtRoute(parts);
    if (found) return found;
  }
  if (has("astro") && parts[0] === "src") {
    if (parts.length === 2 && /^middleware\.(ts|js)$/.test(name))
      return { pattern: "/", role: "layout", router: "astro", wraps: { dir: "" }, endpoints: true };
    if (parts[1] === "pages") {
      const rest = parts.slice(2);
      const ext = path.posix.extname(name);
      if ([".astro", ".md", ".mdx", ".html", ".ts", ".js"].includes(ext)) {
        const base = name.slice(0, -ext.length);
        if (base === "404" || base === "500") return { pattern: "*", role: "fallback", router: "astro" };
        const pattern = fromSegments([...rest.slice(0, -1), base === "index" ? "" : base].filter(Boolean));
        if (pattern)
          return {
            pattern,
            role: ext === ".ts" || ext === ".js" ? "endpoint" : "page",
            router: "astro",
          };
      }
    }
  }

  // Plain static HTML
  if (name.endsWith(".html") && !parts.includes("node_modules")) {
    const dirs = parts.slice(parts[0] === "public" || parts[0] === "static" ? 1 : 0, -1);
    if (name === "404.html") return { pattern: "*", role: "fallback", router: "static" };
    const pattern = normalizePattern([...dirs, name === "index.html" ? "" : name].join("/"));
    return { pattern, role: "page", router: "static" };
  }
  return undefined;
}

function nextRoute(parts: string[], src: number): FileRoute | undefined {
  const name = parts[parts.length - 1] ?? "";
  if (parts.length === src + 1 && /^(middleware|proxy)\.(ts|js)$/.test(name))
    return { pattern: "/", role: "layout", router: "next-app", wraps: { matcher: true }, endpoints: true };
  if (!PAGE_EXT.test(name)) return undefined;
  const base = name.replace(PAGE_EXT, "");
  if (parts[src] === "app") {
    const dirs = parts.slice(src + 1, -1);
    if (dirs.some((d) => d.startsWith("_"))) return undefined;
    const scope = fromSegments(dirs, true);
    if (!scope) return undefined;
    const dir = parts.slice(0, -1).join("/");
    if (base === "page") return { pattern: scope, role: "page", router: "next-app" };
    if (base === "route") return { pattern: scope, role: "endpoint", router: "next-app" };
    // The root error boundaries show only when something failed: the app's not-found and error pages.
    if (/^(not-found|error|global-error)$/.test(base) && dirs.length === 0)
      return { pattern: "*", role: "fallback", router: "next-app" };
    // A slot's default renders wherever the slot has no page of its own: under the slot's parent.
    if (base === "default")
      return {
        pattern: scope,
        role: "layout",
        router: "next-app",
        wraps: { dir: dir.replace(/(\/@[^/]+)+$/, "") },
      };
    if (NEXT_WRAPPERS.has(base))
      return { pattern: scope, role: "layout", router: "next-app", wraps: { dir } };
    return undefined;
  }
  if (parts[src] === "pages") {
    const rest = parts.slice(src + 1);
    if (rest.length === 1 && (base === "_app" || base === "_document"))
      return {
        pattern: "/",
        role: "layout",
        router: "next-pages",
        wraps: { dir: parts.slice(0, -1).join("/") },
      };
    if (base === "404" || base === "500" || base === "_error")
      return { pattern: "*", role: "fallback", router: "next-pages" };
    const pattern = fromSegments([...rest.slice(0, -1), base === "index" ? "" : base].filter(Boolean));
    if (!pattern) return undefined;
    return { pattern, role: rest[0] === "api" ? "endpoint" : "page", router: "next-pages" };
  }
  return undefined;
}

/**
 * Remix and React Router file routes: flat routes (`dashboard.settings.tsx`), folder routes
 * (`dashboard.settings/route.tsx`), and nested folders (`settings/profile/index.tsx`, `_layout.tsx`,
 * remix-flat-routes' `settings+/`). A route module nests under every module whose id is a prefix of its own.
 */
function remixRoute(parts: string[]): FileRoute | undefined {
  const name = parts[parts.length - 1] ?? "";
  if (parts.length === 2) {
    if (/^root\.(tsx|jsx|ts|js)$/.test(name))
      return { pattern: "/", role: "layout", router: "remix", wraps: { dir: "" } };
    if (/^entry\.(server|client)\.(tsx|jsx|ts|js)$/.test(name))
      return { pattern: "/", role: "layout", router: "remix", wraps: { dir: "" }, endpoints: true };
    return undefined;
  }
  if (parts[1] !== "routes" || (!CODE_EXT.test(name) && !/\.mdx?$/.test(name))) return undefined;
  const rest = parts.slice(2);
  const base = name.replace(/\.[^.]+$/, "");
  // Colocated modules: server- or client-only code, tests, `+shared` folders, dotfiles, and
  // remix-flat-routes' `__name` files (its default ignoredRouteFiles).
  if (
    /\.(server|client|test|spec)$/.test(base) ||
    base.startsWith("__") ||
    rest.some((p) => p.startsWith(".") || p.startsWith("+"))
  )
    return undefined;
  const dirs = rest.slice(0, -1).map((d) => d.replace(/\+$/, ""));
  // remix-flat-routes: inside a `+` folder, `profile.index.tsx` is the index route of profile.
  const flatFolder = rest.length > 1 && /\+$/.test(rest[rest.length - 2] ?? "");
  const names = [...dirs];
  if (base === "_layout" || base === "route" || base === "layout") {
    if (dirs.length === 0) return undefined;
  } else names.push(base === "index" ? "_index" : flatFolder ? base.replace(/\.index$/, "._index") : base);
  const tokens = names.flatMap((n) => n.split(/\.(?![^[]*\])/)).filter(Boolean);
  const last = tokens[tokens.length - 1] ?? "";
  const segments = tokens
    .filter((s) => !(s.startsWith("_") && !s.endsWith("_")) || s === "_index")
    .map((s) => (s === "_index" ? "" : s === "$" ? "*" : s.replace(/^\$(\w+)/, ":$1").replace(/_$/, "")))
    .map((s) => s.replace(/^\((.*)\)$/, "$1").replace(/\[(.*?)\]/g, "$1"));
  const pattern = normalizePattern(segments.filter(Boolean).join("/"));
  // A pathless layout (`_auth.tsx`) serves no URL of its own.
  const pathless = last.startsWith("_") && last !== "_index" && !last.endsWith("_");
  return {
    pattern,
    role: pathless ? "layout" : "page",
    router: "remix",
    tokens,
    ...(last === "_index" ? {} : { wraps: { tokens } }),
  };
}

function svelteKitRoute(parts: string[]): FileRoute | undefined {
  const name = parts[parts.length - 1] ?? "";
  if (parts.length === 2) {
    if (/^hooks(\.server)?\.(ts|js)$/.test(name))
      return { pattern: "/", role: "layout", router: "sveltekit", wraps: { dir: "" }, endpoints: true };
    if (/^(hooks\.client\.(ts|js)|app\.html)$/.test(name))
      return { pattern: "/", role: "layout", router: "sveltekit", wraps: { dir: "" } };
    return undefined;
  }
  if (parts[1] !== "routes" || !name.startsWith("+")) return undefined;
  const scope = fromSegments(parts.slice(2, -1));
  if (!scope) return undefined;
  const dir = parts.slice(0, -1).join("/");
  const page = /^\+page(@[^.]*)?(\.server)?\.(svelte|ts|js)$/.exec(name);
  if (page) {
    const reset = page[1]?.slice(1);
    if (reset === undefined) return { pattern: scope, role: "page", router: "sveltekit" };
    // `+page@.svelte` keeps the root layout alone; `+page@(app).svelte` the layouts down to (app).
    const at = reset === "" ? 1 : parts.lastIndexOf(reset, -2);
    return {
      pattern: scope,
      role: "page",
      router: "sveltekit",
      resetTo: parts.slice(0, Math.max(at, 1) + 1).join("/"),
    };
  }
  if (/^\+server\.(ts|js)$/.test(name)) return { pattern: scope, role: "endpoint", router: "sveltekit" };
  if (parts.length === 3 && name === "+error.svelte")
    return { pattern: "*", role: "fallback", router: "sveltekit" };
  if (/^\+(layout|error)(@[^.]*)?(\.server)?\.(svelte|ts|js)$/.test(name))
    return { pattern: scope, role: "layout", router: "sveltekit", wraps: { dir } };
  return undefined;
}

function nuxtRoute(parts: string[]): FileRoute | undefined {
  // Nuxt 4 keeps the app in app/; Nuxt 3 at the root.
  const at = parts[0] === "app" && parts.length > 1 ? 1 : 0;
  const name = parts[parts.length - 1] ?? "";
  const rest = parts.slice(at);
  const every = (endpoints = false): FileRoute => ({
    pattern: "/",
    role: "layout",
    router: "nuxt",
    wraps: { dir: "" },
    ...(endpoints ? { endpoints } : {}),
  });
  if (rest.length === 1 && (name === "app.vue" || /^app\.config\.[cm]?[jt]s$/.test(name))) return every();
  if (rest.length === 1 && name === "error.vue") return { pattern: "*", role: "fallback", router: "nuxt" };
  // layouts/admin/panel.vue is the layout "admin-panel".
  if (rest[0] === "layouts" && rest.length >= 2 && name.endsWith(".vue")) {
    const layout = [...rest.slice(1, -1), name.slice(0, -4)].join("-");
    return { pattern: "/", role: "layout", router: "nuxt", wraps: { nuxtLayout: layout } };
  }
  // Plugins run when the app starts, on every page: plugins/x.ts, plugins/x.client.ts, plugins/x/index.ts.
  if (
    rest[0] === "plugins" &&
    CODE_EXT.test(name) &&
    (rest.length === 2 || (rest.length === 3 && /^index\./.test(name)))
  )
    return every();
  if (rest[0] === "middleware" && rest.length === 2 && CODE_EXT.test(name)) {
    const base = name.replace(CODE_EXT, "");
    if (base.endsWith(".global")) return every();
    return { pattern: "/", role: "layout", router: "nuxt", wraps: { nuxtMiddleware: base } };
  }
  if (rest[0] === "pages" && name.endsWith(".vue")) {
    const base = name.slice(0, -4);
    const pattern = fromSegments([...rest.slice(1, -1), base === "index" ? "" : base].filter(Boolean));
    if (!pattern) return undefined;
    // `pages/parent.vue` renders `pages/parent/*` in its <NuxtPage />.
    return {
      pattern,
      role: "page",
      router: "nuxt",
      ...(base === "index" ? {} : { wraps: { dir: [...parts.slice(0, -1), base].join("/") } }),
    };
  }
  return undefined;
}

/** Routes of the app under `appDir` from its files' names; `read` gives a file's text where the router reads it. */
export function discoverFrameworkRoutes(
  files: readonly string[],
  appDir: string,
  frameworks: readonly Framework[],
  read: (file: string) => string | undefined = () => undefined,
): RouteDef[] {
  const prefix = appDir ? `${appDir}/` : "";
  const pages: Array<{ file: string; rel: string; route: FileRoute }> = [];
  const wrappers: Array<{ file: string; route: FileRoute }> = [];
  // Remix: a folder with a route module keeps its other files as colocated modules.
  const folderRoutes = new Set<string>();
  for (const file of files)
    if (/\/routes\/.+\/route\.[jt]sx?$/.test(file)) folderRoutes.add(file.slice(0, file.lastIndexOf("/")));
  for (const file of files) {
    if (!file.startsWith(prefix)) continue;
    const rel = file.slice(prefix.length);
    const route = routeForFile(rel, frameworks);
    if (!route) continue;
    if (
      route.router === "remix" &&
      folderRoutes.has(file.slice(0, file.lastIndexOf("/"))) &&
      !/\/route\.[jt]sx?$/.test(file)
    )
      continue;
    if (route.wraps) wrappers.push({ file, route });
    if (route.role !== "layout") pages.push({ file, rel, route });
  }
  const matchers = new Map<string, string[] | undefined>();
  const nuxtMeta = new Map<string, { layout?: string | false; middleware: string[] } | undefined>();
  const wraps = (
    wrapper: { file: string; route: FileRoute },
    page: { file: string; rel: string; route: FileRoute },
  ) => {
    const { route, file } = wrapper;
    if (file === page.file) return false;
    if (
      route.router !== page.route.router &&
      !(route.router === "next-app" && page.route.router === "next-pages")
    )
      return false;
    if (page.route.role === "endpoint" && !route.endpoints) return false;
    const w = route.wraps as Wraps;
    if ("matcher" in w) {
      if (!matchers.has(file)) matchers.set(file, middlewareMatcher(read(file)));
      const list = matchers.get(file);
      return !list || list.some((m) => matcherCovers(m, page.route.pattern));
    }
    if (route.router === "next-app" && page.route.router === "next-pages") return false;
    if ("dir" in w) {
      if (!w.dir) return true;
      const dir = `${prefix}${w.dir}`;
      if (!page.file.startsWith(`${dir}/`)) return false;
      const reset = page.route.resetTo;
      return reset === undefined || `${prefix}${reset}/`.startsWith(`${dir}/`);
    }
    if ("tokens" in w) {
      const own = page.route.tokens ?? [];
      return w.tokens.length < own.length && w.tokens.every((t, i) => own[i] === t);
    }
    if (!nuxtMeta.has(page.file)) nuxtMeta.set(page.file, nuxtPageMeta(read(page.file)));
    const meta = nuxtMeta.get(page.file);
    // A page the observer cannot read may name any layout or middleware.
    if (!meta) return true;
    if ("nuxtLayout" in w)
      return meta.layout === undefined ? w.nuxtLayout === "default" : meta.layout === w.nuxtLayout;
    return meta.middleware.includes(w.nuxtMiddleware);
  };
  const byPattern = new Map<string, RouteDef>();
  for (const page of pages) {
    const layouts = wrappers.filter((w) => wraps(w, page)).map((w) => w.file);
    const existing = byPattern.get(page.route.pattern);
    if (existing) {
      existing.entries.push({ file: page.file });
      for (const layout of layouts) if (!existing.layouts.includes(layout)) existing.layouts.push(layout);
      if (existing.kind === "endpoint" && page.route.role === "page") existing.kind = "page";
      continue;
    }
    const { route } = page;
    byPattern.set(route.pattern, {
      pattern: route.pattern,
      entries: [{ file: page.file }],
      layouts,
      kind: route.role === "endpoint" ? "endpoint" : route.role === "fallback" ? "fallback" : "page",
      source: page.file,
    });
  }
  return [...byPattern.values()];
}

/** The paths of Next.js middleware's `export const config = { matcher }`; undefined: every path. */
export function middlewareMatcher(text: string | undefined): string[] | undefined {
  if (!text) return undefined;
  const config =
    /export\s+const\s+config\s*=\s*\{[\s\S]*?matcher\s*:\s*(\[[\s\S]*?\]|["'`][^"'`]*["'`])/.exec(text);
  if (!config) return undefined;
  const paths = [...(config[1] as string).matchAll(/["'`]([^"'`]*)["'`]/g)].map((m) => m[1] as string);
  return paths.length > 0 ? paths : undefined;
}

/** Whether a middleware matcher (path-to-regexp: `/dashboard/:path*`) takes requests for a route. */
export function matcherCovers(matcher: string, pattern: string): boolean {
  // Regular expressions (`/((?!api|_next).*)`) usually mean "almost everything".
  if (/[()|\\]/.test(matcher)) return true;
  const want = matcher.split("/").filter(Boolean);
  const got = pattern.split("/").filter(Boolean);
  for (let i = 0; i < want.length; i++) {
    const segment = want[i] as string;
    if (/^:\w+[*?]$/.test(segment)) return true;
    if (/^:\w+\+$/.test(segment)) return got.length > i;
    const actual = got[i];
    if (actual === undefined) return false;
    if (actual === "*" || actual.startsWith("*")) return true;
    if (segment.startsWith(":") || actual.startsWith(":")) continue;
    if (segment !== actual) return false;
  }
  return got.length === want.length;
}

/** A Nuxt page's `definePageMeta` layout and middleware; undefined when it cannot be read. */
function nuxtPageMeta(
  text: string | undefined,
): { layout?: string | false; middleware: string[] } | undefined {
  if (text === undefined) return undefined;
  const meta = /definePageMeta\s*\(\s*\{([\s\S]*?)\}\s*\)/.exec(text)?.[1];
  if (!meta) return { middleware: [] };
  const layout = /\blayout\s*:\s*(false|["'`]([\w-]+)["'`])/.exec(meta);
  const middleware = /\bmiddleware\s*:\s*(\[[^\]]*\]|["'`][\w-]+["'`])/.exec(meta)?.[1] ?? "";
  return {
    ...(layout ? { layout: layout[1] === "false" ? false : (layout[2] as string) } : {}),
    middleware: [...middleware.matchAll(/["'`]([\w-]+)["'`]/g)].map((m) => m[1] as string),
  };
}
