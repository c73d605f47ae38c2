import { existsSync, readFileSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { aliasTargets, readPathAliases } from "../shared/observer/index.ts";

/*
 * What the observer asks oxc-resolver, answered in JavaScript on runners whose native resolver the
 * bundle does not carry. The observer resolves relative imports from the file list itself and
 * asks this only about the rest: tsconfig `paths` (the nearest tsconfig.json, without `extends`)
 * are followed to files; Node's builtins are builtins; anything else is a package, left unresolved
 * (the observer takes it for an external module).
 */

const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".vue", ".svelte", ".json"];

export class ResolverFactory {
  private readonly tsconfigs = new Map<string, ReturnType<typeof readPathAliases> | null>();

  resolveFileSync(
    file: string,
    specifier: string,
  ): { path?: string; builtin?: { resolved: string }; error?: string } {
    if (isBuiltin(specifier)) return { builtin: { resolved: specifier } };
    if (specifier.startsWith(".") || path.isAbsolute(specifier)) {
      const found = probe(path.resolve(path.dirname(file), specifier));
      return found ? { path: found } : { error: `${specifier} not found` };
    }
    const aliases = this.aliasesFor(path.dirname(file));
    for (const target of aliasTargets(aliases?.paths ?? {}, specifier)) {
      const found = probe(path.resolve(aliases?.baseDir ?? ".", target));
      if (found) return { path: found };
    }
    return { error: `${specifier} is a package (resolved without oxc's resolver)` };
  }

  /** The path aliases of the nearest tsconfig.json at or above `dir`, with an absolute baseDir. */
  private aliasesFor(dir: string): ReturnType<typeof readPathAliases> {
    const known = this.tsconfigs.get(dir);
    if (known !== undefined) return known ?? undefined;
    const file = path.join(dir, "tsconfig.json");
    let aliases: ReturnType<typeof readPathAliases>;
    if (existsSync(file)) aliases = readPathAliases(readFileSync(file, "utf8"), dir);
    else if (path.dirname(dir) !== dir) aliases = this.aliasesFor(path.dirname(dir));
    this.tsconfigs.set(dir, aliases ?? null);
    return aliases;
  }
}

function probe(base: string): string | undefined {
  if (isFile(base)) return base;
  for (const ext of EXTENSIONS) if (isFile(base + ext)) return base + ext;
  for (const ext of EXTENSIONS)
    if (isFile(path.join(base, `index${ext}`))) return path.join(base, `index${ext}`);
  const jsExt = path.extname(base);
  if ([".js", ".jsx", ".mjs", ".cjs"].includes(jsExt)) {
    const stem = base.slice(0, -jsExt.length);
    for (const ext of [".ts", ".tsx", ".mts", ".cts"]) if (isFile(stem + ext)) return stem + ext;
  }
  return undefined;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
