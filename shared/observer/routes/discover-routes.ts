import { repositoryGlobMatcher } from "../../config/repository-glob.ts";
import type { RouteIndex } from "../change-impact.ts";
import { type ModuleGraph, TEST_FILE } from "../module-graph.ts";
import { detectFrameworks, discoverFrameworkRoutes } from "./framework-routes.ts";
import { normalizePattern, type RouteDef } from "./route.ts";
import { findRouteRegistrations } from "./route-table.ts";

export interface ConfiguredRoute {
  path: string;
  files: string[];
}

const FALLBACK_NAME = /not-?found|404|fallback|catch-?all/i;

/**
 * Every route of the app: file conventions for the frameworks its package.json names, route
 * tables found in its code, and `observer.routes` from the config. Also the app shell: modules
 * that import a route table (the server and its request pipeline), where a change reaches every route.
 */
export function discoverRoutes(
  graph: ModuleGraph,
  options: { appDir: string; packageJson?: string; configured?: readonly ConfiguredRoute[] },
): RouteIndex {
  const prefix = options.appDir ? `${options.appDir}/` : "";
  const inApp = (file: string) => file.startsWith(prefix) && !TEST_FILE.test(file.slice(prefix.length));
  const frameworks = detectFrameworks(options.packageJson);
  const routes: RouteDef[] = discoverFrameworkRoutes(
    [...graph.files],
    options.appDir,
    frameworks,
    (file) => graph.modules.get(file)?.text,
  );

  for (const module of graph.modules.values()) {
    if (module.kind !== "code" || !inApp(module.file) || !module.routeHint) continue;
    routes.push(...findRouteRegistrations(module.file, module.text, graph.resolve));
  }

  for (const configured of options.configured ?? []) {
    const match = repositoryGlobMatcher(
      configured.files.map((f) => (f.startsWith(prefix) ? f : `${prefix}${f}`)),
    );
    const files = [...graph.files].filter((f) => match(f));
    routes.push({
      pattern: normalizePattern(configured.path),
      entries: files.map((file) => ({ file })),
      layouts: [],
      kind: configured.path === "*" ? "fallback" : "page",
      source: "observer.routes in .perceo/config.yml",
    });
  }

  // The shell: route tables' hosts and everything in the app that imports them.
  const hosts = new Set(routes.flatMap((r) => (r.host ? [r.host] : [])));
  const entryFiles = new Set(routes.flatMap((r) => r.entries.map((e) => e.file)));
  const shell = new Set<string>();
  const queue = [...hosts];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (shell.has(file) || !inApp(file)) continue;
    if (!hosts.has(file) && entryFiles.has(file)) continue;
    shell.add(file);
    for (const { file: importer, index } of graph.importers.get(file) ?? []) {
      if (graph.modules.get(importer)?.facts.imports[index]?.typeOnly) continue;
      queue.push(importer);
    }
  }

  // A shell module that hands unmatched requests to a not-found page: that page is the fallback route.
  for (const file of shell) {
    const module = graph.modules.get(file);
    if (!module) continue;
    module.facts.imports.forEach((record, index) => {
      const target = module.targets[index];
      if (!target || record.typeOnly || shell.has(target)) return;
      for (const binding of record.bindings) {
        if (!FALLBACK_NAME.test(binding.imported) && !FALLBACK_NAME.test(target)) continue;
        routes.push({
          pattern: "*",
          entries: [{ file: target, symbol: binding.imported }],
          layouts: [],
          kind: "fallback",
          source: `${file}:${record.line}`,
          host: file,
        });
      }
    });
  }
  return { routes, shell };
}
