import path from "node:path";
import { normalizePattern, type RouteDef } from "./route.ts";

/*
 * Routes from file-system conventions: Next.js (app/ and pages/), Remix / React Router flat
 * routes, SvelteKit, Nuxt, Astro, and plain static HTML. Works on paths alone, so it also names the
 * route a removed file used to serve.
 */

export type Framework = "next" | "remix" | "sveltekit" | "nuxt" | "astro" | "static";

const PAGE_EXT = /\.(tsx|ts|jsx|js|mdx|md)$/;

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
    if (Object.keys(deps).some((d) => d.startsWith("@remix-run/") || d === "@react-router/dev"))
      found.push("remix");
    if ("@sveltejs/kit" in deps) found.push("sveltekit");
    if ("nuxt" in deps) found.push("nuxt");
    if ("astro" in deps) found.push("astro");
  }
  found.push("static");
  return found;
}

interface FileRoute {
  pattern: string;
  role: "page" | "endpoint" | "layout" | "fallback";
  /** For layouts: the pattern prefix they wrap. */
  scope?: string;
}

function bracketSegment(segment: string): string | undefined {
  if (/^\(.*\)$/.test(segment) || segment.startsWith("@")) return undefined;
  const optionalCatchAll = /^\[\[\.\.\.(\w+)\]\]$/.exec(segment);
  if (optionalCatchAll) return "*";
  const catchAll = /^\[\.\.\.(\w+)\]$/.exec(segment);
  if (catchAll) return "*";
  const optional = /^\[\[(\w+)(=\w+)?\]\]$/.exec(segment);
  if (optional) return `:${optional[1]}?`;
  return segment.replace(/\[(\w+)(=\w+)?\]/g, ":$1");
}

function fromSegments(segments: string[]): string | undefined {
  const out: string[] = [];
  for (const s of segments) {
    if (s.startsWith("_")) return undefined;
    const mapped = bracketSegment(s);
    if (mapped) out.push(mapped);
  }
  return normalizePattern(out.join("/"));
}

