import { mentionsToken, selectorTokens } from "./css-rules.ts";
import { overlaps, toRanges } from "./diff.ts";
import { ImpactSteps, ROOT } from "./impact-steps.ts";
import type { ImportRecord, Unit } from "./module-facts.ts";
import { type GraphModule, type ModuleGraph, templateName } from "./module-graph.ts";
import type { RouteDef } from "./routes/route.ts";
import { type StateOutflow, stateMembersReached } from "./startup-state.ts";
import type { LineRange } from "./types.ts";

/*
 * From changed lines to the routes they can reach, following what the code actually uses:
 * 1. changed lines → the units (declarations, object/class members, statements) they fall in;
 *    a stylesheet's changed rules and a browser script's DOM queries → the markup tokens they target
 * 2. a changed unit → units of its module that mention its names, its exports, and — for a member
 *    such as `copy.addToCart` or `AccountBook.verify` — every unit that reads that property
 * 3. a changed export → the units of importing modules that use the imported binding (re-exports
 *    and barrels pass it on; namespace, dynamic and side-effect imports take the whole module)
 * 4. a unit or module that is a route's entry or layout → that route; one in the app shell → all routes
 * Each hit remembers the step before it, so a reason can print the chain.
 */

export interface ChangeSeed {
  file: string;
  /** Lines at head; undefined for a whole-file change (added, removed, binary, unparsable). */
  lines?: LineRange[];
  /** Gone at head: what still names it breaks. */
  removed?: boolean;
}

export interface RouteHit {
  route: RouteDef;
  seed: ChangeSeed;
  chain: string[];
}

export interface ImpactAnalysis {
  hits: RouteHit[];
  /** Set when a change reaches code every request runs (server, request pipeline, route table). */
  everyRoute?: { seed: ChangeSeed; chain: string[] };
  /** Seeds that reached at least one module beyond themselves or a route. */
  modulesTouched: number;
}

export interface RouteIndex {
  routes: RouteDef[];
  /** Modules that wire routes together (the server, request pipeline, route table): reached → every route. */
  shell: ReadonlySet<string>;
}

const SHARED_WALK_FROM = 64;
const NO_ROUTES: readonly RouteDef[] = [];
const NO_STEPS: readonly number[] = [];
/** Not reached yet (in `prev`). */
const UNSEEN = -2;

