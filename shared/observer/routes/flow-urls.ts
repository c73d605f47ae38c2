import {
  type LoadedFlow,
  type RepositoryRegex,
  repositoryRegex,
  type Step,
  type TextMatcher,
} from "../../config/index.ts";
import { patternMatches, type RouteDef, sampleUrls } from "./route.ts";

/** A URL a flow is known to visit, and where that is known from. */
export interface FlowUrl {
  /** A path such as /products/aurora-lamp; {{…}} placeholders become one segment. */
  path?: string;
  /** For `expect: { url: { matches } }`: the flow's own regular expression, run by RE2 (linear time). */
  regex?: RepositoryRegex;
  /** For `contains`: the path must start with this (when it is a path). */
  prefix?: string;
  /** The flow expects a not-found page there (`expect: { visible: { text: "404" } }` after the goto). */
  notFound?: boolean;
  from: string;
}

/** Words a not-found page shows. */
const NOT_FOUND = /\b404\b|not found|can(?:no|')t find|(?:does not|doesn't) exist/i;

function toPath(value: string): string | undefined {
  const text = value.replace(/\{\{[^}]*\}\}/g, "x").trim();
  if (/^https?:\/\//.test(text)) {
    try {
      return new URL(text).pathname;
    } catch {
      return undefined;
    }
  }
  if (!text.startsWith("/")) return undefined;
  return text.replace(/[?#].*$/, "") || "/";
}

function fromMatcher(matcher: TextMatcher, from: string): FlowUrl | undefined {
  if (typeof matcher === "string") {
    const path = toPath(matcher);
    return path ? { path, from } : undefined;
  }
  if ("equals" in matcher) {
    const path = toPath(matcher.equals);
    return path ? { path, from } : undefined;
  }
  if ("contains" in matcher) {
    const path = toPath(matcher.contains);
    return path ? { prefix: path, from } : undefined;
  }
  const regex = repositoryRegex(matcher.matches);
  return regex ? { regex, from } : undefined;
}

/** The URLs a flow's steps name: `goto`, and the URLs it expects or waits for. */
export function flowUrls(flow: LoadedFlow, recorded: readonly string[] = []): FlowUrl[] {
  const urls: FlowUrl[] = [];
  flow.steps.forEach((step: Step, index) => {
    const at = flow.stepLocations[index];
    // A Playwright test's URLs may be written in a page object (its location says where).
    const from = `${at?.file ?? flow.file}:${at?.line ?? index + 1}`;
    if ("goto" in step) {
      const path = toPath(step.goto);
      if (path) urls.push({ path, from, ...(expectsNotFound(flow.steps, index) ? { notFound: true } : {}) });
    } else if ("expect" in step && "url" in step.expect) {
      const url = fromMatcher(step.expect.url, from);
      if (url) urls.push(url);
    } else if ("waitFor" in step && "url" in step.waitFor) {
      const url = fromMatcher(step.waitFor.url as TextMatcher, from);
      if (url) urls.push(url);
    }
  });
  for (const url of recorded) {
    const path = toPath(url);
    if (path) urls.push({ path, from: "recorded coverage" });
  }
  return urls;
}

/** Whether the steps after a goto, up to the next one, expect what a not-found page shows. */
function expectsNotFound(steps: readonly Step[], goto: number): boolean {
  for (const step of steps.slice(goto + 1)) {
    if ("goto" in step) return false;
    if ("expect" in step && !("url" in step.expect) && NOT_FOUND.test(JSON.stringify(step.expect)))
      return true;
  }
  return false;
}

/**
 * Routes a URL lands on; URLs that no page route serves land on the fallback (404) routes, and so
 * does a URL the flow expects to be not found that only dynamic pages match: a page with parameters
 * serves the paths it knows (Astro's getStaticPaths, a lookup that 404s), not every path.
 */
export function routesForUrl(url: FlowUrl, routes: readonly RouteDef[]): RouteDef[] {
  const pages = pageRoutes(routes);
  let hits: RouteDef[];
  if (url.path !== undefined) {
    const path = url.path;
    hits = pages.servingFirst(path).filter((r) => patternMatches(r.pattern, path));
    if (url.notFound && hits.every((r) => /[:*]/.test(r.pattern))) {
      const fallbacks = routes.filter((r) => r.kind === "fallback");
      if (fallbacks.length > 0) return fallbacks;
    }
  } else if (url.prefix !== undefined) {
    const prefix = url.prefix;
    hits = pages.servingFirst(prefix).filter((r) => patternMatches(r.pattern, prefix));
  } else if (url.regex) {
    const regex = url.regex;
    hits = pages.all.filter((r) => sampleUrls(r.pattern).some((sample) => regex.test(sample)));
  } else hits = [];
  const exact = hits.filter((r) => !r.pattern.includes("*"));
  // A file router serves a path from its most specific page: a catch-all file (`[...slug]`) only
  // takes what no other page does. A route table's catch-all handler may still run first.
  const routed = (r: RouteDef) => r.kind === "page" && r.host !== undefined;
  const depth = (r: RouteDef) => r.pattern.slice(0, r.pattern.indexOf("*")).split("/").length;
  const deepest = Math.max(0, ...hits.filter((r) => !routed(r)).map(depth));
  const matched =
    url.path === undefined
      ? exact.length > 0
        ? hits.filter((r) => !r.pattern.includes("*") || r.kind === "page")
        : hits
      : exact.length > 0
        ? hits.filter((r) => !r.pattern.includes("*") || routed(r))
        : hits.filter((r) => routed(r) || depth(r) === deepest);
  if (url.path === undefined) return matched;
  if (matched.length > 0) {
    // A file router serves a path from its most specific page: `pages/search.vue` serves /search, not `pages/[type].vue`.
    const files = matched.filter((r) => !routed(r));
    const best = files.reduce<number[] | undefined>((top, r) => {
      const rank = specificity(r.pattern);
      return !top || compareRanks(rank, top) > 0 ? rank : top;
    }, undefined);
    return best
      ? matched.filter((r) => routed(r) || compareRanks(specificity(r.pattern), best) === 0)
      : matched;
  }
  return routes.filter((r) => r.kind === "fallback");
}

/** Per segment of a pattern, how specific it is: a static name, a name with a parameter in it, a parameter, a rest. */
function specificity(pattern: string): number[] {
  return pattern
    .split("/")
    .filter(Boolean)
    .map((s) => (s.startsWith("*") ? 0 : s.startsWith(":") ? 1 : s.includes(":") ? 2 : 3));
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

/**
 * A route list's page routes, indexed by their pattern's first segment: every flow's URLs are
 * matched against every route, hundreds by hundreds, and most patterns can be ruled out by their
 * first segment alone.
 */
interface PageRoutes {
  all: RouteDef[];
  /** The pages that could serve a path, in route order: those whose first segment is the path's, and those that take any. */
  servingFirst(path: string): RouteDef[];
}

const indexed = new WeakMap<readonly RouteDef[], PageRoutes>();

function pageRoutes(routes: readonly RouteDef[]): PageRoutes {
  const known = indexed.get(routes);
  if (known) return known;
  const all = routes.filter((r) => r.kind !== "fallback");
  // First segment → pages (by position in `all`); "" for the root pattern.
  const byFirst = new Map<string, number[]>();
  const any: number[] = [];
  const add = (key: string, at: number) => {
    let list = byFirst.get(key);
    if (!list) {
      list = [];
      byFirst.set(key, list);
    }
    list.push(at);
  };
  all.forEach((route, at) => {
    const first = route.pattern === "*" ? "*" : (route.pattern.split("/").find(Boolean) ?? "");
    if (first.startsWith("*") || first.includes(":") || first.endsWith("?")) any.push(at);
    else {
      add(first, at);
      // `/about.html` also serves `/about` (see patternMatches).
      if (first.endsWith(".html")) add(first.slice(0, -5), at);
    }
  });
  const lookup: PageRoutes = {
    all,
    servingFirst(path) {
      const first = path.split("/").find(Boolean) ?? "";
      const positions = [...(byFirst.get(first) ?? []), ...any].sort((a, b) => a - b);
      return positions.map((at) => all[at] as RouteDef);
    },
  };
  indexed.set(routes, lookup);
  return lookup;
}
