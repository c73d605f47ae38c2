import path from "node:path";
import { repositoryGlobMatcher } from "../config/repository-glob.ts";
import { type CssFacts, readCssFacts } from "./css-rules.ts";
import type { CachedModule, FactsCache } from "./facts-cache.ts";
import { type ModuleFacts, type NamePool, readModuleFacts, type Unit } from "./module-facts.ts";
import { nuxtAutoImports, nuxtSourceDir } from "./nuxt-auto-imports.ts";
import {
  createModuleResolver,
  frameworkAliases,
  isCodeFile,
  type PathAliases,
  readPathAliases,
} from "./resolve-module.ts";
import { mayRegisterRoutes } from "./routes/route-table.ts";
import type { SourceTree } from "./source-tree.ts";

/*
 * The project's modules and what links them: imports (static, dynamic, re-exports, require, CSS
 * @import) resolved to files, and references by string to static files (`<script src>`, `href`,
 * `"cart.js"`), so a change to a stylesheet or browser script reaches the modules that load it.
 */

export interface GraphModule {
  file: string;
  kind: "code" | "markup" | "style";
  facts: ModuleFacts;
  css?: CssFacts;
  /** Resolved file per import, by index; undefined for packages and unresolved specifiers. */
  targets: Array<string | undefined>;
  /** The source; read on first use when the facts came from the cache. */
  readonly text: string;
  /** The text looks like it registers routes. */
  routeHint: boolean;
}

export interface ModuleGraph {
  files: ReadonlySet<string>;
  modules: Map<string, GraphModule>;
  importers: Map<string, Array<{ file: string; index: number }>>;
  /** A file referenced by a string in a module → the units that reference it. */
  assetRefs: Map<string, Array<{ file: string; unit: number }>>;
  /** Import specifiers that resolve to no file (a removed module), by the path they point at. */
  missing: Map<string, Array<{ file: string; index: number }>>;
  resolve(from: string, specifier: string): string | undefined;
}

const MARKUP = /\.(html|vue|svelte|astro)$/;
/** Astro's Markdown pages, whose frontmatter `layout:` names the layout that renders them. */
const MARKDOWN_PAGE = /(^|\/)src\/pages\/.*\.mdx?$/;
const STYLE = /\.(css|scss|sass|less)$/;
const ASSET_TOKEN =
  /[\w@~./-]*[\w-]\.(?:js|mjs|css|svg|png|jpe?g|gif|webp|avif|ico|woff2?|ttf|otf|json|ya?ml|toml|txt|html|mp4|webm|pdf)(?![\w-])/g;
export const TEST_FILE =
  /(^|\/)(__tests__|__mocks__|tests?|e2e|cypress|playwright)\/|\.(test|spec|stories)\.[cm]?[jt]sx?$/;

export interface BuildGraphOptions {
  tree: SourceTree;
  /** The app's folder in the repository ("" for the root); modules outside it join when it imports them. */
  appDir: string;
  ignore?: readonly string[];
  /** Files already listed (saves a second listing). */
  files?: readonly string[];
  /** Facts parsed before, by content; used when the tree knows blob ids and reads synchronously. */
  cache?: FactsCache;
}

