import path from "node:path";
import type { LoadedFlow, PerceoConfig } from "../config/index.ts";
import { repositoryGlobMatcher } from "../config/repository-glob.ts";
import { analyseImpact, type ChangeSeed, type RouteHit } from "./change-impact.ts";
import { changedBaseLines, changedLines, formatRanges } from "./diff.ts";
import type { FactsCache } from "./facts-cache.ts";
import { buildModuleGraph, type GraphModule, type ModuleGraph, TEST_FILE } from "./module-graph.ts";
import { estimateRisk, historyReason, summariseHistory } from "./risk.ts";
import { riskFeatures } from "./risk-features.ts";
import { type ProjectRiskModel, projectRiskModel, type RecordedOutcome } from "./risk-model.ts";
import { discoverRoutes } from "./routes/discover-routes.ts";
import { flowUrls, routesForUrl } from "./routes/flow-urls.ts";
import { normalizePattern, patternMatches, type RouteDef } from "./routes/route.ts";
import { changeKindOf, type FileChange, typesOnly, unselectedKind } from "./signals/change-kind.ts";
import { coverageReasons } from "./signals/coverage.ts";
import { coversReasons } from "./signals/covers.ts";
import { adviceReasons, buildAdviceRequest, type FlowAdvisor } from "./signals/llm.ts";
import { buildInputReason, ignoredBy, runAllReason } from "./signals/run-all.ts";
import { testSourceReasons } from "./signals/tests.ts";
import { flowNamesText } from "./signals/text-edits.ts";
import type { SourceTree } from "./source-tree.ts";
import type {
  ChangedFile,
  CoverageMap,
  FlowImpact,
  FlowRunRecord,
  LineRange,
  Reason,
  Selection,
  UnreachedChange,
} from "./types.ts";

export interface SelectionInput {
  changes: readonly ChangedFile[];
  flows: readonly LoadedFlow[];
  /** The folder holding `.perceo/`, relative to the repository root ("" for the root). */
  projectDir?: string;
  /** The repository's files at head; without it only covers globs, global files and coverage apply. */
  tree?: SourceTree;
  settings?: PerceoConfig["observer"];
  coverage?: CoverageMap;
  history?: readonly FlowRunRecord[];
  /** The project's past predictions with their results (Store.listScoredPredictions): they refit the risk model. */
  outcomes?: readonly RecordedOutcome[];
  /** Consulted only when given (the CLI and the App pass one when ANTHROPIC_API_KEY is set). */
  advisor?: FlowAdvisor;
  /** Parsed modules from earlier selections, by content; the caller saves it. */
  cache?: FactsCache;
}

const MAX_REASONS_PER_FLOW = 8;

/**
 * Which flows a change can break, why, and how likely.
 * 1. drop ignored files; a global file (lockfile, build config, Perceo config) selects every flow
 * 2. covers globs and recorded coverage
 * 3. the import graph: changed lines → the routes whose code uses them → the flows that visit those routes
 * 4. the advisor (Claude) may add flows, never remove one
 * 5. score, select, and estimate each selected flow's risk from the evidence and its history
 */