/** The route a file serves under each framework's conventions (path relative to the app folder). */
export function routeForFile(file: string, frameworks: readonly Framework[]): FileRoute | undefined {
  const has = (f: Framework) => frameworks.includes(f);
  const parts = file.split("/");
  const name = parts[parts.length - 1] ?? "";

  // Next.js app router
  const appAt = parts.indexOf("app");
  if ((has("next") || /^page\.(tsx|jsx)$/.test(name)) && appAt !== -1 && appAt <= 1 && PAGE_EXT.test(name)) {
    const dirs = parts.slice(appAt + 1, -1);
    const base = name.replace(PAGE_EXT, "");
    if (dirs.some((d) => d.startsWith("_"))) return undefined;
    const scope = fromSegments(dirs);
    if (!scope) return undefined;
    if (base === "page") return { pattern: scope, role: "page" };
    if (base === "route") return { pattern: scope, role: "endpoint" };
    if (base === "not-found" && dirs.length === 0) return { pattern: "*", role: "fallback" };
    if (["layout", "template", "loading", "error", "not-found", "global-error", "default"].includes(base))
      return { pattern: scope, role: "layout", scope };
  }

  // Remix / React Router flat routes
  if (has("remix") && parts[0] === "app") {
    if (parts.length === 2 && /^root\.(tsx|jsx|ts|js)$/.test(name))
      return { pattern: "/", role: "layout", scope: "/" };
    if (parts[1] === "routes" && parts.length >= 3) {
      const routeName =
        parts.length === 3
          ? name.replace(PAGE_EXT, "")
          : /^(route|index)\./.test(name)
            ? parts[2]
            : undefined;
      if (routeName) {
        const segments = routeName
          .split(/\.(?![^[]*\])/)
          .filter((s) => !(s.startsWith("_") && s !== "_index"))
          .map((s) =>
            s === "_index" ? "" : s === "$" ? "*" : s.replace(/^\$(\w+)/, ":$1").replace(/_$/, ""),
          )
          .map((s) => s.replace(/^\((.*)\)$/, "$1").replace(/\[(.*?)\]/g, "$1"));
        const pattern = normalizePattern(segments.filter(Boolean).join("/"));
        return { pattern, role: "page" };
      }
    }
  }

  // SvelteKit
  const routesAt = parts.indexOf("routes");
  if (routesAt > 0 && parts[routesAt - 1] === "src" && name.startsWith("+")) {
    const scope = fromSegments(parts.slice(routesAt + 1, -1));
    if (!scope) return undefined;
    if (/^\+page(\.server)?\.(svelte|ts|js)$/.test(name)) return { pattern: scope, role: "page" };
    if (/^\+server\.(ts|js)$/.test(name)) return { pattern: scope, role: "endpoint" };
    if (/^\+(layout|error)(\.server)?\.(svelte|ts|js)$/.test(name))
      return { pattern: scope, role: "layout", scope };
  }

  // Nuxt and Astro pages, Next.js pages router
  const pagesAt = parts.indexOf("pages");
  if (pagesAt !== -1 && pagesAt <= 1) {
    const rest = parts.slice(pagesAt + 1);
    const last = rest[rest.length - 1] ?? "";
    const ext = path.posix.extname(last);
    const vue = has("nuxt") && ext === ".vue";
    const astro = has("astro") && [".astro", ".md", ".mdx", ".html", ".ts", ".js"].includes(ext);
    const next = has("next") && PAGE_EXT.test(last);
    if (vue || astro || next) {
      const base = last.slice(0, -ext.length);
      if (next && (base === "_app" || base === "_document"))
        return { pattern: "/", role: "layout", scope: "/" };
      if (base === "404" || base === "_error") return { pattern: "*", role: "fallback" };
      const segments = [...rest.slice(0, -1), base === "index" ? "" : base];
      const pattern = fromSegments(segments.filter(Boolean));
      if (!pattern) return undefined;
      return { pattern, role: rest[0] === "api" ? "endpoint" : "page" };
    }
  }
  if (has("nuxt") && (/^(app|error)\.vue$/.test(file) || parts[0] === "layouts"))
    return { pattern: "/", role: "layout", scope: "/" };

  // Plain static HTML
  if (name.endsWith(".html") && !parts.includes("node_modules")) {
    const dirs = parts.slice(parts[0] === "public" || parts[0] === "static" ? 1 : 0, -1);
    if (name === "404.html") return { pattern: "*", role: "fallback" };
    const pattern = normalizePattern([...dirs, name === "index.html" ? "" : name].join("/"));
    return { pattern, role: "page" };
  }
  return undefined;
}

/** Routes of the app under `appDir` from its files' names. */
export function discoverFrameworkRoutes(
  files: readonly string[],
  appDir: string,
  frameworks: readonly Framework[],
): RouteDef[] {
  const prefix = appDir ? `${appDir}/` : "";
  const pages: Array<{ file: string; route: FileRoute }> = [];
  const layouts: Array<{ file: string; scope: string }> = [];
  for (const file of files) {
    if (!file.startsWith(prefix)) continue;
    const rel = file.slice(prefix.length);
    const route = routeForFile(rel, frameworks);
    if (!route) continue;
    if (route.role === "layout") layouts.push({ file, scope: route.scope ?? "/" });
    else pages.push({ file, route });
  }
  const byPattern = new Map<string, RouteDef>();
  for (const { file, route } of pages) {
    const existing = byPattern.get(route.pattern);
    if (existing) {
      existing.entries.push({ file });
      continue;
    }
    byPattern.set(route.pattern, {
      pattern: route.pattern,
      entries: [{ file }],
      layouts: layouts
        .filter(
          (l) => l.scope === "/" || route.pattern === l.scope || route.pattern.startsWith(`${l.scope}/`),
        )
        .map((l) => l.file),
      kind: route.role === "endpoint" ? "endpoint" : route.role === "fallback" ? "fallback" : "page",
      source: file,
    });
  }
  return [...byPattern.values()];
}
