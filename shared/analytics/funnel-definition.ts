import {
  type Flow,
  type RepositoryRegex,
  repositoryRegex,
  type Step,
  type TextMatcher,
} from "../config/index.ts";

/*
 * A funnel is the part of a flow production analytics can see: the pages it opens and the named
 * events it fires, in order. When a run of the flow was recorded (`perceo run --coverage`), the
 * pages it really visited are the funnel: a click to /login and one to /signup are different
 * funnels. Otherwise clicks and fills leave no trace, so the funnel is the flow's `goto` steps plus
 * the URLs its `waitFor`/`expect` steps insist on.
 */

/** One step of a funnel: a page (exact path, path pattern, or text in path+query) or a named event. */
export type FunnelStep =
  | { kind: "page"; path: string; query: string[] }
  | { kind: "route"; pattern: string }
  | { kind: "url-contains"; text: string }
  | { kind: "url-matches"; regex: string }
  | { kind: "url-equals"; url: string }
  | { kind: "event"; name: string };

export interface FunnelDefinition {
  name: string;
  steps: FunnelStep[];
}

export interface FunnelOptions {
  /**
   * Route patterns such as `/products/:slug`. A `goto` whose path fits one matches every page of
   * that route, so a shopper who buys another product still counts as a checkout.
   */
  routes?: readonly string[];
  /**
   * A recorded coverage map (`.perceo/coverage.json`): per flow, the documents its run visited, in
   * order. A flow with a recording gets its funnel from those URLs; the others from their steps.
   */
  coverage?: { flows: Readonly<Record<string, { urls: readonly string[] }>> };
}

/** The funnel of each flow that opens at least one page; flows with no visible step are left out. */
export function funnelsFromFlows(
  flows: ReadonlyArray<Pick<Flow, "name" | "steps">>,
  options: FunnelOptions = {},
): FunnelDefinition[] {
  const funnels: FunnelDefinition[] = [];
  const routes = options.routes ?? [];
  for (const flow of flows) {
    const recorded = visitedSteps(options.coverage?.flows[flow.name]?.urls ?? [], routes);
    if (recorded.length > 0) {
      funnels.push({ name: flow.name, steps: recorded });
      continue;
    }
    const steps: FunnelStep[] = [];
    for (const step of flow.steps) {
      const visible = visibleStep(step, routes);
      if (!visible) continue;
      const last = steps.at(-1);
      // Asserting the URL the previous goto opened is the same page view, not a second one.
      if (last && coversSamePage(last, visible)) continue;
      steps.push(visible);
    }
    if (steps.length > 0) funnels.push({ name: flow.name, steps });
  }
  return funnels;
}

function visibleStep(step: Step, routes: readonly string[]): FunnelStep | undefined {
  if ("goto" in step) return gotoStep(step.goto, routes);
  if ("waitFor" in step && "url" in step.waitFor) return urlStep(step.waitFor.url as TextMatcher);
  if ("expect" in step && "url" in step.expect) return urlStep(step.expect.url as TextMatcher);
  return undefined;
}

/**
 * The page steps of the URLs a recorded run visited, on the origin it started on (analytics sees one
 * site). A reload or a change of hash is the same step.
 */
function visitedSteps(urls: readonly string[], routes: readonly string[]): FunnelStep[] {
  const steps: FunnelStep[] = [];
  let origin: string | undefined;
  for (const url of urls) {
    const match = /^https?:\/\/[^/?#]+/i.exec(url);
    if (!match) continue;
    origin ??= match[0].toLowerCase();
    if (match[0].toLowerCase() !== origin) continue;
    const step = gotoStep(url, routes);
    const last = steps.at(-1);
    if (last && describeStep(last) === describeStep(step)) continue;
    steps.push(step);
  }
  return steps;
}

/** A page opened: its route when one fits (or its ids make one), else the exact path and query. */
function gotoStep(target: string, routes: readonly string[]): FunnelStep {
  const { path, query } = splitUrl(target);
  const route = routes.find((pattern) => routeFits(pattern, path));
  if (route?.includes(":")) return { kind: "route", pattern: route };
  const template = pathTemplate(path);
  if (template !== path) return { kind: "route", pattern: template };
  return { kind: "page", path, query };
}

/** `/orders/1042` → `/orders/:id`: ids do not make separate pages. */
export function pathTemplate(path: string): string {
  return path
    .split("/")
    .map((part) => (/^\d+$/.test(part) || /^[0-9a-f-]{16,}$/i.test(part) ? ":id" : part))
    .join("/");
}

function urlStep(matcher: TextMatcher): FunnelStep {
  if (typeof matcher === "string") return { kind: "url-equals", url: stripOrigin(matcher) };
  if ("equals" in matcher) return { kind: "url-equals", url: stripOrigin(matcher.equals) };
  if ("contains" in matcher) return { kind: "url-contains", text: matcher.contains };
  return { kind: "url-matches", regex: matcher.matches };
}

function coversSamePage(previous: FunnelStep, next: FunnelStep): boolean {
  if (previous.kind !== "page") return false;
  const url = previous.query.length ? `${previous.path}?${previous.query.join("&")}` : previous.path;
  return stepMatchesUrl(next, url);
}

/** Path (no trailing slash, at least `/`) and `k=v` query parts of a URL or a path. */
export function splitUrl(url: string): { path: string; query: string[] } {
  const local = stripOrigin(url);
  const hash = local.indexOf("#");
  const noHash = hash >= 0 ? local.slice(0, hash) : local;
  const q = noHash.indexOf("?");
  let path = q >= 0 ? noHash.slice(0, q) : noHash;
  if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  if (path === "") path = "/";
  const query =
    q >= 0
      ? noHash
          .slice(q + 1)
          .split("&")
          .filter(Boolean)
      : [];
  return { path, query };
}

/** `https://shop.example/cart?x=1` → `/cart?x=1`; a path stays as it is. */
export function stripOrigin(url: string): string {
  const scheme = url.indexOf("://");
  if (scheme < 0 || scheme > 10) return url;
  const slash = url.indexOf("/", scheme + 3);
  return slash < 0 ? "/" : url.slice(slash);
}

export function routeFits(pattern: string, path: string): boolean {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return false;
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? "";
    const g = got[i] ?? "";
    if (w.startsWith(":")) {
      if (g === "") return false;
    } else if (w !== g) return false;
  }
  return true;
}

