import path from "node:path";
import { repositoryGlobMatcher } from "../../config/repository-glob.ts";
import { overlaps } from "../diff.ts";
import type { ModuleGraph } from "../module-graph.ts";
import type { ChangedFile, LineRange, Reason } from "../types.ts";

/*
 * Files whose change can break any page: dependency manifests and lockfiles, build and compiler
 * configuration, environment files, and Perceo's own config and personas. A change to one of them
 * selects every flow. `observer.runAllWhen` adds globs; `observer.ignore` removes files from view.
 */

const LOCKFILES = [
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "bun.lockb",
  "bun.lock",
];
const BUILD_CONFIG =
  /^(vite|vitest|next|nuxt|svelte|astro|remix|webpack|rollup|rspack|postcss|tailwind|babel|esbuild|turbo|i18n)\.config\.[cm]?[jt]s$|^tsconfig(\.[\w-]+)?\.json$|^\.babelrc|^\.browserslistrc$|^\.env(?!\.(?:example|sample|template)$)(\.[\w-]+)?$|^\.nvmrc$|^\.node-version$/;
const MANIFEST_SECTIONS =
  /^\s*"(dependencies|devDependencies|peerDependencies|optionalDependencies|overrides|resolutions|pnpm|workspaces|type|main|module|exports|imports|browser|engines)"\s*:/;

export function runAllReason(
  change: ChangedFile,
  lines: LineRange[] | undefined,
  projectDir: string,
  extraGlobs: readonly string[],
  headText: string | undefined,
): Reason | undefined {
  const file = change.path;
  const dir = path.posix.dirname(file) === "." ? "" : path.posix.dirname(file);
  const base = path.posix.basename(file);
  const inAppOrAbove = dir === "" || dir === projectDir || projectDir.startsWith(`${dir}/`);
  const project = projectDir ? `${projectDir}/` : "";
  const reason = (detail: string): Reason => ({
    signal: "global",
    file,
    ...(lines ? { lines } : {}),
    detail,
    weight: 1,
  });

  if (file === `${project}.perceo/config.yml` || file === `${project}.perceo/personas.yml`)
    return reason(`${file} changed: Perceo's own settings apply to every flow`);
  if (inAppOrAbove && LOCKFILES.includes(base))
    return reason(`${file} changed: installed dependencies may differ`);
  if (inAppOrAbove && base === "package.json") {
    if (!lines || headText === undefined || manifestSectionsTouched(headText, lines))
      return reason(`${file} changed its dependencies or module settings`);
  }
  if (inAppOrAbove && /^(tailwind|uno|unocss|windi|panda)\.config\.[cm]?[jt]s$/.test(base))
    return {
      ...reason(
        `${file} changed: styling of every page (the theme and design tokens); compare every flow's screenshots`,
      ),
      change: "styling",
    };
  if (inAppOrAbove && BUILD_CONFIG.test(base))
    return reason(`${file} changed: build or runtime configuration`);
  for (const glob of extraGlobs) {
    const match = repositoryGlobMatcher(glob);
    if (match(file) || (project && file.startsWith(project) && match(file.slice(project.length))))
      return reason(`${file} matches observer.runAllWhen "${glob}"`);
  }
  return undefined;
}

const CODE_BUILD_CONFIG =
  /^(vite|next|nuxt|svelte|astro|remix|webpack|rollup|rspack|postcss|tailwind|babel|esbuild|i18n)\.config\.[cm]?[jt]s$/;

/**
 * A file the build itself reads: one a build config at the app's root names by path (astrowind's
 * `config: './src/config.yaml'`), or a module it imports for its side effects (`import "./env.mjs"`,
 * which validates the environment before any page builds). Either selects every flow.
 */
export function buildInputReason(
  change: ChangedFile,
  lines: LineRange[] | undefined,
  graph: Pick<ModuleGraph, "assetRefs" | "importers" | "modules">,
  projectDir: string,
): Reason | undefined {
  const isConfig = (file: string) => {
    const dir = path.posix.dirname(file) === "." ? "" : path.posix.dirname(file);
    return dir === projectDir && CODE_BUILD_CONFIG.test(path.posix.basename(file));
  };
  const reason = (detail: string): Reason => ({
    signal: "global",
    file: change.path,
    ...(lines ? { lines } : {}),
    detail,
    weight: 1,
  });
  const naming = graph.assetRefs.get(change.path)?.find((ref) => isConfig(ref.file));
  if (naming)
    return reason(
      `${change.path} changed: ${naming.file} names it, so the build reads it (build configuration)`,
    );
  for (const { file, index } of graph.importers.get(change.path) ?? []) {
    const record = graph.modules.get(file)?.facts.imports[index];
    if (isConfig(file) && record?.kind === "static" && record.bindings.length === 0 && !record.typeOnly)
      return reason(`${change.path} changed: ${file} imports it, so it runs when the build starts`);
  }
  return undefined;
}

/** Whether changed lines of a package.json fall in a section that changes what runs. */
function manifestSectionsTouched(text: string, lines: LineRange[]): boolean {
  const rows = text.split("\n");
  let depth = 0;
  let section: { start: number; depth: number } | undefined;
  for (const [index, row] of rows.entries()) {
    const line = index + 1;
    if (!section && depth === 1 && MANIFEST_SECTIONS.test(row)) section = { start: line, depth };
    for (const ch of row) {
      if (ch === "{" || ch === "[") depth++;
      if (ch === "}" || ch === "]") depth--;
    }
    if (section && depth <= section.depth) {
      if (overlaps(lines, section.start, line)) return true;
      section = undefined;
    }
  }
  return false;
}

export function ignoredBy(globs: readonly string[], file: string, projectDir: string): string | undefined {
  const project = projectDir ? `${projectDir}/` : "";
  for (const glob of globs) {
    const match = repositoryGlobMatcher(glob);
    if (match(file) || (project && file.startsWith(project) && match(file.slice(project.length))))
      return glob;
  }
  return undefined;
}