export async function buildModuleGraph(options: BuildGraphOptions): Promise<ModuleGraph> {
  const all = options.files ?? (await options.tree.list());
  const files = new Set(all);
  const ignored = options.ignore?.length ? repositoryGlobMatcher(options.ignore) : () => false;
  const prefix = options.appDir ? `${options.appDir}/` : "";
  let aliases: PathAliases | undefined;
  if (!options.tree.root) {
    for (const dir of [options.appDir, ""]) {
      const file = dir ? `${dir}/tsconfig.json` : "tsconfig.json";
      aliases = files.has(file) ? readPathAliases(await options.tree.read(file), dir) : undefined;
      if (aliases) break;
    }
  }
  // A JavaScript app's jsconfig.json paths, which oxc-resolver does not read, then the framework's own.
  let fallback: PathAliases | undefined;
  for (const dir of [options.appDir, ""]) {
    const file = dir ? `${dir}/jsconfig.json` : "jsconfig.json";
    fallback = files.has(file) ? readPathAliases(await options.tree.read(file), dir) : undefined;
    if (fallback) break;
  }
  const framework = frameworkAliases(files, options.appDir);
  const resolver = createModuleResolver(files, options.tree.root, aliases, [
    ...(fallback ? [fallback] : []),
    ...(framework ? [framework] : []),
  ]);
  const resolve = (from: string, specifier: string) => {
    const r = resolver(from, specifier);
    return "file" in r ? r.file : undefined;
  };
  const graph: ModuleGraph = {
    files,
    modules: new Map(),
    importers: new Map(),
    assetRefs: new Map(),
    missing: new Map(),
    resolve,
  };
  const wanted = (file: string) =>
    isCodeFile(file) || MARKUP.test(file) || STYLE.test(file) || MARKDOWN_PAGE.test(file);
  const queue = all.filter(
    (f) => f.startsWith(prefix) && wanted(f) && !f.includes("node_modules/") && !ignored(f),
  );
  const queued = new Set(queue);
  const readSync = options.tree.readSync;
  const cache = readSync && options.tree.blobIds ? options.cache : undefined;
  const blobIds = cache && options.tree.blobIds ? await options.tree.blobIds() : new Map<string, string>();
  const names: NamePool = new Map();
  const BATCH = 256;
  for (let i = 0; i < queue.length; i += BATCH) {
    const batch = queue.slice(i, i + BATCH);
    const cached = batch.map((f) => {
      const id = blobIds.get(f);
      return id && cache ? cache.get(id, f) : undefined;
    });
    const texts = readSync
      ? batch.map((f, j) => (cached[j] ? undefined : readSync(f)))
      : await Promise.all(batch.map((f) => options.tree.read(f)));
    batch.forEach((file, j) => {
      const known = cached[j];
      const text = texts[j];
      let module: GraphModule;
      if (known && readSync) module = new RereadModule(file, known, readSync);
      else if (text !== undefined) {
        module = readModule(file, text, names);
        const read: CachedModule = {
          kind: module.kind,
          facts: module.facts,
          ...(module.css ? { css: module.css } : {}),
          routeHint: module.routeHint,
        };
        const id = blobIds.get(file);
        if (id && cache) cache.set(id, file, read);
        // Twenty thousand modules' sources need not stay in memory: the few asked for are read again.
        if (readSync) module = new RereadModule(file, read, readSync);
      } else return;
      // Template imports add records below; the cached facts stay as parsed.
      if (module.facts.imports.some((r) => r.pattern)) module.facts = structuredClone(module.facts);
      const link = (target: string, index: number) => {
        linkImport(graph, target, file, index);
        if (!queued.has(target) && wanted(target) && !ignored(target)) {
          queued.add(target);
          queue.push(target);
        }
      };
      module.targets = new Array(module.facts.imports.length);
      module.facts.imports.forEach((record, index) => {
        if (record.typeOnly && record.kind !== "reexport") {
          module.targets[index] = undefined;
          return;
        }
        if (record.pattern) {
          const matches = patternTargets(file, record.pattern, all);
          module.targets[index] = matches[0];
          // One record per further file, linked here: the loop does not visit records added while it runs.
          for (const extra of matches.slice(1)) {
            const at = module.facts.imports.push({ ...record, specifier: extra }) - 1;
            for (const unit of module.facts.units) if (unit.loads.includes(index)) unit.loads.push(at);
            module.targets[at] = extra;
            link(extra, at);
          }
          if (matches[0]) link(matches[0], index);
          return;
        }
        const answer = resolver(file, record.specifier);
        const target = "file" in answer ? answer.file : undefined;
        module.targets[index] = target;
        if (target) link(target, index);
        else if ("missing" in answer) {
          let list = graph.missing.get(answer.missing);
          if (!list) {
            list = [];
            graph.missing.set(answer.missing, list);
          }
          list.push({ file, index });
        }
      });
      graph.modules.set(file, module);
    });
  }
  const nuxt = nuxtSourceDir(files, options.appDir);
  if (nuxt !== undefined) {
    for (const [file, records] of nuxtAutoImports(graph.modules, files, options.appDir, nuxt)) {
      const module = graph.modules.get(file) as GraphModule;
      // The cached facts stay as parsed: the records join a copy.
      module.facts = { ...module.facts, imports: [...module.facts.imports] };
      for (const record of records) {
        const index = module.facts.imports.push(record) - 1;
        module.targets[index] = record.specifier;
        linkImport(graph, record.specifier, file, index);
      }
    }
  }
  linkAssetReferences(graph);
  return graph;
}

function linkImport(graph: ModuleGraph, target: string, file: string, index: number): void {
  let list = graph.importers.get(target);
  if (!list) {
    list = [];
    graph.importers.set(target, list);
  }
  list.push({ file, index });
}

/**
 * The part of a file's path a template import filled in, without its extension: `AuthorLayout` for
 * layouts/AuthorLayout.js loaded by `require(\`../layouts/${layout}\`)` from components/.
 */
