import { type RepositoryRegex, repositoryRegex } from "../../config/index.ts";

/** A page or endpoint of the app and the code that renders it. */
export interface RouteDef {
  /** `/products/:slug`; `*` stands for any rest; the fallback route (404 page) is `*` alone. */
  pattern: string;
  /** Modules (and, for a route table, the export or local function) that handle the route. */
  entries: RouteEntry[];
  /** Files that wrap the route (layouts, error pages, the app shell); any change to them reaches it. */
  layouts: string[];
  kind: "page" | "endpoint" | "fallback";
  /** Where the route is declared, for reasons: `src/routes.ts:26` or `app/cart/page.tsx`. */
  source: string;
  /** The module that wires the route up (route table, server); its import of the entry is not a dependency. */
  host?: string;
  /** The registration's lines in `host`, when it is a table entry. */
  span?: { start: number; end: number };
}

export interface RouteEntry {
  file: string;
  /** An export of `file` (route tables) — or, when the host registers a function of its own, that local name. */
  symbol?: string;
}

export function normalizePattern(pattern: string): string {
  const trimmed = pattern.replace(/\/+$/, "");
  const withSlash = trimmed.startsWith("/") || trimmed === "*" ? trimmed : `/${trimmed}`;
  return withSlash === "" ? "/" : withSlash.replace(/\/+/g, "/") || "/";
}

/** Whether a URL path (no query) is one a route pattern serves. */
export function patternMatches(pattern: string, pathname: string): boolean {
  if (pattern === "*") return true;
  const want = segmentsOf(pattern);
  const got = segmentsOf(pathname);
  for (let i = 0; i < want.length; i++) {
    const segment = want[i] as string;
    if (segment === "*" || segment.startsWith("*")) return true;
    const actual = got[i];
    if (actual === undefined) return segment.endsWith("?");
    if (segment.startsWith(":")) continue;
    if (segment === actual || (segment.endsWith(".html") && segment.slice(0, -5) === actual)) continue;
    if (!segment.includes(":") || !partialSegment(segment).test(actual)) return false;
  }
  return got.length === want.length;
}

// A parameter inside a segment (SvelteKit's `@[user]`, `[slug].html`): `@:user` as a regular expression.
// Under RE2: a file named [a][b][c][d]x makes adjacent [^/]+ that backtrack polynomially in JavaScript.
const partials = new Map<string, RepositoryRegex>();
function partialSegment(segment: string): RepositoryRegex {
  let found = partials.get(segment);
  if (!found) {
    const source = segment
      .split(/(:\w+)/)
      .map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("");
    found = repositoryRegex(`^${source}$`) ?? { source, test: () => false };
    partials.set(segment, found);
  }
  return found;
}

// Every flow's URLs are matched against every route: hundreds by hundreds, the same few strings split again and again.
const segments = new Map<string, readonly string[]>();
function segmentsOf(path: string): readonly string[] {
  let found = segments.get(path);
  if (!found) {
    if (segments.size >= 10_000) segments.clear();
    found = path.split("/").filter(Boolean);
    segments.set(path, found);
  }
  return found;
}

/** A URL for a pattern, for testing a flow's regular expressions against routes. */
export function sampleUrls(pattern: string): string[] {
  if (pattern === "*") return [];
  return [
    pattern.replace(/:[\w]+\??/g, "1").replace(/\*.*$/, "x"),
    pattern.replace(/:[\w]+\??/g, "sample").replace(/\*.*$/, "x/y"),
  ];
}
