import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Document } from "yaml";
import { BlockedUrlError, BrowserPool } from "../capture/index.ts";
import { CONFIG_FILE, FLOWS_DIR, parseFlowFile } from "../config/index.ts";
import { diskTree, listRoutes, patternMatches, type RouteDef } from "../observer/index.ts";
import { resolveUrl } from "../runner/index.ts";
import { type DetectedProject, detectProject } from "./detect-project.ts";
import { type PageReading, readPage } from "./read-page.ts";
import { flowNameForRoute, renderStarterFlow, uniqueName } from "./starter-flow.ts";
import { renderWorkflow } from "./workflow-template.ts";

export const WORKFLOW_FILE = ".github/workflows/perceo.yml";

export interface InitOptions {
  /** The project's folder: where `.perceo/` goes. */
  root: string;
  /** Where the app runs; without it routes are found and listed, and nothing is written. */
  baseUrl?: string;
  /** Warm browsers to open pages in; one is started (and closed) when not given. */
  pool?: BrowserPool;
  /** At most this many pages are opened (default 40). */
  maxPages?: number;
}

/** One route and what init did with it. */
export interface RoutePlan {
  pattern: string;
  /** Where the route is declared (file or file:line). */
  source: string;
  outcome: "written" | "covered" | "skipped" | "found";
  /** The path opened (a parameter filled from a link on another page). */
  path?: string;
  /** The flow written or the one that already covers the route. */
  flow?: string;
  file?: string;
  /** Why skipped, or what the written flow expects. */
  detail?: string;
}

export interface InitResult {
  project: DetectedProject;
  /** The base URL used, or the one the dev command should serve. */
  baseUrl: string;
  routes: RoutePlan[];
  /** Files written, relative to the project folder. */
  written: string[];
  /** Files that were there already and were left alone. */
  kept: string[];
}

/** Something that stops init before it writes anything: nothing answers at the base URL, or it is refused. */
export class InitError extends Error {
  readonly code = "PERCEO_INIT";
}

/**
 * `perceo init`:
 * 1. detect the framework, the dev command and its port; find the routes (the observer's finders)
 * 2. skip routes an existing flow already opens; without a base URL, stop at the list
 * 3. open each page (parameters filled from links found on the others) under the capture SSRF rules
 *    and read its accessibility tree for the main heading, verified to match one visible element
 * 4. write a starter flow per page, `.perceo/config.yml` and `.github/workflows/perceo.yml`, never
 *    overwriting a file
 */
export async function initProject(options: InitOptions): Promise<InitResult> {
  const root = path.resolve(options.root);
  const project = await detectProject(root);
  const routes = pageRoutes(await listRoutes(diskTree(root)));
  const existing = await existingFlows(root);
  let baseUrl = options.baseUrl ?? `http://localhost:${project.port}`;
  const plans: Plan[] = routes.map((route) => {
    const covering = existing.gotos.find(
      (g) => g.path !== undefined && patternMatches(route.pattern, g.path),
    );
    return covering
      ? { pattern: route.pattern, source: route.source, outcome: "covered", flow: covering.flow }
      : { pattern: route.pattern, source: route.source, outcome: "found" };
  });
  const result: InitResult = { project, baseUrl, routes: plans, written: [], kept: [] };
  if (!options.baseUrl) return result;

  await assertAnswers(baseUrl, project);
  const pool = options.pool ?? new BrowserPool({ concurrency: 2, maxBrowsers: 1 });
  try {
    baseUrl = await readPages(plans, baseUrl, pool, options.maxPages ?? 40);
    result.baseUrl = baseUrl;
  } finally {
    if (!options.pool) await pool.close();
  }
  const taken = new Set(existing.names);
  const flows: Array<{ file: string; text: string }> = [];
  for (const plan of plans) {
    if (plan.outcome !== "found" || !plan.reading || plan.path === undefined) continue;
    const name = uniqueName(flowNameForRoute(plan.pattern), taken);
    taken.add(name);
    const file = path.join(FLOWS_DIR, `${name}.yml`);
    flows.push({
      file,
      text: renderStarterFlow({
        name,
        path: plan.path,
        reading: plan.reading,
        priority: plan.pattern === "/" ? "high" : "medium",
      }),
    });
    Object.assign(plan, {
      outcome: "written",
      flow: name,
      file,
      detail: plan.reading.heading
        ? `heading "${plan.reading.heading.name}"`
        : plan.reading.title
          ? `title "${plan.reading.title}" (no heading found)`
          : "no heading or title found: only a screenshot",
    });
    delete plan.reading;
  }
  for (const plan of plans) delete plan.reading;

  // Without a flow, a config alone would not load ("no flows found"): write nothing then.
  if (flows.length === 0 && existing.names.length === 0) return result;
  const write = async (file: string, text: string, base = root) => {
    const target = path.join(base, file);
    const shown = path.relative(root, target) || file;
    if (existsSync(target)) {
      result.kept.push(shown);
      return;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text, { flag: "wx" });
    result.written.push(shown);
  };
  await write(CONFIG_FILE, renderConfig(project, baseUrl));
  for (const flow of flows) await write(flow.file, flow.text);
  const repoRoot = findRepositoryRoot(root) ?? root;
  const projectDir = path.relative(repoRoot, root).split(path.sep).join("/");
  await write(WORKFLOW_FILE, renderWorkflow({ project, baseUrl, projectDir }), repoRoot);
  return result;
}