export function templateName(
  from: string,
  pattern: { prefix: string; suffix: string },
  target: string,
): string {
  const head = path.posix.join(path.posix.dirname(from), pattern.prefix);
  const filled = target.slice(head.length, target.length - pattern.suffix.length);
  return filled.replace(/(\/index)?\.[cm]?[jt]sx?$|\.(vue|svelte|astro)$/, "");
}

/** Files a template dynamic import can load: `import(\`./pages/${name}.ts\`)`. */
function patternTargets(
  from: string,
  pattern: { prefix: string; suffix: string },
  files: readonly string[],
): string[] {
  // join keeps a trailing slash: `./pages/` → `src/pages/`, `./page-` → `src/page-`.
  const head = path.posix.join(path.posix.dirname(from), pattern.prefix);
  return files.filter((f) => f.startsWith(head) && f.endsWith(pattern.suffix) && f !== from && isCodeFile(f));
}

function readModule(file: string, text: string, names: NamePool): GraphModule {
  if (STYLE.test(file)) {
    const css = readCssFacts(text);
    const lines = text.split("\n").length;
    const unit: Unit = {
      label: "<stylesheet>",
      names: ["default"],
      start: 1,
      end: lines,
      refs: new Set(),
      members: new Set(),
      literals: [...css.urls.map((u) => u.specifier)],
      loads: [],
      sideEffect: true,
      typeOnly: false,
    };
    const facts: ModuleFacts = {
      imports: css.imports.map((i) => ({
        specifier: i.specifier,
        kind: "static",
        typeOnly: false,
        bindings: [],
        reexports: [],
        line: i.line,
      })),
      units: [unit],
      exports: new Map([["default", "default"]]),
      domQueries: [],
    };
    return { file, kind: "style", facts, css, targets: [], text, routeHint: false };
  }
  if (MARKDOWN_PAGE.test(file))
    return { file, kind: "markup", facts: readMarkdownFacts(text), targets: [], text, routeHint: false };
  if (MARKUP.test(file))
    return {
      file,
      kind: "markup",
      facts: readMarkupFacts(file, text, names),
      targets: [],
      text,
      routeHint: false,
    };
  return {
    file,
    kind: "code",
    facts: readModuleFacts(file, text, 0, names),
    targets: [],
    text,
    routeHint: mayRegisterRoutes(text),
  };
}

/** A module kept without its source: the text is read again only when something asks for it. */
class RereadModule implements GraphModule {
  readonly file: string;
  readonly kind: GraphModule["kind"];
  facts: ModuleFacts;
  css?: CssFacts;
  targets: Array<string | undefined> = [];
  readonly routeHint: boolean;
  readonly #readSync: (file: string) => string | undefined;
  #text: string | undefined;

  constructor(file: string, known: CachedModule, readSync: (file: string) => string | undefined) {
    this.file = file;
    this.kind = known.kind;
    this.facts = known.facts;
    if (known.css) this.css = known.css;
    this.routeHint = known.routeHint;
    this.#readSync = readSync;
  }

  get text(): string {
    this.#text ??= this.#readSync(this.file) ?? "";
    return this.#text;
  }
}

/**
 * A component or page file with a template: its <script> blocks (and Astro frontmatter) parsed as
 * modules, plus the template as one unit — the file's default export.
 */
