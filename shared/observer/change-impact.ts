import { mentionsToken, selectorTokens } from "./css-rules.ts";
import { overlaps, toRanges } from "./diff.ts";
import type { Unit } from "./module-facts.ts";
import type { GraphModule, ModuleGraph } from "./module-graph.ts";
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

type Key = string;

const SHARED_WALK_FROM = 64;

export function analyseImpact(
  graph: ModuleGraph,
  index: RouteIndex,
  seeds: readonly ChangeSeed[],
): ImpactAnalysis {
  const hits: RouteHit[] = [];
  let everyRoute: ImpactAnalysis["everyRoute"];
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
  const consumedInto = (file: string, symbol: string, host: string) =>
    (byHost.get(host) ?? []).some((r) => r.entries.some((e) => e.file === file && e.symbol === symbol));

  // Past a few dozen changed files, walks share what they visited: each route keeps the first
  // change that reached it, and a large diff costs one walk over the graph instead of one per file.
  const shared = seeds.length > SHARED_WALK_FROM;
  let prev = new Map<Key, Key | null>();
  let routeSeen = new Set<RouteDef>();
  // A shared walk that has reached every route (and the shell, if there is one) has its answer:
  // nothing further can add a route or a reason, so it stops.
  const answered = () =>
    shared && routeSeen.size === index.routes.length && (index.shell.size === 0 || everyRoute !== undefined);
  for (const seed of seeds) {
    if (answered()) break;
    if (!shared) {
      prev = new Map();
      routeSeen = new Set();
    }
    const queue: Key[] = [];
    let head = 0;
    const reach = (key: Key, from: Key | null) => {
      if (prev.has(key)) return;
      prev.set(key, from);
      queue.push(key);
    };
    const chainOf = (key: Key | null): string[] => {
      const chain: string[] = [];
      for (let k = key; k; k = prev.get(k) ?? null) {
        const label = describe(graph, k);
        if (chain[chain.length - 1] !== label) chain.push(label);
      }
      return chain.reverse();
    };
    const hit = (route: RouteDef, key: Key | null, extra?: string) => {
      if (routeSeen.has(route)) return;
      routeSeen.add(route);
      const chain = chainOf(key);
      if (extra) chain.push(extra);
      hits.push({ route, seed, chain });
    };
    const hitAll = (key: Key) => {
      if (!everyRoute) everyRoute = { seed, chain: chainOf(key) };
    };

    const reachUsers = (importer: string, at: number, name: string, from: Key) => {
      const target = graph.modules.get(importer);
      const record = target?.facts.imports[at];
      if (!target || !record) return;
      const locals: string[] = [];
      for (const b of record.bindings) if (b.imported === name || b.imported === "*") locals.push(b.local);
      const units = target.facts.units;
      for (let i = 0; i < units.length; i++) {
        const unit = units[i] as Unit;
        if (unit.loads.includes(at) || locals.some((l) => unit.refs.has(l)))
          reach(`u\0${importer}\0${i}`, from);
      }
    };
    // The shell calling a function that builds state: settled once the walk has found everything flowing into it.
    const startup: StartupCall[] = [];

    const walk = (): void => {
      while (head < queue.length && !answered()) {
        const key = queue[head++] as Key;
        const [kind, file, name] = splitKey(key);
        const module = graph.modules.get(file);
        if (file) touched.add(file);
        switch (kind) {
          case "u": {
            if (!module) break;
            const unit = module.facts.units[Number(name)];
            if (!unit || unit.typeOnly) break;
            const hosted = byHost.get(file);
            const ownEntries = hosted
              ? hosted.flatMap((r) => r.entries.filter((e) => e.file === file).map((e) => e.symbol))
              : [];
            // A handler the host itself defines is that route's code, not the shell's.
            const consumed = unit.names.length > 0 && unit.names.every((n) => ownEntries.includes(n));
            if (index.shell.has(file) && !consumed) hitAll(key);
            for (const route of byEntryFile.get(file) ?? []) {
              if (route.entries.some((e) => e.file === file && (!e.symbol || unit.names.includes(e.symbol))))
                hit(route, key);
            }
            for (const route of byLayout.get(file) ?? []) hit(route, key);
            if (unit.owner !== undefined && unit.key) {
              reach(`m\0\0${unit.key}`, key);
              break;
            }
            if (unit.sideEffect) reach(`l\0${file}`, key);
            const names = unit.names;
            if (names.length === 0) break;
            module.facts.units.forEach((other, i) => {
              if (other === unit || consumed) return;
              if (names.some((n) => other.refs.has(n))) reach(`u\0${file}\0${i}`, key);
            });
            for (const [exported, local] of module.facts.exports)
              if (names.includes(local)) reach(`e\0${file}\0${exported}`, key);
            break;
          }
          case "e": {
            for (const route of byEntryFile.get(file) ?? [])
              if (route.entries.some((e) => e.file === file && (e.symbol === name || !e.symbol)))
                hit(route, key);
            for (const route of byLayout.get(file) ?? []) hit(route, key);
            for (const { file: importer, index: at } of graph.importers.get(file) ?? []) {
              if (consumedInto(file, name, importer)) continue;
              const target = graph.modules.get(importer);
              const record = target?.facts.imports[at];
              if (!target || !record || record.typeOnly) continue;
              if (index.shell.has(importer) && !index.shell.has(file) && record.kind !== "reexport") {
                const factory = stateFactory(module, name);
                if (factory !== undefined) {
                  startup.push({ key, file, unit: factory, importer, at, name, reached: new Set() });
                  continue;
                }
              }
              if (record.kind === "reexport") {
                for (const r of record.reexports) {
                  if (r.imported === name) reach(`e\0${importer}\0${r.exported}`, key);
                  else if (r.imported === "*" && r.exported === "*" && name !== "default")
                    reach(`e\0${importer}\0${name}`, key);
                  else if (r.imported === "*" && r.exported !== "*")
                    reach(`e\0${importer}\0${r.exported}`, key);
                }
                continue;
              }
              reachUsers(importer, at, name, key);
            }
            break;
          }
          case "l": {
            if (index.shell.has(file)) hitAll(key);
            for (const route of byEntryFile.get(file) ?? []) hit(route, key);
            for (const route of byLayout.get(file) ?? []) hit(route, key);
            // A script a page loads by URL runs there.
            for (const ref of graph.assetRefs.get(file) ?? []) reach(`u\0${ref.file}\0${ref.unit}`, key);
            for (const { file: importer, index: at } of graph.importers.get(file) ?? []) {
              const target = graph.modules.get(importer);
              const record = target?.facts.imports[at];
              if (!target || !record || record.typeOnly) continue;
              if (record.kind === "dynamic" || record.kind === "require") {
                target.facts.units.forEach((unit, i) => {
                  if (unit.loads.includes(at)) reach(`u\0${importer}\0${i}`, key);
                });
              } else reach(`l\0${importer}`, key);
            }
            break;
          }
          case "f": {
            // A whole file: every unit and export of a module, or a static file (image, font, JSON, script, stylesheet).
            if (module) {
              module.facts.units.forEach((unit, i) => {
                if (!unit.typeOnly) reach(`u\0${file}\0${i}`, key);
              });
              for (const exported of module.facts.exports.keys()) reach(`e\0${file}\0${exported}`, key);
              reach(`l\0${file}`, key);
            }
            for (const ref of graph.assetRefs.get(file) ?? []) reach(`u\0${ref.file}\0${ref.unit}`, key);
            for (const { file: importer, index: at } of graph.importers.get(file) ?? []) {
              const target = graph.modules.get(importer);
              const record = target?.facts.imports[at];
              if (!target || !record || record.typeOnly) continue;
              const locals = record.bindings.map((b) => b.local);
              target.facts.units.forEach((unit, i) => {
                if (unit.loads.includes(at) || locals.some((l) => unit.refs.has(l)))
                  reach(`u\0${importer}\0${i}`, key);
              });
              if (!module) reach(`l\0${importer}`, key);
            }
            for (const route of byEntryFile.get(file) ?? []) hit(route, key);
            for (const route of byLayout.get(file) ?? []) hit(route, key);
            break;
          }
          case "m": {
            for (const other of graph.modules.values()) {
              other.facts.units.forEach((unit, i) => {
                if (unit.members.has(name)) reach(`u\0${other.file}\0${i}`, key);
              });
            }
            break;
          }
          case "t": {
            for (const other of graph.modules.values()) {
              if (other.kind === "style") continue;
              // A script that queries this markup reads it; it does not render it.
              if (other.facts.domQueries.some((q) => mentionsToken(q.selector, name))) continue;
              other.facts.units.forEach((unit, i) => {
                if (unit.literals.some((l) => l.includes(name) && mentionsToken(l, name)))
                  reach(`u\0${other.file}\0${i}`, key);
              });
            }
            break;
          }
        }
      }
    };
    seedKeys(graph, byHost, seed, reach, hit);
    for (;;) {
      walk();
      const before = queue.length;
      for (const call of startup) {
        const outflow = stateOutflow(graph, call, seed, prev);
        if (outflow === "all") {
          if (!call.reached.has("*")) {
            call.reached.add("*");
            reachUsers(call.importer, call.at, call.name, call.key);
          }
          continue;
        }
        for (const member of outflow.members) {
          if (call.reached.has(member)) continue;
          call.reached.add(member);
          reach(`m\0\0${member}`, call.key);
        }
      }
      if (queue.length === before) break;
    }
  }
  return { hits, ...(everyRoute ? { everyRoute } : {}), modulesTouched: touched.size };
}

