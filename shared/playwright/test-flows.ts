import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { type LoadedFlow, PRIORITIES, type Priority, type Step } from "../config/index.ts";
import type { SourceLocation } from "../runner/index.ts";
import type { ListedTest, TestListing } from "./list-tests.ts";
import {
  fileLevelImports,
  type ParsedModule,
  parseModule,
  reachOfTest,
  type TestUrl,
  testBody,
} from "./spec-facts.ts";

/*
 * Each listed Playwright test becomes a flow. Its name comes from the spec's path and the test's
 * title path (not its line: moving a test keeps its name, and coverage and history stay with it).
 * Priority and tags come from Playwright tags (`@critical`, `{ tag: [...] }`) or a `perceo.priority`
 * annotation; `covers` from `perceo.covers` annotations. The spec's source (parsed with oxc) adds the
 * URLs the test opens, the words it names and the local modules it uses.
 */

const DEFAULT_PRIORITY: Priority = "medium";
const MAX_NAME = 72;
const JS_TO_TS: Record<string, string[]> = {
  ".js": [".ts", ".tsx"],
  ".jsx": [".tsx"],
  ".mjs": [".mts"],
  ".cjs": [".cts"],
};
const CODE_EXTENSIONS = [".ts", ".tsx", ".mts", ".js", ".jsx", ".mjs", ".cjs", ".cts"];

export async function testFlows(listing: TestListing, options: { cwd: string }): Promise<LoadedFlow[]> {
  const show = (file: string) => toPosix(path.relative(options.cwd, file)) || file;
  const config = show(listing.configFile);
  const baseURL = listing.baseURL ?? "http://localhost/";
  const bySpec = new Map<string, ListedTest[]>();
  for (const test of listing.tests) {
    const list = bySpec.get(test.file) ?? [];
    list.push(test);
    bySpec.set(test.file, list);
  }
  const flows: LoadedFlow[] = [];
  const modules = new Map<string, Promise<ParsedModule | undefined>>();
  const load = (file: string) => {
    let known = modules.get(file);
    if (!known) {
      known = readFile(file, "utf8").then(
        (text) => parseModule(file, text),
        () => undefined,
      );
      modules.set(file, known);
    }
    return known;
  };

  for (const [file, tests] of bySpec) {
    const spec = await load(file);
    const unreadable = !spec
      ? "it could not be read"
      : spec.parseError
        ? `oxc could not parse it (${spec.parseError})`
        : undefined;
    const closure = spec && !unreadable ? await importClosure(spec, load) : new Map<string, string[]>();
    const parsed = new Map<string, ParsedModule>();
    for (const dependency of closure.keys()) {
      const module = await load(dependency);
      if (module && !module.parseError) parsed.set(dependency, module);
    }
    const calls = tests.map((t) => (spec && !unreadable ? callAt(spec, t) : undefined));
    const bodies = calls.flatMap((c) => (c ? [testBody(c)] : []));
    const fileLevel =
      spec && !unreadable
        ? fileLevelImports(spec, bodies).flatMap((i) => {
            const target = resolveImport(file, i.specifier);
            return target ? [target] : [];
          })
        : [];
    const specTests = calls.flatMap((c) => (c && spec ? [linesOf(spec, c)] : []));
    tests.forEach((test, index) => {
      const call = calls[index];
      const reach =
        spec && call
          ? reachOfTest(spec, call, parsed, closure, fileLevel)
          : {
              urls: [],
              words: [],
              modules: [...closure.entries()].map(([f, chain]) => ({ file: f, chain })),
            };
      const { steps, stepLocations } = urlSteps(reach.urls, baseURL, show);
      const lines = call && spec ? linesOf(spec, call) : { start: test.line, end: test.line };
      flows.push({
        name: "",
        description: [...test.titlePath].join(" › "),
        priority: priorityOf(test),
        tags: test.tags.filter((t) => !PRIORITIES.includes(t.toLowerCase() as Priority)),
        covers: coversOf(test),
        viewport: "desktop",
        steps,
        stepLocations,
        file: show(test.file),
        test: {
          titlePath: test.titlePath,
          listEntry: [test.rootFile, ...test.titlePath].join(" › "),
          config,
          lines,
          specTests,
          imports: reach.modules.map((m) => ({
            file: show(m.file),
            chain: m.chain.map((c) => (c.startsWith("#") ? c.replace(/\.constructor$/, "") : show(c))),
          })),
          words: reach.words,
          projects: test.projects,
          ...(unreadable ? { unreadable } : {}),
        },
      });
    });
  }
  for (const broken of listing.broken) {
    flows.push({
      name: "",
      description: `${toPosix(path.basename(broken.file))} (Playwright could not load it)`,
      priority: DEFAULT_PRIORITY,
      tags: [],
      covers: [],
      viewport: "desktop",
      steps: [],
      stepLocations: [],
      file: show(broken.file),
      test: {
        titlePath: [],
        listEntry: broken.rootFile,
        config,
        lines: { start: 1, end: broken.line ?? 1 },
        specTests: [],
        imports: [],
        words: [],
        projects: listing.projects.map((p) => p.name),
        unreadable: `Playwright could not load it: ${broken.message}`,
      },
    });
  }
  nameFlows(flows);
  return flows;
}

