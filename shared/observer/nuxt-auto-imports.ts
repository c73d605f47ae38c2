import type { ImportRecord } from "./module-facts.ts";
import type { GraphModule } from "./module-graph.ts";
import { isCodeFile } from "./resolve-module.ts";

/*
 * Nuxt imports an app's components, composables and utils by itself: a page renders <MediaCard>
 * (components/media/Card.vue) and calls listMedia (exported by composables/tmdb.ts) with no import
 * statement. These are the import records such a statement would make, so a change to a component or
 * a composable reaches the pages that use it through the same walk as an explicit import.
 * Names follow Nuxt's: the folders under components/ prefix the file's name, less the words the name
 * already starts with (components/icon/IconNuxt.vue is <IconNuxt>), index.vue takes its folder's
 * name, `.client`/`.server` drop out, and `Lazy` before any of them loads it lazily; composables/
 * and utils/ give their top-level files' (and folders' index files') exports, a default export by
 * the file's name in camelCase.
 */

/** Where the Nuxt app's own folders are ("" for Nuxt 3, "app/" for Nuxt 4), or undefined when it is not a Nuxt app. */
export function nuxtSourceDir(files: ReadonlySet<string>, appDir: string): string | undefined {
  const prefix = appDir ? `${appDir}/` : "";
  if (!["js", "ts", "mjs", "cjs"].some((ext) => files.has(`${prefix}nuxt.config.${ext}`))) return undefined;
  return files.has(`${prefix}app/app.vue`) || files.has(`${prefix}app/pages/index.vue`) ? "app/" : "";
}

/** The component names Nuxt registers for a file under components/ (`rel`: its path below that folder). */
export function nuxtComponentNames(rel: string): string[] {
  const parts = rel.split("/");
  let file = (parts.pop() as string).replace(/\.[^.]+$/, "").replace(/\.(client|server)$/, "");
  const prefix = parts.flatMap(words);
  if (file.toLowerCase() === "index") file = prefix.pop() ?? "";
  const own = words(file);
  const lead: string[] = [];
  while (prefix.length > 0 && prefix[0]?.toLowerCase() !== own[0]?.toLowerCase())
    lead.push(prefix.shift() as string);
  const name = [...lead, ...own].map(pascal).join("");
  return name ? [name, `Lazy${name}`] : [];
}

/** The import records Nuxt's auto-imports add, by importing module. */
export function nuxtAutoImports(
  modules: ReadonlyMap<string, GraphModule>,
  files: ReadonlySet<string>,
  appDir: string,
  source: string,
): Map<string, ImportRecord[]> {
  const base = `${appDir ? `${appDir}/` : ""}${source}`;
  // Name → the file that provides it.
  const provided = new Map<string, string>();
  const components = `${base}components/`;
  for (const file of files) {
    if (!file.startsWith(components) || !/\.(vue|[jt]sx?)$/.test(file) || file.endsWith(".d.ts")) continue;
    for (const name of nuxtComponentNames(file.slice(components.length)))
      if (!provided.has(name)) provided.set(name, file);
  }
  for (const folder of ["composables/", "utils/"]) {
    const dir = `${base}${folder}`;
    for (const [file, module] of modules) {
      if (!file.startsWith(dir) || !isCodeFile(file)) continue;
      const rest = file.slice(dir.length).split("/");
      if (rest.length > 2 || (rest.length === 2 && !/^index\.[cm]?[jt]s$/.test(rest[1] as string))) continue;
      for (const exported of module.facts.exports.keys()) {
        const name =
          exported === "default"
            ? camel(rest.length === 2 ? (rest[0] as string) : (rest[0] as string).replace(/\.[^.]+$/, ""))
            : exported;
        if (!provided.has(name)) provided.set(name, file);
      }
    }
  }
  const added = new Map<string, ImportRecord[]>();
  if (provided.size === 0) return added;
  for (const [file, module] of modules) {
    if (module.kind === "style" || !file.startsWith(base)) continue;
    const own = new Set<string>();
    for (const unit of module.facts.units) for (const name of unit.names) own.add(name);
    for (const record of module.facts.imports) for (const b of record.bindings) own.add(b.local);
    const byTarget = new Map<string, ImportRecord>();
    for (const unit of module.facts.units) {
      for (const ref of unit.refs) {
        const target = provided.get(ref);
        if (!target || target === file || own.has(ref)) continue;
        let record = byTarget.get(target);
        if (!record) {
          record = {
            specifier: target,
            kind: "static",
            typeOnly: false,
            bindings: [],
            reexports: [],
            line: 0,
          };
          byTarget.set(target, record);
        }
        if (!record.bindings.some((b) => b.local === ref)) {
          const imported = target.startsWith(components) ? "default" : exportedAs(modules.get(target), ref);
          record.bindings.push({ local: ref, imported });
        }
      }
    }
    if (byTarget.size > 0) added.set(file, [...byTarget.values()]);
  }
  return added;
}

/** The export a composable's auto-imported name stands for: itself, or the default export named after the file. */
function exportedAs(module: GraphModule | undefined, name: string): string {
  return module?.facts.exports.has(name) ? name : "default";
}

/** A name's words: `AutoQuery` → Auto, Query; `auto-query` → auto, query. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[\s_-]+/)
    .filter(Boolean);
}

function pascal(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function camel(file: string): string {
  const [first = "", ...rest] = words(file);
  return first.charAt(0).toLowerCase() + first.slice(1) + rest.map(pascal).join("");
}
