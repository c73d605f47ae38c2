import path from "node:path";
import { ResolverFactory } from "oxc-resolver";

const CODE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];
const PROBE_EXTENSIONS = [...CODE_EXTENSIONS, ".vue", ".svelte", ".astro", ".json", ".css", ".scss"];
const JS_TO_TS: Record<string, string[]> = {
  ".js": [".ts", ".tsx"],
  ".jsx": [".tsx"],
  ".mjs": [".mts"],
  ".cjs": [".cts"],
};

export type Resolved = { file: string } | { external: string } | { missing: string };

/**
 * Resolves import specifiers to repository files. Relative specifiers are answered from the file
 * list (the common case, and the fast one); everything else — tsconfig `paths`, package `imports`,
 * workspace packages — goes to oxc-resolver when the files are on disk.
 */
export interface PathAliases {
  /** Folder the targets are relative to (repository-relative). */
  baseDir: string;
  paths: Record<string, string[]>;
}

/** tsconfig `compilerOptions.paths`, for trees that are not on disk (oxc-resolver reads them itself otherwise). */
export function readPathAliases(
  tsconfigText: string | undefined,
  tsconfigDir: string,
): PathAliases | undefined {
  if (!tsconfigText) return undefined;
  try {
    const json = JSON.parse(withoutJsonComments(tsconfigText)) as {
      compilerOptions?: { baseUrl?: string; paths?: Record<string, string[]> };
    };
    const options = json.compilerOptions;
    if (!options?.paths) return undefined;
    return { baseDir: path.posix.join(tsconfigDir, options.baseUrl ?? "."), paths: options.paths };
  } catch {
    return undefined;
  }
}

/**
 * JSON with comments and trailing commas (tsconfig's dialect) as JSON. Strings are skipped whole:
 * an include glob such as `src/**` followed by `/*.ts` holds a comment opener that is no comment.
 */
export function withoutJsonComments(text: string): string {
  return text
    .replace(/("(?:[^"\\\n]|\\.)*")|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (_match, string?: string) => string ?? "")
    .replace(
      /("(?:[^"\\\n]|\\.)*")|,(\s*[}\]])/g,
      (match, string?: string, close?: string) => string ?? close ?? match,
    );
}

/** The paths a specifier may stand for under tsconfig-style `paths`, in the order they are tried. */
export function aliasTargets(paths: Record<string, string[]>, specifier: string): string[] {
  const found: string[] = [];
  for (const [pattern, targets] of Object.entries(paths)) {
    const star = pattern.indexOf("*");
    const head = star === -1 ? pattern : pattern.slice(0, star);
    const tail = star === -1 ? "" : pattern.slice(star + 1);
    if (star === -1 ? specifier !== pattern : !(specifier.startsWith(head) && specifier.endsWith(tail)))
      continue;
    const middle = star === -1 ? "" : specifier.slice(head.length, specifier.length - tail.length);
    for (const target of targets) found.push(target.replace("*", middle));
  }
  return found;
}

/**
 * Aliases a framework defines without a tsconfig of the repository's own (SvelteKit writes `$lib`
 * into .svelte-kit/tsconfig.json, which a fresh checkout lacks; Nuxt's `~/` and `@/`), for the app in `appDir`.
 */
export function frameworkAliases(files: ReadonlySet<string>, appDir: string): PathAliases | undefined {
  const at = (file: string) => files.has(appDir ? `${appDir}/${file}` : file);
  const config = (name: string) => ["js", "ts", "mjs", "cjs"].some((ext) => at(`${name}.config.${ext}`));
  if (config("svelte"))
    return { baseDir: appDir || ".", paths: { $lib: ["src/lib"], "$lib/*": ["src/lib/*"] } };
  if (config("nuxt")) {
    // Nuxt 4 keeps the app in app/.
    const src = at("app/app.vue") || at("app/pages/index.vue") ? "app/" : "";
    return {
      baseDir: appDir || ".",
      paths: { "~/*": [`${src}*`], "@/*": [`${src}*`], "~~/*": ["*"], "@@/*": ["*"] },
    };
  }
  return undefined;
}