/** `kind\0file\0name` → its three parts (a fourth and later part, which no key has, is dropped). */
function splitKey(key: Key): [string, string, string] {
  const first = key.indexOf("\0");
  if (first === -1) return [key, "", ""];
  const second = key.indexOf("\0", first + 1);
  if (second === -1) return [key.slice(0, first), key.slice(first + 1), ""];
  const third = key.indexOf("\0", second + 1);
  return [
    key.slice(0, first),
    key.slice(first + 1, second),
    third === -1 ? key.slice(second + 1) : key.slice(second + 1, third),
  ];
}

function describe(graph: ModuleGraph, key: Key): string {
  const [kind, file, name] = splitKey(key);
  switch (kind) {
    case "u": {
      const unit = graph.modules.get(file)?.facts.units[Number(name)];
      if (!unit) return file;
      return unit.label.startsWith("<") ? `${file}:${unit.start}` : `${file}#${unit.label}`;
    }
    case "e":
      return `${file}#${name}`;
    case "l":
      return file;
    case "f":
      return file;
    case "m":
      return `.${name}`;
    case "t":
      return `markup "${name}"`;
    case "s":
      return name ? `${file}:${name}` : file;
    default:
      return key;
  }
}

/** Turns one changed file into the first keys of the walk. */
function seedKeys(
  graph: ModuleGraph,
  byHost: Map<string, RouteDef[]>,
  seed: ChangeSeed,
  reach: (key: Key, from: Key | null) => void,
  hit: (route: RouteDef, key: Key | null) => void,
): void {
  const { file } = seed;
  if (seed.removed) {
    const stem = file.replace(/\.[^./]+$/, "");
    for (const missing of [file, stem, file.replace(/\/index\.[^./]+$/, "")]) {
      for (const { file: importer, index: at } of graph.missing.get(missing) ?? []) {
        const target = graph.modules.get(importer);
        const record = target?.facts.imports[at];
        if (!target || !record) continue;
        reach(`l\0${importer}`, null);
        const locals = record.bindings.map((b) => b.local);
        target.facts.units.forEach((unit, i) => {
          if (unit.loads.includes(at) || locals.some((l) => unit.refs.has(l)))
            reach(`u\0${importer}\0${i}`, null);
        });
      }
    }
    const base = file.slice(file.lastIndexOf("/") + 1);
    if (!/\.(tsx?|jsx?|mjs|cjs)$/.test(base) || graph.files.has(file) === false) reach(`t\0\0${base}`, null);
    return;
  }
  const module = graph.modules.get(file);
  const whole = () => reach(`f\0${file}`, null);
  if (!module || !seed.lines || module.facts.parseError) {
    whole();
    return;
  }
  let lines = seed.lines;
  const origin = (range: LineRange) => {
    const key = `s\0${file}\0${range.start === range.end ? range.start : `${range.start}-${range.end}`}`;
    reach(key, null);
    return key;
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
    seedStylesheet(graph, module, seed, lines, reach, origin);
    return;
  }
  if (module.facts.domQueries.length > 0 && graph.assetRefs.has(file) && !graph.importers.has(file)) {
    seedBrowserScript(module, seed, lines, reach, origin);
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
      const ownMembers = members.filter(([m]) => m.owner === i);
      const coveredByMembers =
        ownMembers.length > 0 &&
        rangeLines(range).every(
          (line) =>
            line < unit.start ||
            line > unit.end ||
            ownMembers.some(([m]) => m.start <= line && m.end >= line),
        );
      if (coveredByMembers) for (const [, mi] of ownMembers) reach(`u\0${file}\0${mi}`, from);
      else reach(`u\0${file}\0${i}`, from);
    }
    module.facts.imports.forEach((record, at) => {
      if (record.line < range.start || record.line > range.end || record.typeOnly) return;
      const locals = record.bindings.map((b) => b.local);
      units.forEach((unit, i) => {
        if (unit.loads.includes(at) || locals.some((l) => unit.refs.has(l))) reach(`u\0${file}\0${i}`, from);
      });
      if (record.bindings.length === 0 && record.kind === "static") reach(`l\0${file}`, from);
    });
  }
}

