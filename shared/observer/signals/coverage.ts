import { formatRanges, overlaps } from "../diff.ts";
import type { ChangedFile, CoverageMap, LineRange, Reason } from "../types.ts";

/** Files (and lines) a recorded run of the flow executed in the browser. */
export function coverageReasons(
  flow: string,
  coverage: CoverageMap | undefined,
  changes: ReadonlyArray<{ change: ChangedFile; lines?: LineRange[]; baseLines?: LineRange[] }>,
): Reason[] {
  const recorded = coverage?.flows[flow];
  if (!recorded) return [];
  const reasons: Reason[] = [];
  for (const { change, lines: headLines, baseLines } of changes) {
    // Coverage was recorded at base: compare the lines the change touched there.
    const lines = baseLines ?? headLines;
    const ranges =
      recorded.files[change.path] ?? (change.previousPath ? recorded.files[change.previousPath] : undefined);
    if (!ranges) continue;
    const executed = ranges === true || !lines || lines.some((l) => overlaps(ranges, l.start, l.end));
    if (!executed) continue;
    const when = coverage?.commit ? ` at ${coverage.commit.slice(0, 7)}` : "";
    reasons.push({
      signal: "coverage",
      file: change.path,
      ...(lines ? { lines } : {}),
      detail: `the recorded run of ${flow}${when} executed ${change.path}${lines && ranges !== true ? ` (lines ${formatRanges(lines)})` : ""}`,
      weight: 0.95,
    });
  }
  return reasons;
}