export function createModuleResolver(
  files: ReadonlySet<string>,
  root?: string,
  aliases?: PathAliases,
  fallback: readonly PathAliases[] = [],
) {
  const factory = root
    ? new ResolverFactory({
        tsconfig: "auto",
        extensions: PROBE_EXTENSIONS,
        extensionAlias: { ".js": [".ts", ".tsx", ".js"], ".jsx": [".tsx", ".jsx"], ".mjs": [".mts", ".mjs"] },
        conditionNames: ["import", "module", "browser", "node", "default", "require"],
        mainFields: ["module", "browser", "main"],
      })
    : undefined;
  // By folder, then specifier: a large repository asks tens of thousands of times, and a key built
  // by concatenation for each question costs more than the answer.
  const cache = new Map<string, Map<string, Resolved>>();

  const probe = (base: string): string | undefined => {
    if (files.has(base)) return base;
    const ext = path.posix.extname(base);
    for (const alt of JS_TO_TS[ext] ?? []) {
      const candidate = base.slice(0, -ext.length) + alt;
      if (files.has(candidate)) return candidate;
    }
    for (const e of PROBE_EXTENSIONS) if (files.has(base + e)) return base + e;
    for (const e of PROBE_EXTENSIONS) if (files.has(`${base}/index${e}`)) return `${base}/index${e}`;
    return undefined;
  };

  const viaAliases = (list: PathAliases, specifier: string): Resolved | undefined => {
    for (const target of aliasTargets(list.paths, specifier)) {
      const file = probe(path.posix.normalize(path.posix.join(list.baseDir, target)));
      if (file) return { file };
    }
    return undefined;
  };

  // A module asks about each of its imports in turn: its folder and that folder's answers stay at hand.
  let lastFrom: string | undefined;
  let dir = ".";
  let inDir = new Map<string, Resolved>();

  return (from: string, specifier: string): Resolved => {
    const clean =
      specifier.includes("?") || specifier.includes("#") ? specifier.replace(/[?#].*$/, "") : specifier;
    if (from !== lastFrom) {
      lastFrom = from;
      const slash = from.lastIndexOf("/");
      dir = slash === -1 ? "." : slash === 0 ? "/" : from.slice(0, slash);
      let known = cache.get(dir);
      if (!known) {
        known = new Map();
        cache.set(dir, known);
      }
      inDir = known;
    }
    const cached = inDir.get(clean);
    if (cached) return cached;
    let result: Resolved | undefined;
    if (clean.startsWith(".")) {
      const file = probe(joinRelative(dir, clean));
      if (file) result = { file };
    }
    if (!result && !factory && aliases) result = viaAliases(aliases, clean);
    if (!result && factory && root) {
      const answer = factory.resolveFileSync(path.join(root, from), clean);
      if (answer.path) {
        const rel = path.relative(root, answer.path).split(path.sep).join("/");
        result = files.has(rel)
          ? { file: rel }
          : clean.startsWith(".")
            ? { missing: path.posix.join(dir, clean) }
            : { external: clean };
      } else if (answer.builtin) result = { external: clean };
    }
    for (const list of fallback) {
      if (result && !("external" in result)) break;
      result = viaAliases(list, clean) ?? result;
    }
    if (!result) {
      const bare = !clean.startsWith(".") && !clean.startsWith("/");
      result = bare ? { external: clean } : { missing: path.posix.join(dir, clean) };
    }
    inDir.set(clean, result);
    return result;
  };
}

/**
 * `path.posix.join(dir, specifier)` for the usual shapes (`./x`, `../../x/y.js` from a normalised
 * folder) without its normalising pass, which tens of thousands of imports add up to; anything else
 * goes to path.posix.join.
 */
function joinRelative(dir: string, specifier: string): string {
  if (dir === "." || dir === "/") return path.posix.join(dir, specifier);
  let base = dir;
  let rest = specifier.startsWith("./") ? specifier.slice(2) : specifier;
  while (rest.startsWith("../")) {
    const slash = base.lastIndexOf("/");
    if (slash <= 0 || base.slice(slash + 1) === "..") return path.posix.join(dir, specifier);
    base = base.slice(0, slash);
    rest = rest.slice(3);
  }
  if (rest === "" || /^[./]|\/$|\.\/|\/\//.test(rest)) return path.posix.join(dir, specifier);
  return `${base}/${rest}`;
}

export function isCodeFile(file: string): boolean {
  return CODE_EXTENSIONS.some((e) => file.endsWith(e)) && !file.endsWith(".d.ts");
}
