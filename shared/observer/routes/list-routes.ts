import { buildModuleGraph } from "../module-graph.ts";
import type { SourceTree } from "../source-tree.ts";
import { type ConfiguredRoute, discoverRoutes } from "./discover-routes.ts";
import type { RouteDef } from "./route.ts";

/**
 * The routes of the app in `appDir` of `tree`, as the observer finds them for a selection: the file
 * conventions of the frameworks its package.json names, route tables in its code, and
 * `observer.routes` from the config. `perceo init` starts its flows from these.
 */
export async function listRoutes(
  tree: SourceTree,
  options: { appDir?: string; configured?: readonly ConfiguredRoute[] } = {},
): Promise<RouteDef[]> {
  const appDir = options.appDir ?? "";
  const graph = await buildModuleGraph({ tree, appDir });
  const packageJson = await tree.read(appDir ? `${appDir}/package.json` : "package.json");
  const index = discoverRoutes(graph, {
    appDir,
    ...(packageJson !== undefined ? { packageJson } : {}),
    configured: options.configured ?? [],
  });
  return index.routes;
}