function readMarkupFacts(file: string, text: string, names: NamePool): ModuleFacts {
  const merged: ModuleFacts = { imports: [], units: [], exports: new Map(), domQueries: [] };
  const blocks: Array<{ code: string; offset: number; lang: string }> = [];
  const lineAt = (index: number) => text.slice(0, index).split("\n").length - 1;
  if (file.endsWith(".astro")) {
    const front = /^---\n([\s\S]*?)\n---/.exec(text);
    if (front?.[1]) blocks.push({ code: front[1], offset: 1, lang: "ts" });
  }
  for (const match of text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    const attrs = match[1] ?? "";
    if (/\bsrc\s*=/.test(attrs)) continue;
    const code = match[2] ?? "";
    const start = (match.index ?? 0) + match[0].indexOf(">") + 1;
    blocks.push({ code, offset: lineAt(start), lang: /lang=["']ts/.test(attrs) ? "ts" : "js" });
  }
  for (const block of blocks) {
    const facts = readModuleFacts(`block.${block.lang}`, block.code, block.offset, names);
    const base = merged.units.length;
    const importBase = merged.imports.length;
    merged.imports.push(...facts.imports);
    for (const unit of facts.units) {
      merged.units.push({
        ...unit,
        ...(unit.owner !== undefined ? { owner: unit.owner + base } : {}),
        loads: unit.loads.map((l) => l + importBase),
      });
    }
    for (const [k, v] of facts.exports) merged.exports.set(k, v);
    merged.domQueries.push(...facts.domQueries);
    if (facts.parseError) merged.parseError = facts.parseError;
  }
  const refs = new Set<string>();
  for (const unit of merged.units) for (const name of unit.names) refs.add(name);
  for (const match of text.matchAll(/<([A-Z][\w.]*)/g))
    if (match[1]) refs.add(match[1].split(".")[0] as string);
  if (file.endsWith(".vue")) for (const name of vueTemplateNames(text)) refs.add(name);
  merged.units.push({
    label: "<template>",
    names: ["default"],
    start: 1,
    end: text.split("\n").length,
    refs,
    members: new Set(),
    literals: [text],
    loads: [],
    sideEffect: file.endsWith(".html"),
    typeOnly: false,
  });
  if (!merged.exports.has("default")) merged.exports.set("default", "default");
  return merged;
}

/** A Markdown page: one unit, the page, which loads the layout its frontmatter names. */
function readMarkdownFacts(text: string): ModuleFacts {
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text)?.[1] ?? "";
  const layout = /^layout:\s*["']?([^"'\s]+)["']?\s*$/m.exec(front)?.[1];
  const lines = front ? front.split("\n").findIndex((l) => l.startsWith("layout:")) + 2 : 0;
  return {
    imports: layout
      ? [{ specifier: layout, kind: "static", typeOnly: false, bindings: [], reexports: [], line: lines }]
      : [],
    units: [
      {
        label: "<page>",
        names: ["default"],
        start: 1,
        end: text.split("\n").length,
        refs: new Set(),
        members: new Set(),
        literals: [],
        loads: layout ? [0] : [],
        sideEffect: false,
        typeOnly: false,
      },
    ],
    exports: new Map([["default", "default"]]),
    domQueries: [],
  };
}

/**
 * What a Vue template names beyond PascalCase tags: kebab-case components (`<media-card>` is
 * MediaCard) and the identifiers of its expressions (`{{ formatTime(x) }}`, `:src="poster(item)"`,
 * `v-if`, `@click`), which may be imports of the script or Nuxt's auto-imports.
 */
function vueTemplateNames(text: string): string[] {
  const template = text.replace(/<(script|style)\b[\s\S]*?<\/\1>/g, "");
  const names: string[] = [];
  for (const match of template.matchAll(/<([a-z][a-z0-9]*(?:-[a-z0-9]+)+)/g))
    names.push((match[1] as string).replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase()));
  const expressions = [
    ...template.matchAll(/\{\{([\s\S]*?)\}\}/g),
    ...template.matchAll(/\s(?:[:@#][\w.:[\]-]*|v-[\w.:[\]-]+)\s*=\s*"([^"]*)"/g),
  ];
  for (const match of expressions) {
    const code = (match[1] as string).replace(/'(?:[^'\\]|\\.)*'/g, "''");
    for (const id of code.matchAll(/(?<![\w$.])[A-Za-z_$][\w$]*/g)) names.push(id[0]);
  }
  return names;
}

/** Strings that name a file of the repository (`"/public/css/shop.css"`, `"cart.js"`) link the unit to it. */
function linkAssetReferences(graph: ModuleGraph): void {
  // File name → the files so named; built when the first string that could name one turns up.
  let byBase: Map<string, string[]> | undefined;
  const filesNamed = (base: string): readonly string[] => {
    if (!byBase) {
      byBase = new Map();
      for (const file of graph.files) {
        if (file.includes("node_modules/")) continue;
        const name = path.posix.basename(file);
        if (!/\.\w+$/.test(name) || /\.(tsx?|d\.ts)$/.test(name)) continue;
        let list = byBase.get(name);
        if (!list) {
          list = [];
          byBase.set(name, list);
        }
        list.push(file);
      }
    }
    return byBase.get(base) ?? [];
  };
  for (const module of graph.modules.values()) {
    const units = module.facts.units;
    for (let index = 0; index < units.length; index++) {
      for (const literal of (units[index] as Unit).literals) {
        if (!literal.includes(".")) continue;
        for (const match of literal.matchAll(ASSET_TOKEN)) {
          const token = match[0].replace(/^(\.\/|~\/|@\/)/, "").replace(/^\/+/, "");
          const candidates = filesNamed(path.posix.basename(token));
          for (const file of candidates) {
            if (file === module.file) continue;
            if (token.includes("/") && !(file === token || file.endsWith(`/${token}`))) continue;
            let list = graph.assetRefs.get(file);
            if (!list) {
              list = [];
              graph.assetRefs.set(file, list);
            }
            if (!list.some((r) => r.file === module.file && r.unit === index))
              list.push({ file: module.file, unit: index });
          }
        }
      }
    }
  }
}