function rangeLines(range: LineRange): number[] {
  const lines: number[] = [];
  for (let l = range.start; l <= range.end && lines.length < 10_000; l++) lines.push(l);
  return lines;
}

/** A stylesheet's changed rules reach the markup their selectors name; a rule naming no class or id reaches every page that loads the sheet. */
function seedStylesheet(
  graph: ModuleGraph,
  module: GraphModule,
  seed: ChangeSeed,
  lines: LineRange[],
  reach: (key: Key, from: Key | null) => void,
  origin: (range: LineRange) => Key,
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
    if (everywhere || graph.importers.has(seed.file)) reach(`f\0${seed.file}`, from);
    if (!everywhere) for (const token of tokens) reach(`t\0\0${token}`, from);
  }
}

/** A browser script's change reaches the markup its nearest DOM query looks for; elsewhere, every page that loads it. */
function seedBrowserScript(
  module: GraphModule,
  seed: ChangeSeed,
  lines: LineRange[],
  reach: (key: Key, from: Key | null) => void,
  origin: (range: LineRange) => Key,
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
      reach(`f\0${seed.file}`, from);
      continue;
    }
    const smallest = Math.min(...queries.map((q) => size(inside(q.statement) ? q.statement : q.scope)));
    const nearest = queries.filter((q) => size(inside(q.statement) ? q.statement : q.scope) === smallest);
    const tokens = nearest.flatMap((q) => selectorTokens(q.selector) ?? []);
    if (tokens.length === 0) reach(`f\0${seed.file}`, from);
    else for (const token of new Set(tokens)) reach(`t\0\0${token}`, from);
  }
}