type Plan = RoutePlan & { reading?: PageReading };

/** Opens the pages; returns the base URL they were opened under (the app's own, when `/` redirects into a folder). */
async function readPages(
  plans: Plan[],
  typedBaseUrl: string,
  pool: BrowserPool,
  maxPages: number,
): Promise<string> {
  // The base URL a person typed is the one private address these visits may open (as allowedTargets).
  const allowedTargets = [new URL(typedBaseUrl).origin];
  const baseUrl = await servedUnder(typedBaseUrl, plans, { pool, allowedTargets });
  const base = new URL(baseUrl);
  let opened = 0;
  const links = new Set<string>();
  const visit = async (plan: Plan, target: string) => {
    if (opened >= maxPages) {
      Object.assign(plan, { outcome: "skipped", detail: `more than ${maxPages} pages; run init again` });
      return;
    }
    opened++;
    plan.path = target;
    let reading: PageReading;
    try {
      reading = await readPage(resolveUrl(baseUrl, target), { pool, allowedTargets });
    } catch (error) {
      if (error instanceof BlockedUrlError) {
        Object.assign(plan, { outcome: "skipped", detail: error.message });
        return;
      }
      Object.assign(plan, { outcome: "skipped", detail: firstLine(error) });
      return;
    }
    for (const link of reading.links) links.add(link);
    const landed = appPath(base, reading.finalUrl);
    if (reading.status >= 400)
      Object.assign(plan, { outcome: "skipped", detail: `answered ${reading.status}` });
    else if (!reading.html) Object.assign(plan, { outcome: "skipped", detail: "not an HTML page" });
    else if (landed === undefined)
      Object.assign(plan, { outcome: "skipped", detail: `left the app for ${reading.finalUrl}` });
    else if (!patternMatches(plan.pattern, landed.split("?")[0] as string))
      Object.assign(plan, { outcome: "skipped", detail: `redirects to ${landed} (signed-in page?)` });
    else {
      // Where the page settled (`/about.html` served as `/about`): the flow opens it without a redirect.
      plan.path = landed;
      plan.reading = reading;
    }
  };

  const open = plans.filter((p) => p.outcome === "found");
  const fixed = open.filter((p) => !hasParameter(p.pattern));
  await Promise.all(fixed.map((p) => visit(p, p.pattern)));
  for (const plan of open.filter((p) => hasParameter(p.pattern))) {
    const sample = [...links]
      .map((link) => appPath(base, link))
      .find((p) => p !== undefined && patternMatches(plan.pattern, p.split("?")[0] as string));
    if (sample) await visit(plan, sample.split("?")[0] as string);
    else
      Object.assign(plan, {
        outcome: "skipped",
        detail: "needs a value for its parameter; no link on the pages opened leads to one",
      });
  }
  return baseUrl;
}

