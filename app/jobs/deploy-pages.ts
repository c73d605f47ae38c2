import type { PerceoConfig } from "../../shared/config/index.ts";
import { repositoryGlobMatcher } from "../../shared/config/repository-glob.ts";

type PageSetting = NonNullable<PerceoConfig["pages"]>[number];
type RouteSetting = NonNullable<PerceoConfig["observer"]>["routes"][number];

/** Files whose change can alter how a page looks, whatever page it is. */
const VISUAL_FILE =
  /\.(css|scss|sass|less|styl|pcss|html?|jsx|tsx|vue|svelte|astro|mdx|hbs|handlebars|ejs|njk|liquid|pug|erb|svg|png|jpe?g|gif|webp|avif|ico|woff2?|ttf|otf|eot)$/i;

export interface SelectedPage {
  page: PageSetting;
  /** Why it is captured, for the check run. */
  reason: string;
}

export interface PageSelection {
  selected: SelectedPage[];
  /** Pages no changed file can reach. */
  skipped: PageSetting[];
}

/**
 * The pages a deploy can change:
 * 1. changed files unknown (no earlier deploy to compare with): every page, fully captured
 * 2. a page with `files` globs: a changed file matches one of them
 * 3. a configured route whose pattern serves the page's path: a changed file matches its files
 * 4. a page without `files`: a changed file of a visual type (styles, markup, components, images, fonts)
 * Nothing matched on any page means a backend-only deploy: nothing is captured.
 */
export function selectDeployPages(input: {
  pages: readonly PageSetting[];
  /** Paths changed since the last deploy; undefined when there is nothing to compare with. */
  changedFiles: readonly string[] | undefined;
  routes?: readonly RouteSetting[];
}): PageSelection {
  const selected: SelectedPage[] = [];
  const skipped: PageSetting[] = [];
  for (const page of input.pages) {
    const reason = reasonFor(page, input.changedFiles, input.routes ?? []);
    if (reason) selected.push({ page, reason });
    else skipped.push(page);
  }
  return { selected, skipped };
}

function reasonFor(
  page: PageSetting,
  changed: readonly string[] | undefined,
  routes: readonly RouteSetting[],
): string | undefined {
  if (changed === undefined) return "no earlier deploy to compare with: full capture";
  if (page.files.length > 0) {
    const hit = firstMatch(changed, page.files);
    if (hit) return `${hit.file} matches "${hit.glob}"`;
  }
  const path = new URL(page.url).pathname;
  for (const route of routes) {
    if (!routeServes(route.path, path)) continue;
    const hit = firstMatch(changed, route.files);
    if (hit) return `${hit.file} renders route ${route.path}`;
  }
  if (page.files.length === 0) {
    const visual = changed.find((file) => VISUAL_FILE.test(file));
    if (visual) return `${visual} can change how pages look`;
  }
  return undefined;
}

function firstMatch(files: readonly string[], globs: readonly string[]) {
  for (const glob of globs) {
    const matches = repositoryGlobMatcher(glob);
    const file = files.find((f) => matches(f));
    if (file) return { file, glob };
  }
  return undefined;
}

/** `/products/:slug` serves `/products/lamp`; `*` any rest. */
function routeServes(pattern: string, path: string): boolean {
  if (pattern === "*") return true;
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  for (let i = 0; i < want.length; i++) {
    const segment = want[i] as string;
    if (segment.startsWith("*")) return true;
    if (got[i] === undefined) return false;
    if (!segment.startsWith(":") && segment !== got[i]) return false;
  }
  return got.length === want.length;
}