export function analyseImpact(
  graph: ModuleGraph,
  index: RouteIndex,
  seeds: readonly ChangeSeed[],
): ImpactAnalysis {
  const hits: RouteHit[] = [];
  let everyRoute: ImpactAnalysis["everyRoute"];
  const steps = new ImpactSteps(graph);
  const { modules } = steps;
  // Files the walk went through: modules by number, static files by name.
  const touchedModules = new Uint8Array(modules.length);
  const touched = new Set<string>();

  const byEntryFile = new Map<string, RouteDef[]>();
  const byLayout = new Map<string, RouteDef[]>();
  const byHost = new Map<string, RouteDef[]>();
  const push = (map: Map<string, RouteDef[]>, key: string, route: RouteDef) => {
    let list = map.get(key);
    if (!list) {
      list = [];
      map.set(key, list);
    }
    if (!list.includes(route)) list.push(route);
  };
  for (const route of index.routes) {
    for (const entry of route.entries) push(byEntryFile, entry.file, route);
    for (const layout of route.layouts) push(byLayout, layout, route);
    if (route.host) push(byHost, route.host, route);
  }
  // Most apps have neither route tables nor a shell: then no step needs to ask.
  const hosts = byHost.size > 0;
  const shell = index.shell.size > 0;
  const hostsEntry = (host: string, file: string, symbol: string) =>
    (byHost.get(host) ?? []).some((r) => r.entries.some((e) => e.file === file && e.symbol === symbol));
  // Member name → the units that read it, across the graph: built when the walk first reaches a member.
  let readers: Map<string, number[]> | undefined;
  const readersOf = (member: string): readonly number[] => {
    if (!readers) {
      readers = new Map();
      for (let m = 0; m < modules.length; m++) {
        const units = (modules[m] as GraphModule).facts.units;
        for (let i = 0; i < units.length; i++) {
          for (const name of (units[i] as Unit).members) {
            let list = readers.get(name);
            if (!list) {
              list = [];
              readers.set(name, list);
            }
            list.push(steps.unit(m, i));
          }
        }
      }
    }
    return readers.get(member) ?? [];
  };

  // A template import's loaded file → the units that spell its name out: in the loader's module or in
  // a module that calls the loader (a page passing `layout="AuthorLayout"`), found when first asked.
  const named = new Map<string, number[]>();
  const namersOf = (m: number, at: number): readonly number[] => {
    const module = modules[m] as GraphModule;
    const record = module.facts.imports[at];
    const target = module.targets[at];
    if (!record?.pattern || !target) return NO_STEPS;
    const name = templateName(module.file, record.pattern, target);
    if (name.length < 3 || name.includes("/")) return NO_STEPS;
    const key = `${m}\0${name}`;
    let list = named.get(key);
    if (!list) {
      list = [];
      const callers = new Set([m]);
      for (let e = steps.importerStart[m] as number; e < (steps.importerStart[m + 1] as number); e++)
        callers.add(steps.importerModule[e] as number);
      for (const o of callers) {
        const units = (modules[o] as GraphModule).facts.units;
        for (let i = 0; i < units.length; i++)
          if ((units[i] as Unit).literals.includes(name)) list.push(steps.unit(o, i));
      }
      named.set(key, list);
    }
    return list;
  };

  // Past a few dozen changed files, walks share what they visited: each route keeps the first
  // change that reached it, and a large diff costs one walk over the graph instead of one per file.
  const shared = seeds.length > SHARED_WALK_FROM;
  /** Step → the step it was reached from (ROOT for a seed's own steps), UNSEEN when not reached. */
  let prev = new Int32Array(Math.max(1024, steps.size * 2)).fill(UNSEEN);
  /** Every step reached, to clear `prev` between walks that do not share it. */
  const reached: number[] = [];
  let routeSeen = new Set<RouteDef>();
  const seen = (step: number) => step >= 0 && step < prev.length && prev[step] !== UNSEEN;
  const cameFrom = (step: number) => (step >= 0 && step < prev.length ? (prev[step] as number) : UNSEEN);
  // A shared walk that has reached every route (and the shell, if there is one) has its answer:
  // nothing further can add a route or a reason, so it stops.
  const answered = () =>
    shared && routeSeen.size === index.routes.length && (index.shell.size === 0 || everyRoute !== undefined);
  for (const seed of seeds) {
    if (answered()) break;
    if (!shared) {
      for (const step of reached) prev[step] = UNSEEN;
      reached.length = 0;
      routeSeen = new Set();
    }
    const queue: number[] = [];
    let head = 0;
    const reach = (step: number, from: number) => {
      if (step >= prev.length) {
        const grown = new Int32Array(Math.max(step + 1, prev.length * 2)).fill(UNSEEN);
        grown.set(prev);
        prev = grown;
      }
      if (prev[step] !== UNSEEN) return;
      prev[step] = from;
      reached.push(step);
      queue.push(step);
    };
    const chainOf = (step: number): string[] => {
      const chain: string[] = [];
      for (let s = step; s >= 0; s = cameFrom(s)) {
        const label = steps.describe(s);
        if (chain[chain.length - 1] !== label) chain.push(label);
      }
      return chain.reverse();
    };
    const hit = (route: RouteDef, step: number, extra?: string) => {
      if (routeSeen.has(route)) return;
      routeSeen.add(route);
      const chain = chainOf(step);
      if (extra) chain.push(extra);
      hits.push({ route, seed, chain });
    };
    const hitAll = (step: number) => {
      if (!everyRoute) everyRoute = { seed, chain: chainOf(step) };
    };
    /** The units of a module that use an import: load it themselves, or name one of the given locals. */
    const reachUsing = (m: number, at: number, locals: readonly string[], from: number) => {
      if (reachNamers(m, at, from)) return;
      const units = (modules[m] as GraphModule).facts.units;
      for (let i = 0; i < units.length; i++) {
        const unit = units[i] as Unit;
        if (unit.loads.includes(at) || namesAny(unit.refs, locals)) reach(steps.unit(m, i), from);
      }
    };
    /**
     * A file a template import loads (`require(\`../layouts/${layout}\`)`) is loaded where its name is
     * spelled out (`const DEFAULT_LAYOUT = "AuthorLayout"`): those units, not every caller of the loader.
     */
    const reachNamers = (m: number, at: number, from: number): boolean => {
      const namers = namersOf(m, at);
      for (const unit of namers) reach(unit, from);
      return namers.length > 0;
    };
    const reachUsers = (importer: number, at: number, name: string, from: number) => {
      const record = (modules[importer] as GraphModule).facts.imports[at];
      if (!record) return;
      const locals: string[] = [];
      for (const b of record.bindings) if (b.imported === name || b.imported === "*") locals.push(b.local);
      reachUsing(importer, at, locals, from);
    };
    // The shell calling a function that builds state: settled once the walk has found everything flowing into it.
    const startup: StartupCall[] = [];

    const walk = (): void => {
      while (head < queue.length && !answered()) {
        const step = queue[head++] as number;
        const m = steps.module(step);
        const module = m === -1 ? undefined : modules[m];
        const file = steps.fileOf(step);
        if (m !== -1) touchedModules[m] = 1;
        else if (file) touched.add(file);
        switch (steps.kind(step)) {
          case "unit": {
            const facts = (module as GraphModule).facts;
            const i = steps.unitIndex(step);
            const unit = facts.units[i];
            if (!unit || unit.typeOnly) break;
            // A handler the host itself defines is that route's code, not the shell's.
            const consumed =
              byHost.has(file) && unit.names.length > 0 && unit.names.every((n) => hostsEntry(file, file, n));
            if (index.shell.has(file) && !consumed) hitAll(step);
            for (const route of byEntryFile.get(file) ?? NO_ROUTES) {
              if (route.entries.some((e) => e.file === file && (!e.symbol || unit.names.includes(e.symbol))))
                hit(route, step);
            }
            for (const route of byLayout.get(file) ?? NO_ROUTES) hit(route, step);
            if (unit.owner !== undefined && unit.key) {
              reach(steps.member(unit.key), step);
              break;
            }
            if (unit.sideEffect) reach(steps.load(m), step);
            const names = unit.names;
            if (names.length === 0) break;
            if (!consumed) {
              const units = facts.units;
              for (let j = 0; j < units.length; j++) {
                if (j === i) continue;
                if (namesAny((units[j] as Unit).refs, names)) reach(steps.unit(m, j), step);
              }
            }
            facts.exports.forEach((local, exported) => {
              if (names.includes(local)) reach(steps.export(m, exported), step);
            });
            break;
          }
          case "export": {
            const name = steps.nameOf(step);
            for (const route of byEntryFile.get(file) ?? NO_ROUTES)
              if (route.entries.some((e) => e.file === file && (e.symbol === name || !e.symbol)))
                hit(route, step);
            for (const route of byLayout.get(file) ?? NO_ROUTES) hit(route, step);
            for (let e = steps.importerStart[m] as number; e < (steps.importerStart[m + 1] as number); e++) {
              const im = steps.importerModule[e] as number;
              const at = steps.importerIndex[e] as number;
              const importer = modules[im] as GraphModule;
              if (hosts && hostsEntry(importer.file, file, name)) continue;
              const record = importer.facts.imports[at];
              if (!record || record.typeOnly) continue;
              if (
                shell &&
                index.shell.has(importer.file) &&
                !index.shell.has(file) &&
                record.kind !== "reexport"
              ) {
                const factory = stateFactory(module, name);
                if (factory !== undefined) {
                  startup.push({
                    step,
                    module: m,
                    unit: factory,
                    importer: im,
                    at,
                    name,
                    reached: new Set(),
                  });
                  continue;
                }
              }
              if (record.kind === "reexport") {
                for (const r of record.reexports) {
                  if (r.imported === name) reach(steps.export(im, r.exported), step);
                  else if (r.imported === "*" && r.exported === "*" && name !== "default")
                    reach(steps.export(im, name), step);
                  else if (r.imported === "*" && r.exported !== "*")
                    reach(steps.export(im, r.exported), step);
                }
                continue;
              }
              reachUsers(im, at, name, step);
            }
            break;
          }
          case "load": {
            if (index.shell.has(file)) hitAll(step);
            for (const route of byEntryFile.get(file) ?? NO_ROUTES) hit(route, step);
            for (const route of byLayout.get(file) ?? NO_ROUTES) hit(route, step);
            // A script a page loads by URL runs there.
            for (const ref of graph.assetRefs.get(file) ?? [])
              reach(steps.unit(steps.moduleOf(ref.file), ref.unit), step);
            for (let e = steps.importerStart[m] as number; e < (steps.importerStart[m + 1] as number); e++) {
              const im = steps.importerModule[e] as number;
              const at = steps.importerIndex[e] as number;
              const target = modules[im];
              const record = target?.facts.imports[at];
              if (!target || !record || record.typeOnly) continue;
              if (record.kind === "dynamic" || record.kind === "require") {
                if (reachNamers(im, at, step)) continue;
                target.facts.units.forEach((unit, i) => {
                  if (unit.loads.includes(at)) reach(steps.unit(im, i), step);
                });
              } else reach(steps.load(im), step);
            }
            break;
          }
          case "file": {
            // A whole file: every unit and export of a module, or a static file (image, font, JSON, script, stylesheet).
            if (module) {
              module.facts.units.forEach((unit, i) => {
                if (!unit.typeOnly) reach(steps.unit(m, i), step);
              });
              for (const exported of module.facts.exports.keys()) reach(steps.export(m, exported), step);
              reach(steps.load(m), step);
            }
            for (const ref of graph.assetRefs.get(file) ?? [])
              reach(steps.unit(steps.moduleOf(ref.file), ref.unit), step);
            for (const { file: importer, index: at } of graph.importers.get(file) ?? []) {
              const im = steps.moduleOf(importer);
              const record = modules[im]?.facts.imports[at];
              if (!record || record.typeOnly) continue;
              reachUsing(
                im,
                at,
                record.bindings.map((b) => b.local),
                step,
              );
              if (!module) reach(steps.load(im), step);
            }
            for (const route of byEntryFile.get(file) ?? NO_ROUTES) hit(route, step);
            for (const route of byLayout.get(file) ?? NO_ROUTES) hit(route, step);
            break;
          }
          case "member": {
            for (const unit of readersOf(steps.nameOf(step))) reach(unit, step);
            break;
          }
          case "token": {
            const name = steps.nameOf(step);
            for (let o = 0; o < modules.length; o++) {
              const other = modules[o] as GraphModule;
              if (other.kind === "style") continue;
              // A script that queries this markup reads it; it does not render it.
              if (other.facts.domQueries.some((q) => mentionsToken(q.selector, name))) continue;
              other.facts.units.forEach((unit, i) => {
                if (unit.literals.some((l) => l.includes(name) && mentionsToken(l, name)))
                  reach(steps.unit(o, i), step);
              });
            }
            break;
          }
        }
      }
    };
    seedSteps(graph, steps, byHost, seed, reach, hit);
    for (;;) {
      walk();
      const before = queue.length;
      for (const call of startup) {
        const outflow = stateOutflow(graph, steps, call, seed, seen, cameFrom);
        if (outflow === "all") {
          if (!call.reached.has("*")) {
            call.reached.add("*");
            reachUsers(call.importer, call.at, call.name, call.step);
          }
          continue;
        }
        for (const member of outflow.members) {
          if (call.reached.has(member)) continue;
          call.reached.add(member);
          reach(steps.member(member), call.step);
        }
      }
      if (queue.length === before) break;
    }
  }
  const modulesTouched = touched.size + touchedModules.reduce((sum, t) => sum + t, 0);
  return { hits, ...(everyRoute ? { everyRoute } : {}), modulesTouched };
}

