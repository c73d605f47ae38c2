import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { RunResult, ScreenshotRef } from "../shared/runner/index.ts";
import { compareImages } from "../shared/visual/index.ts";

/** A screenshot that no longer looks like its baseline. */
export interface VisualChange {
  flow: string;
  screenshot: string;
  stepIndex: number;
  /** Report-relative paths. */
  path: string;
  diffPath: string | undefined;
  /** Share of pixels that differ, 0…1 (1 when the sizes differ). */
  diffRatio: number;
  baselineCommit: string;
}

export interface VisualComparison {
  changes: VisualChange[];
  /** Screenshots compared with a baseline and found unchanged. */
  unchanged: number;
  /** Screenshots with no baseline yet (a new flow or step, or a first run). */
  withoutBaseline: number;
}

/** Finds the baseline picture of one screenshot; undefined when there is none. */
export type BaselineLookup = (
  flow: string,
  shot: ScreenshotRef,
) => Promise<{ png: Uint8Array; commitSha: string } | undefined>;

/** Ignore differences below this share of pixels: a few antialiased pixels are not a change. */
const CHANGED_RATIO = 0.0005;

/** Compares every screenshot of each flow's last attempt with its baseline; writes diff images beside them. */
export async function compareScreenshotsWithBaselines(
  run: RunResult,
  reportDir: string,
  findBaseline: BaselineLookup,
): Promise<VisualComparison> {
  const result: VisualComparison = { changes: [], unchanged: 0, withoutBaseline: 0 };
  for (const flow of run.flows) {
    const last = flow.attempts.at(-1);
    if (last?.status !== "passed") continue;
    for (const shot of last.screenshots) {
      if (shot.name === "failure") continue;
      const baseline = await findBaseline(flow.name, shot);
      if (!baseline) {
        result.withoutBaseline++;
        continue;
      }
      const current = await readFile(path.join(reportDir, shot.path));
      const diffPath = `${shot.path.replace(/\.png$/, "")}.diff.png`;
      const diff = diffImages(baseline.png, current);
      if (diff.ratio <= CHANGED_RATIO) {
        result.unchanged++;
        continue;
      }
      if (diff.image) await writeFile(path.join(reportDir, diffPath), diff.image);
      result.changes.push({
        flow: flow.name,
        screenshot: shot.name,
        stepIndex: shot.stepIndex,
        path: shot.path,
        diffPath: diff.image ? diffPath : undefined,
        diffRatio: diff.ratio,
        baselineCommit: baseline.commitSha,
      });
    }
  }
  return result;
}

/** Share of changed pixels (anti-aliasing ignored, shared/visual) and a diff image. */
export function diffImages(before: Uint8Array, after: Uint8Array): { ratio: number; image?: Uint8Array } {
  const result = compareImages(before, after, { diffImage: true });
  return {
    ratio: result.sizeChange ? 1 : result.ratio,
    ...(result.diffPng ? { image: result.diffPng } : {}),
  };
}