/**
 * An app served under a folder (Vite's `base`, Next's `basePath`) answers `/` with a redirect into
 * it; when the typed base URL has no path and `/` lands in a folder no route serves, that folder is
 * the app's base URL.
 */
async function servedUnder(
  baseUrl: string,
  plans: readonly Plan[],
  options: { pool: BrowserPool; allowedTargets: string[] },
): Promise<string> {
  const base = new URL(baseUrl);
  if (base.pathname !== "/") return baseUrl;
  const landed = await readPage(base.href, options).then(
    (reading) => new URL(reading.finalUrl),
    () => undefined,
  );
  if (!landed || landed.origin !== base.origin || !/^\/.+\/$/.test(landed.pathname)) return baseUrl;
  if (plans.some((p) => p.pattern !== "/" && patternMatches(p.pattern, landed.pathname))) return baseUrl;
  return `${base.origin}${landed.pathname.replace(/\/$/, "")}`;
}

/** Pages a person opens: not endpoints or the not-found page, each pattern once, `/` first. */
function pageRoutes(routes: readonly RouteDef[]): RouteDef[] {
  const byPattern = new Map<string, RouteDef>();
  for (const route of routes) {
    if (route.kind !== "page" || byPattern.has(route.pattern)) continue;
    if (/^\/api(\/|$)/.test(route.pattern)) continue;
    byPattern.set(route.pattern, route);
  }
  return [...byPattern.values()].sort((a, b) =>
    a.pattern === "/" ? -1 : b.pattern === "/" ? 1 : a.pattern.localeCompare(b.pattern),
  );
}

function hasParameter(pattern: string): boolean {
  return /(^|\/)(:|\*)/.test(pattern);
}

/** The path and query of `url` inside the app at `base` (its path prefix removed); undefined when elsewhere. */
function appPath(base: URL, url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.origin !== base.origin) return undefined;
  const prefix = base.pathname.replace(/\/$/, "");
  if (prefix && !parsed.pathname.startsWith(prefix)) return undefined;
  return `${parsed.pathname.slice(prefix.length) || "/"}${parsed.search}`;
}

async function existingFlows(root: string): Promise<{
  names: string[];
  gotos: Array<{ flow: string; path: string | undefined }>;
}> {
  const dir = path.join(root, FLOWS_DIR);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((n) => /\.ya?ml$/.test(n));
  const names: string[] = [];
  const gotos: Array<{ flow: string; path: string | undefined }> = [];
  for (const file of files) {
    names.push(file.replace(/\.ya?ml$/, ""));
    const text = await readFile(path.join(dir, file), "utf8");
    const { flow } = parseFlowFile({ path: file, text }, {}, false);
    if (!flow) continue;
    names.push(flow.name);
    const first = flow.steps.find((s) => "goto" in s);
    if (first && "goto" in first)
      gotos.push({
        flow: flow.name,
        path: /^https?:/.test(first.goto) ? undefined : first.goto.split("?")[0],
      });
  }
  return { names, gotos };
}

function renderConfig(project: DetectedProject, baseUrl: string): string {
  return [
    "# Written by perceo init. The flows are in .perceo/flows/; run them with `npx perceo run --all`.",
    `# Start the app first: ${project.devCommand} (from ${project.devCommandSource}).`,
    `project: ${new Document(project.name).toString().trim()}`,
    `baseUrl: ${baseUrl}`,
    "",
  ].join("\n");
}

/** The base URL is the address a person typed for their own app: asked directly, before any browser starts. */
async function assertAnswers(baseUrl: string, project: DetectedProject): Promise<void> {
  try {
    await fetch(baseUrl, { redirect: "manual", signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new InitError(
      `nothing answers at ${baseUrl} (${cause}): start the app first (${project.devCommand}), then run perceo init again`,
    );
  }
}

function findRepositoryRoot(start: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, ".git"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