/** Whether a unit mentions any of the names (a loop: this runs for every unit the walk passes). */
function namesAny(refs: ReadonlySet<string>, names: readonly string[]): boolean {
  for (let i = 0; i < names.length; i++) if (refs.has(names[i] as string)) return true;
  return false;
}

/** Turns one changed file into the first steps of the walk. */
function seedSteps(
  graph: ModuleGraph,
  steps: ImpactSteps,
  byHost: Map<string, RouteDef[]>,
  seed: ChangeSeed,
  reach: (step: number, from: number) => void,
  hit: (route: RouteDef, step: number) => void,
): void {
  const { file } = seed;
  if (seed.removed) {
    const stem = file.replace(/\.[^./]+$/, "");
    for (const missing of [file, stem, file.replace(/\/index\.[^./]+$/, "")]) {
      for (const { file: importer, index: at } of graph.missing.get(missing) ?? []) {
        const im = steps.moduleOf(importer);
        const target = steps.modules[im];
        const record = target?.facts.imports[at];
        if (!target || !record) continue;
        reach(steps.load(im), ROOT);
        const locals = record.bindings.map((b) => b.local);
        target.facts.units.forEach((unit, i) => {
          if (unit.loads.includes(at) || locals.some((l) => unit.refs.has(l))) reach(steps.unit(im, i), ROOT);
        });
      }
    }
    const base = file.slice(file.lastIndexOf("/") + 1);
    if (!/\.(tsx?|jsx?|mjs|cjs)$/.test(base) || graph.files.has(file) === false)
      reach(steps.token(base), ROOT);
    return;
  }
  const m = steps.moduleOf(file);
  const module = steps.modules[m];
  const whole = () => reach(steps.file(file), ROOT);
  if (!module || !seed.lines || module.facts.parseError) {
    whole();
    return;
  }
  let lines = seed.lines;
  const origin = (range: LineRange) => {
    const step = steps.origin(
      file,
      range.start === range.end ? `${range.start}` : `${range.start}-${range.end}`,
    );
    reach(step, ROOT);
    return step;
  };

  // A changed registration in a route table reaches that route alone.
  const registrations = (byHost.get(file) ?? []).filter((r) => r.span);
  if (registrations.length > 0) {
    const rest: LineRange[] = [];
    for (const range of lines) {
      const outside: number[] = [];
      for (const line of rangeLines(range)) {
        const inside = registrations.filter((r) => r.span && r.span.start <= line && r.span.end >= line);
        for (const route of inside) hit(route, origin({ start: line, end: line }));
        if (inside.length === 0) outside.push(line);
      }
      rest.push(...toRanges(outside));
    }
    lines = rest;
  }

  if (module.kind === "style") {
    seedStylesheet(graph, steps, module, seed, lines, reach, origin);
    return;
  }
  if (module.facts.domQueries.length > 0 && graph.assetRefs.has(file) && !graph.importers.has(file)) {
    seedBrowserScript(steps, module, seed, lines, reach, origin);
    return;
  }

  const units = module.facts.units;
  for (const range of lines) {
    const from = origin(range);
    const members = units
      .map((u, i) => [u, i] as const)
      .filter(([u]) => u.owner !== undefined && overlaps([range], u.start, u.end));
    const tops = units
      .map((u, i) => [u, i] as const)
      .filter(([u]) => u.owner === undefined && overlaps([range], u.start, u.end));
    for (const [unit, i] of tops) {
      const ownMembers = members.filter(([mu]) => mu.owner === i);
      const coveredByMembers =
        ownMembers.length > 0 &&
        rangeLines(range).every(
          (line) =>
            line < unit.start ||
            line > unit.end ||
            ownMembers.some(([mu]) => mu.start <= line && mu.end >= line),
        );
      if (coveredByMembers) for (const [, mi] of ownMembers) reach(steps.unit(m, mi), from);
      else reach(steps.unit(m, i), from);
    }
    module.facts.imports.forEach((record, at) => {
      const end = record.end ?? record.line;
      if (record.line > range.end || end < range.start || record.typeOnly) return;
      // Lines inside a multi-line `import {` … `} from` change only the names spelled on them.
      const inside = range.start > record.line && range.end < end;
      const spelled = inside ? wordsOn(module.text, range) : undefined;
      if (record.kind === "reexport") {
        seedReexport(steps, m, record, spelled, reach, from);
        return;
      }
      const locals = record.bindings.map((b) => b.local).filter((l) => !spelled || spelled.has(l));
      if (spelled && locals.length === 0) return;
      units.forEach((unit, i) => {
        if (unit.loads.includes(at) || namesAny(unit.refs, locals)) reach(steps.unit(m, i), from);
      });
      if (record.bindings.length === 0 && record.kind === "static") reach(steps.load(m), from);
    });
  }
}

