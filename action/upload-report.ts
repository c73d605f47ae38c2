import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { DefaultArtifactClient } from "@actions/artifact";
import type { RunResult } from "../shared/runner/index.ts";
import type { VisualComparison } from "./visual-compare.ts";

/** The report's view of a run: whoever opens the artifact starts here. */
const REPORT_PAGE = "index.html";
/** Written beside run.json when the results were stored nowhere, so that nothing is lost. */
export const RESULTS_FILE = "results.json";

export type ReportUpload =
  | { uploaded: true; name: string; id: number; url: string; files: number }
  | { uploaded: false; name: string; reason: string };

export interface ReportUploadRequest {
  /** Unique per workflow run: one per shard and attempt. */
  name: string;
  reportDir: string;
  run: RunResult;
  visual: VisualComparison;
  /** The run went to no backend: add run.json and results.json. */
  includeResults: boolean;
  /** Where the artifact is shown: `<server>/<owner/repo>/actions/runs/<run id>`. */
  runUrl: string;
}

/** The report-relative files a person needs to review the run: screenshots, diff images, traces. */
export function reportFiles(run: RunResult, visual: VisualComparison, includeResults: boolean): string[] {
  const files = new Set<string>([REPORT_PAGE]);
  for (const flow of run.flows) {
    for (const attempt of flow.attempts) {
      for (const shot of attempt.screenshots) files.add(shot.path);
      if (attempt.trace) files.add(attempt.trace);
    }
  }
  for (const change of visual.changes) if (change.diffPath) files.add(change.diffPath);
  if (includeResults) {
    files.add("run.json");
    files.add(RESULTS_FILE);
  }
  return [...files];
}

/**
 * Uploads the report as one workflow artifact with @actions/artifact (the Actions Results service
 * at ACTIONS_RESULTS_URL, authorised by ACTIONS_RUNTIME_TOKEN, then a signed blob URL). A runner
 * without that service (a local run, GHES) and a failed upload are reported, never thrown: the
 * run's outcome does not depend on its artifact.
 */
export async function uploadReport(request: ReportUploadRequest): Promise<ReportUpload> {
  const { name } = request;
  // @actions/artifact reads these from the environment itself.
  if (!process.env.ACTIONS_RUNTIME_TOKEN || !process.env.ACTIONS_RESULTS_URL) {
    return {
      uploaded: false,
      name,
      reason:
        "this runner has no Actions artifact service (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set)",
    };
  }
  const files = [
    ...reportFiles(request.run, request.visual, request.includeResults).map((file) =>
      path.join(request.reportDir, file),
    ),
    ...playwrightReport(request.reportDir),
  ].filter((file) => existsSync(file));
  try {
    const uploaded = await new DefaultArtifactClient().uploadArtifact(name, files, request.reportDir);
    if (uploaded.id === undefined) throw new Error("the artifact service returned no artifact id");
    return {
      uploaded: true,
      name,
      id: uploaded.id,
      url: `${request.runUrl}/artifacts/${uploaded.id}`,
      files: files.length,
    };
  } catch (error) {
    return { uploaded: false, name, reason: (error as Error).message };
  }
}

/** Playwright's own HTML report, which a run of Playwright tests leaves in playwright-report/: kept whole. */
function playwrightReport(reportDir: string): string[] {
  const dir = path.join(reportDir, "playwright-report");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}
