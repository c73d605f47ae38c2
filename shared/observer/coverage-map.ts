import type { RecordedCoverage } from "../runner/index.ts";
import { toRanges } from "./diff.ts";
import type { CoverageMap, FlowCoverage, LineRange } from "./types.ts";

/**
 * Turns the runner's per-flow recordings (URLs) into a coverage map of repository files: a script or
 * stylesheet URL names the file whose path ends with the URL's path (`/public/js/cart.js` →
 * `examples/shop/public/js/cart.js`), preferring files inside the app.
 */
export function buildCoverageMap(
  recordings: ReadonlyMap<string, RecordedCoverage>,
  files: readonly string[],
  options: { appDir?: string; commit?: string; recordedAt?: string } = {},
): CoverageMap {
  const prefix = options.appDir ? `${options.appDir}/` : "";
  const cache = new Map<string, string | undefined>();
  const fileFor = (url: string): string | undefined => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(url).pathname);
    } catch {
      return undefined;
    }
    if (cache.has(pathname)) return cache.get(pathname);
    const suffix = pathname.replace(/^\/+/, "");
    const matches = suffix ? files.filter((f) => f === suffix || f.endsWith(`/${suffix}`)) : [];
    const found = matches.find((f) => f.startsWith(prefix)) ?? matches[0];
    cache.set(pathname, found);
    return found;
  };
  const flows: Record<string, FlowCoverage> = {};
  for (const [flow, recorded] of recordings) {
    const mapped: Record<string, LineRange[]> = {};
    for (const [url, lines] of Object.entries(recorded.files)) {
      const file = fileFor(url);
      if (file) mapped[file] = toRanges([...(mapped[file] ?? []), ...lines].flatMap(expand));
    }
    flows[flow] = { urls: recorded.urls, files: mapped };
  }
  return {
    ...(options.commit ? { commit: options.commit } : {}),
    recordedAt: options.recordedAt ?? new Date().toISOString(),
    flows,
  };
}

function expand(range: LineRange): number[] {
  const lines: number[] = [];
  for (let l = range.start; l <= range.end; l++) lines.push(l);
  return lines;
}