/**
 * A changed `export … from` changes what the module hands on under those names; a changed `export *`
 * hands on names nobody spelled out here, so every import of the module that is not one of its own
 * exports takes it.
 */
function seedReexport(
  steps: ImpactSteps,
  m: number,
  record: ImportRecord,
  spelled: ReadonlySet<string> | undefined,
  reach: (step: number, from: number) => void,
  from: number,
): void {
  const module = steps.modules[m] as GraphModule;
  for (const r of record.reexports) {
    if (spelled && !spelled.has(r.exported) && !spelled.has(r.imported)) continue;
    if (r.exported !== "*") {
      reach(steps.export(m, r.exported), from);
      continue;
    }
    for (let e = steps.importerStart[m] as number; e < (steps.importerStart[m + 1] as number); e++) {
      const im = steps.importerModule[e] as number;
      const importer = steps.modules[im] as GraphModule;
      const imported = importer.facts.imports[steps.importerIndex[e] as number];
      if (!imported || imported.typeOnly) continue;
      for (const b of imported.bindings)
        if (b.imported === "*" || !module.facts.exports.has(b.imported))
          reach(steps.export(m, b.imported), from);
      if (imported.kind === "reexport")
        for (const re of imported.reexports)
          if (re.imported === "*" || !module.facts.exports.has(re.imported))
            reach(steps.export(m, re.imported), from);
    }
  }
}