export async function selectAffectedFlows(input: SelectionInput): Promise<Selection> {
  const started = performance.now();
  const since = stopwatch();
  // git lists the tree (and the blob ids the facts cache is keyed by) while the changes are read.
  input.tree?.list().catch(() => undefined);
  if (input.cache) input.tree?.blobIds?.().catch(() => undefined);
  input.cache?.open?.();
  const projectDir = (input.projectDir ?? "").replace(/^\.\/?|\/$/g, "");
  const settings = input.settings;
  const reasons = new Map<string, Reason[]>(input.flows.map((f) => [f.name, []]));
  const add = (flow: string, reason: Reason) => reasons.get(flow)?.push(reason);
  const unreached: UnreachedChange[] = [];
  const warnings: string[] = [];
  const reachedFiles = new Set<string>();

  // 1. ignored and global files; what each diff changes (formatting or comments alone change nothing)
  const considered: Array<{ change: ChangedFile; lines?: LineRange[]; baseLines?: LineRange[] }> = [];
  const kinds = new Map<string, FileChange>();
  let runAll: Reason | undefined;
  for (const change of input.changes) {
    const glob = ignoredBy(settings?.ignore ?? [], change.path, projectDir);
    if (glob) {
      unreached.push({ file: change.path, why: `ignored by observer.ignore "${glob}"` });
      continue;
    }
    const kind = changeKindOf(change);
    const nothing = unselectedKind(kind.kind);
    if (nothing) {
      unreached.push({ file: change.path, why: nothing });
      continue;
    }
    kinds.set(change.path, kind);
    const lines = change.patch && !change.binary ? changedLines(change.patch) : undefined;
    const baseLines =
      change.status === "modified" && change.patch && !change.binary
        ? changedBaseLines(change.patch)
        : undefined;
    const entry = {
      change,
      ...(lines && lines.length > 0 ? { lines } : {}),
      ...(baseLines && baseLines.length > 0 ? { baseLines } : {}),
    };
    considered.push(entry);
    if (!runAll) {
      const text =
        path.posix.basename(change.path) === "package.json" ? await input.tree?.read(change.path) : undefined;
      runAll = runAllReason(change, entry.lines, projectDir, settings?.runAllWhen ?? [], text);
      if (runAll) reachedFiles.add(change.path);
    }
  }
  if (runAll) for (const flow of input.flows) add(flow.name, runAll);

  // 2. the flow files themselves, covers globs, recorded coverage
  const changedPaths = new Map(considered.map((entry) => [entry.change.path, entry]));
  for (const flow of input.flows) {
    // A Playwright test's spec holds other tests too: testSourceReasons tells them apart.
    const own = flow.test
      ? undefined
      : (changedPaths.get(flowFilePath(flow.file, projectDir)) ?? changedPaths.get(flow.file));
    if (own)
      add(flow.name, {
        signal: "covers",
        file: own.change.path,
        detail: `the flow's own file ${own.change.path} changed`,
        weight: 1,
      });
    for (const reason of [
      ...coversReasons(flow, considered, projectDir),
      ...coverageReasons(flow.name, input.coverage, considered),
      ...testSourceReasons(flow, considered, projectDir),
    ]) {
      add(flow.name, reason);
      if (reason.file) reachedFiles.add(reason.file);
    }
  }

  const changesMs = since();

  // 3. the import graph and routes
  let graphStats = { modules: 0, analysed: 0, routes: 0 };
  let phasesMs: Selection["stats"]["phasesMs"];
  if (input.tree) {
    const files = await input.tree.list();
    const listing = since();
    const graph = await buildModuleGraph({
      tree: input.tree,
      appDir: projectDir,
      ignore: settings?.ignore ?? [],
      files,
      ...(input.cache ? { cache: input.cache } : {}),
    });
    const graphMs = since();
    const packageJson = await input.tree.read(projectDir ? `${projectDir}/package.json` : "package.json");
    const index = discoverRoutes(graph, {
      appDir: projectDir,
      ...(packageJson !== undefined ? { packageJson } : {}),
      configured: settings?.routes ?? [],
    });
    const routesMs = since();
    const owned = considered.filter((entry) => ownedByCoverage(entry, input.coverage, graph));
    const ownedEntries = new Set(owned);
    const seeds = considered
      .filter((entry) => !ownedEntries.has(entry))
      .flatMap(({ change, lines }) => seedsFor(change, lines, graph.files, files));
    const impact = analyseImpact(graph, index, seeds);
    phasesMs = { changes: changesMs, listing, graph: graphMs, routes: routesMs, walk: since() };
    const unparsed = unparsedModules(graph);
    if (unparsed) warnings.push(unparsed);
    graphStats = {
      modules: graph.modules.size,
      analysed: impact.modulesTouched,
      routes: index.routes.length,
    };
    const routesByFlow = new Map<string, Array<{ route: RouteDef; url: string }>>();
    for (const flow of input.flows) {
      const visits: Array<{ route: RouteDef; url: string }> = impliedByCovers(
        flow,
        index.routes,
        graph.files,
        projectDir,
      );
      for (const url of flowUrls(flow, input.coverage?.flows[flow.name]?.urls ?? [])) {
        for (const route of routesForUrl(url, index.routes)) {
          visits.push({ route, url: `${url.path ?? url.prefix ?? url.regex?.source} (${url.from})` });
        }
      }
      routesByFlow.set(flow.name, visits);
    }
    // Route → the flows that visit it, each with its first visit: hundreds of hits by hundreds of flows.
    const visitorsOf = new Map<RouteDef, Map<string, { flow: LoadedFlow; url: string }>>();
    for (const flow of input.flows) {
      for (const visit of routesByFlow.get(flow.name) ?? []) {
        let visitors = visitorsOf.get(visit.route);
        if (!visitors) {
          visitors = new Map();
          visitorsOf.set(visit.route, visitors);
        }
        if (!visitors.has(flow.name)) visitors.set(flow.name, { flow, url: visit.url });
      }
    }
    // Copy edits reach only the flows that name the words; styling edits say so.
    const prose = new Map(
      considered.flatMap(({ change }) => {
        const kind = kinds.get(change.path);
        return kind?.kind === "copy" && kind.literals ? [[change.path, kind.literals] as const] : [];
      }),
    );
    // A seed's file → the change it came from (a renamed file's previous path counts too).
    const originalPaths = new Map<string, string>();
    for (const change of input.changes)
      for (const file of [change.path, change.previousPath])
        if (file !== undefined && !originalPaths.has(file)) originalPaths.set(file, change.path);
    for (const hit of impact.hits) {
      const edits = prose.get(hit.seed.file);
      const kind = kinds.get(originalPaths.get(hit.seed.file) ?? hit.seed.file);
      for (const visit of visitorsOf.get(hit.route)?.values() ?? []) {
        const { flow } = visit;
        const reason = routeReason(hit, visit.url);
        if (kind?.kind === "styling") {
          const classes = kind.literals
            ? ` ("${kind.literals.before[0]}" → "${kind.literals.after[0]}")`
            : "";
          reason.change = "styling";
          reason.detail += `; styling changed${classes}: compare the flow's screenshots`;
        }
        if (edits) {
          const named = flowNamesText(flow, [...edits.before, ...edits.after]);
          if (!named) continue;
          reason.detail += `; only wording changed, and the flow names "${named}"`;
        }
        add(flow.name, reason);
        reachedFiles.add(originalPaths.get(hit.seed.file) ?? hit.seed.file);
      }
    }
    // A route table edit that renames or drops a path: flows that visited the old path.
    const hosts = new Set(index.routes.flatMap((r) => (r.host ? [r.host] : [])));
    for (const { change } of considered) {
      if (!change.patch || !hosts.has(change.path)) continue;
      for (const old of removedPaths(change.patch)) {
        for (const flow of input.flows) {
          const url = flowUrls(flow, input.coverage?.flows[flow.name]?.urls ?? []).find(
            (u) => u.path !== undefined && patternMatches(old, u.path),
          );
          if (!url) continue;
          add(flow.name, {
            signal: "route",
            file: change.path,
            route: old,
            routeSource: change.path,
            url: `${url.path} (${url.from})`,
            detail: `${change.path} changes the route ${old}, which the flow visits at ${url.path} (${url.from})`,
            weight: 0.9,
          });
          reachedFiles.add(change.path);
        }
      }
    }
    for (const [file, edits] of prose) {
      if (!reachedFiles.has(file))
        unreached.push({
          file,
          why: `only wording changed ("${edits.before[0]}" → "${edits.after[0]}") and no flow names it`,
        });
    }
    if (!runAll) {
      for (const { change, lines } of considered) {
        if (change.status === "removed") continue;
        runAll = buildInputReason(change, lines, graph, projectDir);
        if (!runAll) continue;
        for (const flow of input.flows) add(flow.name, runAll);
        reachedFiles.add(change.path);
        break;
      }
    }
    if (impact.everyRoute) {
      const { seed, chain } = impact.everyRoute;
      const reason: Reason = {
        signal: "imports",
        file: originalPaths.get(seed.file) ?? seed.file,
        ...(seed.lines ? { lines: seed.lines } : {}),
        chain,
        detail: `${chain.join(" → ")}: code every request runs`,
        weight: 0.85,
      };
      runAll ??= reason;
      for (const flow of input.flows) add(flow.name, reason);
      reachedFiles.add(reason.file as string);
    }
    // A changed file → the routes it reaches, in the order the walk found them.
    const reachedRoutes = new Map<string, Set<string>>();
    for (const hit of impact.hits) {
      let routes = reachedRoutes.get(hit.seed.file);
      if (!routes) {
        routes = new Set();
        reachedRoutes.set(hit.seed.file, routes);
      }
      routes.add(hit.route.pattern);
    }
    for (const { change } of considered) {
      if (reachedFiles.has(change.path) || prose.has(change.path)) continue;
      if (owned.some((o) => o.change === change)) {
        unreached.push({ file: change.path, why: "no recorded flow ran or applied the changed lines" });
        continue;
      }
      const types =
        /\.d\.[cm]?ts$/.test(change.path) ||
        typesOnly(graph.modules.get(change.path), changedPaths.get(change.path)?.lines);
      unreached.push({
        file: change.path,
        why: types
          ? "types only: no code that runs changed"
          : whyUnreached(change, projectDir, graph.modules.has(change.path), reachedRoutes.get(change.path)),
      });
    }
  } else {
    for (const { change } of considered)
      if (!reachedFiles.has(change.path))
        unreached.push({
          file: change.path,
          why: "no covers glob or coverage names it (no source tree to follow imports)",
        });
  }

  // 4. the advisor
  const model = projectRiskModel(input.outcomes);
  let impacts = rank(input.flows, reasons, input.history ?? [], considered, model);
  if (input.advisor) {
    const request = buildAdviceRequest(
      considered.map(({ change }) => ({
        path: change.path,
        ...(change.patch ? { patch: change.patch } : {}),
      })),
      input.flows,
      new Map(impacts.map((i) => [i.flow, i])),
    );
    try {
      const suggestions = await input.advisor.suggestFlows(request);
      for (const [flow, reason] of adviceReasons(suggestions, new Set(input.flows.map((f) => f.name))))
        add(flow, reason);
      impacts = rank(input.flows, reasons, input.history ?? [], considered, model);
    } catch (error) {
      // The deterministic selection stands on its own; the advisor only ever adds to it.
      warnings.push(
        `the advisor was not consulted: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  // 5. done
  const selected = impacts.filter((i) => i.selected).map((i) => i.flow);
  return {
    flows: impacts,
    selected,
    ...(runAll && selected.length === input.flows.length ? { runAll } : {}),
    unreached,
    ...(warnings.length > 0 ? { warnings } : {}),
    stats: {
      changedFiles: input.changes.length,
      modulesInGraph: graphStats.modules,
      modulesAnalysed: graphStats.analysed,
      routes: graphStats.routes,
      durationMs: Math.round(performance.now() - started),
      ...(phasesMs ? { phasesMs } : {}),
    },
  };
}

/** Milliseconds since it was made, then since the last call. */
function stopwatch(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const elapsed = Math.round(now - last);
    last = now;
    return elapsed;
  };
}

function rank(
  flows: readonly LoadedFlow[],
  reasons: Map<string, Reason[]>,
  history: readonly FlowRunRecord[],
  considered: ReadonlyArray<{ change: ChangedFile; lines?: LineRange[] }>,
  model: ProjectRiskModel,
): FlowImpact[] {
  const impacts = flows.map((flow): FlowImpact => {
    const own = dedupe(reasons.get(flow.name) ?? []);
    const score = 1 - own.reduce((keep, r) => keep * (1 - r.weight), 1);
    const selected = own.some((r) => r.weight > 0);
    const past = summariseHistory(history, flow.name);
    const shown = own.sort((a, b) => b.weight - a.weight).slice(0, MAX_REASONS_PER_FLOW);
    const fromHistory = selected ? historyReason(flow.name, past) : undefined;
    if (fromHistory) shown.push(fromHistory);
    const files = [...new Set(own.flatMap((r) => (r.file ? [r.file] : [])))];
    const features = () =>
      riskFeatures({
        reasons: own,
        changes: considered,
        priority: flow.priority,
        history: past,
        coFailures: model.coFailures(flow.name, files),
      });
    return {
      flow: flow.name,
      file: flow.file,
      priority: flow.priority,
      selected,
      score: Math.round(score * 1000) / 1000,
      reasons: shown,
      ...(selected ? { risk: estimateRisk(features(), model, own, past) } : {}),
    };
  });
  return impacts.sort(
    (a, b) => Number(b.selected) - Number(a.selected) || b.score - a.score || a.flow.localeCompare(b.flow),
  );
}

function dedupe(reasons: Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const key = `${r.signal}|${r.file}|${r.route}|${r.glob}|${r.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function routeReason(hit: RouteHit, url: string): Reason {
  const { route, seed, chain } = hit;
  const direct = chain.length <= 2;
  const viaMarkup = chain.some((c) => c.startsWith("markup "));
  const viaMember = chain.some((c) => c.startsWith("."));
  const weight = direct
    ? 0.9
    : viaMarkup
      ? 0.6
      : Math.max(0.5, (viaMember ? 0.75 : 0.85) - 0.03 * chain.length);
  const lines = seed.lines ? ` (lines ${formatRanges(seed.lines)})` : "";
  // The walk ends at a file that wraps the route (a layout, the root module, middleware) rather than renders it.
  const last = chain[chain.length - 1] ?? seed.file;
  const inFile = (file: string) =>
    last === file || last.startsWith(`${file}#`) || last.startsWith(`${file}:`);
  const layout = route.entries.some((e) => inFile(e.file)) ? undefined : route.layouts.find(inFile);
  const via = chain.length > 1 ? ` via ${chain.join(" → ")}` : "";
  const detail = layout
    ? `${seed.file}${lines} ${layout === seed.file ? "is" : "reaches"} the layout ${layout}, which wraps route ${route.pattern} (${route.source})${layout === seed.file ? "" : via}; the flow visits ${url}`
    : `${seed.file}${lines} reaches route ${route.pattern} (${route.source}) via ${chain.join(" → ")}; the flow visits ${url}`;
  return {
    signal: direct && route.host ? "route" : "imports",
    file: seed.file,
    ...(seed.lines ? { lines: seed.lines } : {}),
    chain,
    route: route.pattern,
    routeSource: route.source,
    url,
    ...(layout ? { layout } : {}),
    detail,
    weight,
  };
}

/**
 * A flow that names a route's entry file in `covers` visits that route, though it may get there by a
 * click the steps do not spell out as a URL.
 */
function impliedByCovers(
  flow: LoadedFlow,
  routes: readonly RouteDef[],
  files: ReadonlySet<string>,
  projectDir: string,
): Array<{ route: RouteDef; url: string }> {
  if (flow.covers.length === 0) return [];
  const prefix = projectDir ? `${projectDir}/` : "";
  const match = repositoryGlobMatcher(flow.covers);
  const covered = (file: string) =>
    match(file) || (prefix !== "" && file.startsWith(prefix) && match(file.slice(prefix.length)));
  const visits: Array<{ route: RouteDef; url: string }> = [];
  for (const route of routes) {
    const entry = route.entries.find((e) => files.has(e.file) && covered(e.file));
    if (entry) visits.push({ route, url: `${route.pattern} (covers names ${entry.file})` });
  }
  return visits;
}

/**
 * Recorded coverage answers for a browser script, and for a stylesheet whose change stays inside
 * rule bodies: the flows that ran or applied those lines are exactly the ones it can affect.
 * Selector edits, new files and unrecorded files go through the graph instead.
 */
function ownedByCoverage(
  entry: { change: ChangedFile; lines?: LineRange[]; baseLines?: LineRange[] },
  coverage: CoverageMap | undefined,
  graph: ModuleGraph,
): boolean {
  const { change, lines, baseLines } = entry;
  if (!coverage || change.status !== "modified" || !lines || !baseLines) return false;
  const recorded = Object.values(coverage.flows).some((f) => Array.isArray(f.files[change.path]));
  if (!recorded) return false;
  const module = graph.modules.get(change.path);
  if (!module) return false;
  if (module.kind === "style") {
    const rules = module.css?.rules ?? [];
    return lines.every((range) =>
      rangeLines(range).every((line) =>
        rules.some((r) => r.selectors.length > 0 && r.start < line && line < r.end),
      ),
    );
  }
  return module.kind === "code" && !graph.importers.has(change.path) && graph.assetRefs.has(change.path);
}

function rangeLines(range: LineRange): number[] {
  const lines: number[] = [];
  for (let l = range.start; l <= range.end && lines.length < 10_000; l++) lines.push(l);
  return lines;
}

/** URL paths on removed lines of a route table that no added line keeps. */
function removedPaths(patch: string): string[] {
  const literals = (sign: string) =>
    patch
      .split("\n")
      .filter((l) => l.startsWith(sign))
      .flatMap((l) => [...l.matchAll(/["'`](\/[\w\-/:.*]*)["'`]/g)].map((m) => m[1] as string));
  const kept = new Set(literals("+"));
  return [...new Set(literals("-"))].filter((p) => !kept.has(p)).map(normalizePattern);
}

function seedsFor(
  change: ChangedFile,
  lines: LineRange[] | undefined,
  inGraph: ReadonlySet<string>,
  files: readonly string[],
): ChangeSeed[] {
  if (change.submodule) {
    return files.filter((f) => f.startsWith(`${change.path}/`)).map((file) => ({ file }));
  }
  if (change.status === "removed") return [{ file: change.path, removed: true }];
  const seeds: ChangeSeed[] = [];
  if (change.status === "renamed" && change.previousPath)
    seeds.push({ file: change.previousPath, removed: true });
  const whole = change.status === "added" || change.binary || !lines;
  seeds.push(whole || !inGraph.has(change.path) ? { file: change.path } : { file: change.path, lines });
  return seeds;
}

function flowFilePath(file: string, projectDir: string): string {
  const normal = file.split(path.sep).join("/");
  return projectDir && !normal.startsWith(`${projectDir}/`) ? `${projectDir}/${normal}` : normal;
}

function whyUnreached(
  change: ChangedFile,
  projectDir: string,
  inGraph: boolean,
  reachedRoutes: ReadonlySet<string> | undefined,
): string {
  const prefix = projectDir ? `${projectDir}/` : "";
  if (change.submodule) return "a submodule pointer no module of the app imports from";
  if (prefix && !change.path.startsWith(prefix) && !inGraph)
    return `outside the app (${projectDir}) and not imported by it`;
  if (TEST_FILE.test(change.path)) return "a test file: flows do not run it";
  if (reachedRoutes) return `reaches ${[...reachedRoutes].join(", ")}, which no flow visits`;
  if (change.binary) return "a binary file nothing references";
  return inGraph ? "no route or page uses the changed code" : "not part of the app's module graph";
}

/**
 * A module oxc could not parse in full still joins the graph, with the imports it could read: changes
 * reached only through the rest are missed. One unparsable file is a work in progress; all of them is a broken parser.
 */
function unparsedModules(graph: ModuleGraph): string | undefined {
  let count = 0;
  let first: GraphModule | undefined;
  for (const module of graph.modules.values()) {
    if (module.facts.parseError === undefined) continue;
    count += 1;
    first ??= module;
  }
  if (!first) return undefined;
  return `${count} of ${graph.modules.size} modules could not be parsed in full, so their imports may be incomplete and flows that reach a change only through them may be missed (${first.file}: ${first.facts.parseError})`;
}
