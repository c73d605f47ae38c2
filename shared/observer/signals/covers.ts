import type { LoadedFlow } from "../../config/index.ts";
import { repositoryGlobMatcher } from "../../config/repository-glob.ts";
import type { ChangedFile, LineRange, Reason } from "../types.ts";

/** A flow's `covers` globs: written from the repository root (as the example shop's are) or from the project. */
export function coversReasons(
  flow: LoadedFlow,
  changes: ReadonlyArray<{ change: ChangedFile; lines?: LineRange[] }>,
  projectDir: string,
): Reason[] {
  if (flow.covers.length === 0) return [];
  const reasons: Reason[] = [];
  const prefix = projectDir ? `${projectDir}/` : "";
  for (const glob of flow.covers) {
    const match = repositoryGlobMatcher(glob);
    for (const { change, lines } of changes) {
      const paths = [change.path, ...(change.previousPath ? [change.previousPath] : [])];
      const hit = paths.find(
        (p) => match(p) || (prefix && p.startsWith(prefix) && match(p.slice(prefix.length))),
      );
      if (!hit) continue;
      reasons.push({
        signal: "covers",
        file: change.path,
        ...(lines ? { lines } : {}),
        glob,
        detail: `${change.path} matches covers glob "${glob}" in ${flow.file}`,
        weight: 0.9,
      });
    }
  }
  return reasons;
}