/** Whether a page view of `url` (a path with its query, origin stripped) satisfies a page step. */
export function stepMatchesUrl(step: FunnelStep, url: string): boolean {
  switch (step.kind) {
    case "page": {
      const actual = splitUrl(url);
      return actual.path === step.path && step.query.every((part) => actual.query.includes(part));
    }
    case "route":
      return routeFits(step.pattern, splitUrl(url).path);
    case "url-equals":
      return url === step.url || splitUrl(url).path === splitUrl(step.url).path;
    case "url-contains":
      return url.includes(step.text);
    case "url-matches": {
      const regex = compiledRegex(step.regex);
      return regex !== undefined && (regex.test(url) || regex.test(splitUrl(url).path));
    }
    case "event":
      return false;
  }
}

// A flow's regex against production URLs, in the App's job thread: RE2, linear in the URL.
const regexCache = new Map<string, RepositoryRegex | undefined>();
function compiledRegex(source: string): RepositoryRegex | undefined {
  if (!regexCache.has(source)) {
    if (regexCache.size >= 1000) regexCache.clear(); // the App serves many repositories
    regexCache.set(source, repositoryRegex(source));
  }
  return regexCache.get(source);
}

/**
 * How a step reads to a person: `/cart`, `/orders/:id` (for `^/orders/\d+$`),
 * `/products?category=Furniture` (for a URL containing `category=Furniture` after `/products`),
 * `event signup_completed`. A pattern that names no page keeps its machine form.
 */
export function describeStep(step: FunnelStep, previous?: FunnelStep): string {
  switch (step.kind) {
    case "page":
      return step.query.length ? `${step.path}?${step.query.join("&")}` : step.path;
    case "route":
      return step.pattern;
    case "url-equals":
      return step.url;
    case "url-contains":
      return containsLabel(step.text, previous);
    case "url-matches":
      return regexRoute(step.regex) ?? `URL matching ${step.regex}`;
    case "event":
      return `event ${step.name}`;
  }
}

/** Every step of a funnel described, each in the light of the one before. */
export function describeSteps(steps: readonly FunnelStep[]): string[] {
  return steps.map((step, i) => describeStep(step, i > 0 ? steps[i - 1] : undefined));
}

function containsLabel(text: string, previous: FunnelStep | undefined): string {
  if (text.startsWith("/")) return `${text}…`;
  const page = previous ? pagePath(previous) : undefined;
  if (/^[\w.~%-]+=[^&#]*$/.test(text) && page) return `${page}?${text}`;
  return `URL containing ${text}`;
}

/** The path a step stands on, when it names one. */
function pagePath(step: FunnelStep): string | undefined {
  switch (step.kind) {
    case "page":
      return step.path;
    case "route":
      return step.pattern;
    case "url-equals":
      return splitUrl(step.url).path;
    case "url-matches":
      return regexRoute(step.regex);
    default:
      return undefined;
  }
}

// Regex pieces that stand for one path segment, and the parameter name each becomes.
const SEGMENT_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\\d\+|\\d\{\d+(,\d*)?\}|\[0-9\]\+/g, ":id"],
  [/\[\^\/\]\+|\[\^\\\/\]\+|\\w\+|\.\+|\[[a-zA-Z0-9_\\-]+\]\+/g, ":param"],
];

/** `^/orders/\d+$` → `/orders/:id`; undefined when the regex is more than a path with parameters. */
function regexRoute(regex: string): string | undefined {
  let text = regex.replace(/^\^/, "").replace(/\/\?\$$|\$$/, "");
  for (const [pattern, name] of SEGMENT_PATTERNS) text = text.replace(pattern, name);
  text = text.replace(/\\([/.-])/g, "$1");
  if (!text.startsWith("/") || /[\\()[\]{}*+?|^$]/.test(text)) return undefined;
  return text;
}