/** The identifiers on a range of lines of a text. */
function wordsOn(text: string, range: LineRange): Set<string> {
  const lines = text.split("\n").slice(range.start - 1, range.end);
  return new Set(lines.join("\n").split(/[^\w$]+/));
}

function rangeLines(range: LineRange): number[] {
  const lines: number[] = [];
  for (let l = range.start; l <= range.end && lines.length < 10_000; l++) lines.push(l);
  return lines;
}

/** A stylesheet's changed rules reach the markup their selectors name; a rule naming no class or id reaches every page that loads the sheet. */
function seedStylesheet(
  graph: ModuleGraph,
  steps: ImpactSteps,
  module: GraphModule,
  seed: ChangeSeed,
  lines: LineRange[],
  reach: (step: number, from: number) => void,
  origin: (range: LineRange) => number,
): void {
  const rules = module.css?.rules ?? [];
  for (const range of lines) {
    const from = origin(range);
    const changed = rules.filter((r) => r.start <= range.end && r.end >= range.start);
    if (changed.length === 0) continue;
    const affected = [...changed];
    const defined = new Set(changed.flatMap((r) => r.defines));
    if (defined.size > 0) {
      for (const rule of rules)
        if (rule.uses.some((u) => defined.has(u)) && !affected.includes(rule)) affected.push(rule);
    }
    const tokens = new Set<string>();
    let everywhere = false;
    for (const rule of affected) {
      if (rule.defines.length > 0 && rule.selectors.every((s) => selectorTokens(s) === undefined)) continue;
      if (rule.selectors.length === 0) everywhere = true;
      for (const selector of rule.selectors) {
        const found = selectorTokens(selector);
        if (!found) everywhere = true;
        else for (const t of found) tokens.add(t);
      }
    }
    // Imported by code (a CSS module, a component's stylesheet): the importers use it as a whole.
    if (everywhere || graph.importers.has(seed.file)) reach(steps.file(seed.file), from);
    if (!everywhere) for (const token of tokens) reach(steps.token(token), from);
  }
}

