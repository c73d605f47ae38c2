import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { RunResult } from "../runner/index.ts";
import { renderHtmlReport } from "./html-report.ts";
import { renderSummaryMarkdown } from "./summary-markdown.ts";

/** Writes `index.html`, `summary.md` and `run.json` beside the screenshots the runner left in `dir`. */
export async function writeReport(
  run: RunResult,
  dir: string,
): Promise<{ html: string; markdown: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const files = {
    html: path.join(dir, "index.html"),
    markdown: path.join(dir, "summary.md"),
    json: path.join(dir, "run.json"),
  };
  await Promise.all([
    writeFile(files.html, renderHtmlReport(run)),
    writeFile(files.markdown, renderSummaryMarkdown(run)),
    writeFile(files.json, `${JSON.stringify(run, null, 2)}\n`),
  ]);
  return files;
}
