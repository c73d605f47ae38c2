import type { LoadedFlow } from "../../config/index.ts";
import { formatRanges, overlaps } from "../diff.ts";
import type { ChangedFile, LineRange, Reason } from "../types.ts";

/*
 * A Playwright test's own code: its spec and the local modules it uses (page objects, fixtures,
 * helpers; see shared/playwright). An edit inside one test selects that test; an edit between the
 * tests (imports, hooks, shared helpers) selects every test of the spec; a changed page object or
 * fixture selects the tests that use it. A spec that could not be read selects all its tests on any
 * change, since what it visits and uses is unknown.
 */
export function testSourceReasons(
  flow: LoadedFlow,
  changes: ReadonlyArray<{ change: ChangedFile; lines?: LineRange[] }>,
  projectDir: string,
): Reason[] {
  const test = flow.test;
  if (!test) return [];
  const reasons: Reason[] = [];
  const paths = (change: ChangedFile) => [change.path, ...(change.previousPath ? [change.previousPath] : [])];
  const names = (file: string) => {
    const posix = file.replaceAll("\\", "/");
    return projectDir && !posix.startsWith(`${projectDir}/`) ? [posix, `${projectDir}/${posix}`] : [posix];
  };
  const spec = names(flow.file);
  if (test.unreadable && changes.length > 0) {
    const first = changes[0]?.change.path as string;
    reasons.push({
      signal: "imports",
      file: changes.find(({ change }) => paths(change).some((p) => spec.includes(p)))?.change.path ?? first,
      detail: `${flow.file} could not be read (${test.unreadable}), so what its tests visit and use is unknown: they run on every change`,
      weight: 1,
    });
    return reasons;
  }
  for (const { change, lines } of changes) {
    const changed = paths(change);
    if (changed.some((p) => names(test.config).includes(p))) {
      reasons.push({
        signal: "global",
        file: change.path,
        detail: `the Playwright config ${change.path} changed: every test it runs may change`,
        weight: 1,
      });
      continue;
    }
    if (changed.some((p) => spec.includes(p))) {
      const reason = specReason(flow, change, lines);
      if (reason) reasons.push(reason);
      continue;
    }
    const used = test.imports.find((i) => names(i.file).some((n) => changed.includes(n)));
    if (used) {
      reasons.push({
        signal: "imports",
        file: change.path,
        ...(lines ? { lines } : {}),
        chain: used.chain,
        detail: `${change.path}${lines ? ` (lines ${formatRanges(lines)})` : ""} is used by the test: ${used.chain.join(" → ")}`,
        weight: 0.9,
      });
    }
  }
  return reasons;
}

function specReason(
  flow: LoadedFlow,
  change: ChangedFile,
  lines: LineRange[] | undefined,
): Reason | undefined {
  const test = flow.test;
  if (!test) return undefined;
  const base = { signal: "covers" as const, file: change.path, ...(lines ? { lines } : {}) };
  if (!lines || change.status !== "modified")
    return { ...base, detail: `the test's spec ${change.path} is ${change.status}`, weight: 1 };
  const own = [test.lines];
  const inside = lines.filter((l) => overlaps(own, l.start, l.end));
  if (inside.length > 0)
    return {
      ...base,
      detail: `${change.path} lines ${formatRanges(inside)} changed inside this test`,
      weight: 1,
    };
  const between = lines.filter((l) => !overlaps(test.specTests, l.start, l.end));
  if (between.length > 0)
    return {
      ...base,
      detail: `${change.path} lines ${formatRanges(between)} changed outside its tests (imports, hooks or helpers they share)`,
      weight: 0.9,
    };
  return undefined;
}