/** A browser script's change reaches the markup its nearest DOM query looks for; elsewhere, every page that loads it. */
function seedBrowserScript(
  steps: ImpactSteps,
  module: GraphModule,
  seed: ChangeSeed,
  lines: LineRange[],
  reach: (step: number, from: number) => void,
  origin: (range: LineRange) => number,
): void {
  for (const range of lines) {
    const from = origin(range);
    const inside = (span: { start: number; end: number }) =>
      span.start <= range.start && span.end >= range.end;
    const size = (span: { start: number; end: number }) => span.end - span.start;
    // Queries for a bare tag or role (`input[name=q]`) name no markup of their own: skip them.
    const specific = module.facts.domQueries.filter((q) => selectorTokens(q.selector) !== undefined);
    let queries = specific.filter((q) => inside(q.statement));
    if (queries.length === 0) queries = specific.filter((q) => inside(q.scope));
    if (queries.length === 0) {
      reach(steps.file(seed.file), from);
      continue;
    }
    const smallest = Math.min(...queries.map((q) => size(inside(q.statement) ? q.statement : q.scope)));
    const nearest = queries.filter((q) => size(inside(q.statement) ? q.statement : q.scope) === smallest);
    const tokens = nearest.flatMap((q) => selectorTokens(q.selector) ?? []);
    if (tokens.length === 0) reach(steps.file(seed.file), from);
    else for (const token of new Set(tokens)) reach(steps.token(token), from);
  }
}