/** The app shell using an export of a module outside it: a call that may build state at start-up. */
interface StartupCall {
  /** The export's key, where the walk continues from. */
  key: Key;
  file: string;
  /** The exported unit. */
  unit: number;
  importer: string;
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
  call: StartupCall,
  seed: ChangeSeed,
  prev: ReadonlyMap<Key, Key | null>,
): StateOutflow {
  const module = graph.modules.get(call.file);
  const unit = module?.facts.units[call.unit];
  if (!module || !unit || prev.has(`f\0${call.file}`)) return "all";
  const came = prev.get(`u\0${call.file}\0${call.unit}`);
  if (came && !/^[ues]\0|^m\0/.test(came)) return "all";
  const reachedWhole = (file: string) => prev.has(`l\0${file}`) || prev.has(`f\0${file}`);
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
          ? graph.modules.get(target)?.facts.exports.size !== 0 &&
            [...(graph.modules.get(target)?.facts.exports.keys() ?? [])].some((e) =>
              prev.has(`e\0${target}\0${e}`),
            )
          : prev.has(`e\0${target}\0${binding.imported}`));
      if (reached) names.add(binding.local);
    }
  });
  if (names.has("\0load")) return "all";
  module.facts.units.forEach((other, j) => {
    if (j === call.unit || !prev.has(`u\0${call.file}\0${j}`)) return;
    for (const name of other.names) if (unit.refs.has(name)) names.add(name);
  });
  const members = new Set([...unit.members].filter((m) => prev.has(`m\0\0${m}`)));
  let lines: LineRange[] = [];
  if (seed.file === call.file) {
    if (!seed.lines) return "all";
    lines = seed.lines.filter((r) => r.start <= unit.end && r.end >= unit.start);
  }
  const inflow = JSON.stringify([[...names].sort(), [...members].sort(), lines]);
  if (call.last?.inflow === inflow) return call.last.outflow;
  const outflow = stateMembersReached(call.file, module.text, unit, { names, members, lines });
  call.last = { inflow, outflow };
  return outflow;
}
