import { readFile } from "node:fs/promises";
import path from "node:path";
import type { CoverageMap } from "./types.ts";

/** Where `perceo run --coverage` writes the coverage map, relative to the project (the folder holding `.perceo/`). */
export const COVERAGE_FILE = ".perceo/coverage.json";

/** A coverage map from its JSON text; undefined when the text is not one (a hand-edited or truncated file). */
export function parseCoverageMap(text: string): CoverageMap | undefined {
  try {
    const json = JSON.parse(text) as Partial<CoverageMap> | null;
    if (!json || typeof json !== "object" || !json.flows || typeof json.flows !== "object") return undefined;
    return json as CoverageMap;
  } catch {
    return undefined;
  }
}

/** `.perceo/coverage.json` under `projectRoot`, when present and readable. */
export async function readCoverageFile(projectRoot: string): Promise<CoverageMap | undefined> {
  try {
    return parseCoverageMap(await readFile(path.join(projectRoot, COVERAGE_FILE), "utf8"));
  } catch {
    return undefined;
  }
}