/** The app shell using an export of a module outside it: a call that may build state at start-up. */
interface StartupCall {
  /** The export's step, where the walk continues from. */
  step: number;
  /** The exporting module, and its exported unit. */
  module: number;
  unit: number;
  importer: number;
  at: number;
  name: string;
  /** Members already reached from it; "*" once it fell back to the shell itself. */
  reached: Set<string>;
  last?: { inflow: string; outflow: StateOutflow };
}

/** The unit behind an export, when it is a single top-level declaration that could be a state-building function. */
function stateFactory(module: GraphModule | undefined, exported: string): number | undefined {
  if (module?.kind !== "code") return undefined;
  const local = module.facts.exports.get(exported);
  const index = module.facts.units.findIndex(
    (u) => u.owner === undefined && !u.typeOnly && u.names.length === 1 && u.names[0] === local,
  );
  return index === -1 ? undefined : index;
}

/** What of the state the call builds the change flows into, from what the walk has reached so far. */
function stateOutflow(
  graph: ModuleGraph,
  steps: ImpactSteps,
  call: StartupCall,
  seed: ChangeSeed,
  seen: (step: number) => boolean,
  cameFrom: (step: number) => number,
): StateOutflow {
  const module = steps.modules[call.module] as GraphModule;
  const unit = module.facts.units[call.unit];
  if (!unit || seen(steps.file(module.file))) return "all";
  const came = cameFrom(steps.unit(call.module, call.unit));
  if (came >= 0 && !["unit", "export", "origin", "member"].includes(steps.kind(came))) return "all";
  const reachedWhole = (file: string) => {
    const target = steps.moduleOf(file);
    return (target !== -1 && seen(steps.load(target))) || seen(steps.findFile(file));
  };
  const names = new Set<string>();
  module.facts.imports.forEach((record, at) => {
    const target = module.targets[at];
    if (!target || record.typeOnly) return;
    if (unit.loads.includes(at) && reachedWhole(target)) names.add("\0load");
    for (const binding of record.bindings) {
      if (!unit.refs.has(binding.local)) continue;
      const reached =
        reachedWhole(target) ||
        (binding.imported === "*"
          ? [...(graph.modules.get(target)?.facts.exports.keys() ?? [])].some((e) =>
              seen(steps.findExport(target, e)),
            )
          : seen(steps.findExport(target, binding.imported)));
      if (reached) names.add(binding.local);
    }
  });
  if (names.has("\0load")) return "all";
  module.facts.units.forEach((other, j) => {
    if (j === call.unit || !seen(steps.unit(call.module, j))) return;
    for (const name of other.names) if (unit.refs.has(name)) names.add(name);
  });
  const members = new Set([...unit.members].filter((m) => seen(steps.findMember(m))));
  let lines: LineRange[] = [];
  if (seed.file === module.file) {
    if (!seed.lines) return "all";
    lines = seed.lines.filter((r) => r.start <= unit.end && r.end >= unit.start);
  }
  const inflow = JSON.stringify([[...names].sort(), [...members].sort(), lines]);
  if (call.last?.inflow === inflow) return call.last.outflow;
  const outflow = stateMembersReached(module.file, module.text, unit, { names, members, lines });
  call.last = { inflow, outflow };
  return outflow;
}