/** Stable, unique names: `<spec path>--<title path>`, slugged; a hash of the title path settles collisions. */
function nameFlows(flows: LoadedFlow[]): void {
  const base = (flow: LoadedFlow) => {
    const entry = flow.test?.listEntry ?? flow.file;
    const [file = "", ...titles] = entry.split(" › ");
    const fileSlug = slug(file.replace(/\.(spec|test)\.[cm]?[jt]sx?$|\.[cm]?[jt]sx?$/, ""));
    const titleSlugs = titles.map(slug).filter(Boolean);
    if (titleSlugs[0] === fileSlug.split("-").at(-1)) titleSlugs.shift();
    const name = [fileSlug, titleSlugs.join("-")].filter(Boolean).join("--") || "test";
    return name.length <= MAX_NAME
      ? name
      : `${name.slice(0, MAX_NAME - 7).replace(/-+$/, "")}-${hash(entry)}`;
  };
  const counts = new Map<string, number>();
  for (const flow of flows) {
    flow.name = base(flow);
    counts.set(flow.name, (counts.get(flow.name) ?? 0) + 1);
  }
  for (const flow of flows)
    if ((counts.get(flow.name) ?? 0) > 1)
      flow.name = `${flow.name}-${hash(flow.test?.listEntry ?? flow.file)}`;
}

function slug(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/['’]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 6);
}

function priorityOf(test: ListedTest): Priority {
  const annotated = test.annotations
    .find((a) => a.type === "perceo.priority")
    ?.description?.trim()
    .toLowerCase();
  if (annotated && PRIORITIES.includes(annotated as Priority)) return annotated as Priority;
  for (const priority of PRIORITIES) if (test.tags.some((t) => t.toLowerCase() === priority)) return priority;
  return DEFAULT_PRIORITY;
}

function coversOf(test: ListedTest): string[] {
  return test.annotations
    .filter((a) => a.type === "perceo.covers" && a.description)
    .flatMap((a) => (a.description as string).split(/[\s,]+/))
    .filter(Boolean);
}

/** A test's URLs as the goto and expect-url steps the observer reads, located in their source. */
function urlSteps(
  urls: readonly TestUrl[],
  baseURL: string,
  show: (file: string) => string,
): { steps: Step[]; stepLocations: SourceLocation[] } {
  const steps: Step[] = [];
  const stepLocations: SourceLocation[] = [];
  const seen = new Set<string>();
  for (const url of urls) {
    let step: Step | undefined;
    if (url.kind === "regex") {
      step = { expect: { url: { matches: url.value } } };
      // `/\/orders\/\d+$/` also names a path a route can serve: /orders/1.
      const sample = regexPath(url.value);
      if (sample && !seen.has(sample)) {
        seen.add(sample);
        steps.push({ expect: { url: sample } });
        stepLocations.push({ file: show(url.file), line: url.line, col: 1 });
      }
    } else {
      const resolved = resolveUrl(url.value, baseURL);
      if (resolved)
        step = url.kind === "path" ? { goto: resolved } : { expect: { url: { contains: resolved } } };
    }
    if (!step) continue;
    const key = JSON.stringify(step);
    if (seen.has(key)) continue;
    seen.add(key);
    steps.push(step);
    stepLocations.push({ file: show(url.file), line: url.line, col: 1 });
  }
  return { steps, stepLocations };
}

/**
 * The path a URL regex like `\/orders\/\d+$` spells, with its digit and segment classes filled in
 * (`/orders/1`); undefined for one that is not a path (`q=lamp`, alternations, groups).
 */
function regexPath(source: string): string | undefined {
  const text = source
    .replace(/^\^/, "")
    .replace(/\$$/, "")
    .replace(/^(https?:\\\/\\\/)?[^/\\]*(?=\\\/)/, "")
    .replace(/\\d[+*]|\[0-9\][+*]|\\d\{\d+(,\d*)?\}/g, "1")
    .replace(/\[\^\\?\/\][+*]|\.[+*]/g, "x")
    .replace(/\\([/.\-?])/g, "$1");
  return /^\/[\w\-./]*$/.test(text) ? text : undefined;
}

/** A URL as Playwright resolves it against `use.baseURL`: the path and query it opens. */
function resolveUrl(value: string, baseURL: string): string | undefined {
  try {
    const url = new URL(value, baseURL);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    return `${url.pathname}${url.search}`;
  } catch {
    return undefined;
  }
}

/** The test's own call: by the line and column Playwright reports, else the first call on that line. */
function callAt(spec: ParsedModule, test: ListedTest) {
  const exact = spec.calls.get(spec.offsetOf(test.line, test.column));
  if (exact) return exact;
  for (const [offset, call] of spec.calls) if (spec.lineOf(offset) === test.line) return call;
  return undefined;
}

function linesOf(spec: ParsedModule, node: { start: number; end: number }) {
  return { start: spec.lineOf(node.start), end: spec.lineOf(Math.max(node.start, node.end - 1)) };
}

/** Every local module the spec imports, directly or through others, with the import path from the spec. */
async function importClosure(
  spec: ParsedModule,
  load: (file: string) => Promise<ParsedModule | undefined>,
): Promise<Map<string, string[]>> {
  const chains = new Map<string, string[]>();
  const queue: ParsedModule[] = [spec];
  const chainOf = (file: string) => chains.get(file) ?? [file];
  while (queue.length > 0) {
    const module = queue.shift() as ParsedModule;
    for (const imported of module.imports) {
      const target = resolveImport(module.file, imported.specifier);
      if (
        !target ||
        target === spec.file ||
        chains.has(target) ||
        target.includes(`${path.sep}node_modules${path.sep}`)
      )
        continue;
      chains.set(target, [...chainOf(module.file), target]);
      const parsed = await load(target);
      if (parsed && !parsed.parseError) queue.push(parsed);
    }
  }
  return chains;
}

function resolveImport(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  const candidates = [base];
  const ext = path.extname(base);
  const typescript = JS_TO_TS[ext];
  if (typescript) candidates.push(...typescript.map((e) => base.slice(0, -ext.length) + e));
  candidates.push(
    ...CODE_EXTENSIONS.map((e) => base + e),
    ...CODE_EXTENSIONS.map((e) => path.join(base, `index${e}`)),
  );
  return candidates.find((c) => langOfFile(c) && existsSync(c));
}

function langOfFile(file: string): boolean {
  return CODE_EXTENSIONS.includes(path.extname(file)) && !file.endsWith(".d.ts");
}

function toPosix(file: string): string {
  return file.split(path.sep).join("/");
}
