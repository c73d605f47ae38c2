import type { Page } from "playwright-core";
import { lineIndex } from "./line-index.ts";

/*
 * What one flow made the browser do: the documents it visited and, in Chromium, which lines of each
 * script and stylesheet ran or applied (precise block coverage for scripts, used rules for styles).
 * The observer maps the URLs back to repository files and selects flows whose executed lines a
 * change touches. Coverage is taken after every step: what a document ran before a step that
 * navigates away is kept; what ran during that very step on the old document may be lost.
 */

export interface LineSpan {
  start: number;
  end: number;
}

export interface RecordedCoverage {
  /** Documents the main frame visited, in order. */
  urls: string[];
  /** Script or stylesheet URL → lines that ran (scripts) or styled something (stylesheets). */
  files: Record<string, LineSpan[]>;
}

export interface CoverageRecorder {
  /** Takes what the current document has run so far; the runner calls it after every step. */
  checkpoint(): Promise<void>;
  stop(): Promise<RecordedCoverage>;
}

export async function startCoverage(page: Page): Promise<CoverageRecorder> {
  const urls: string[] = [];
  const files: Record<string, LineSpan[]> = {};
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame() && urls[urls.length - 1] !== frame.url()) urls.push(frame.url());
  });
  const chromium = page.context().browser()?.browserType().name() === "chromium";
  if (!chromium) return { checkpoint: async () => undefined, stop: async () => ({ urls, files }) };

  const start = () =>
    Promise.all([
      page.coverage.startJSCoverage({ resetOnNavigation: false }),
      page.coverage.startCSSCoverage({ resetOnNavigation: false }),
    ]);
  const collect = async () => {
    const [scripts, styles] = await Promise.all([
      page.coverage.stopJSCoverage().catch(() => []),
      page.coverage.stopCSSCoverage().catch(() => []),
    ]);
    for (const script of scripts) {
      if (!script.url.startsWith("http") || !script.source) continue;
      merge(
        files,
        script.url,
        toLines(script.source, executedOffsets(script.functions, script.source.length)),
      );
    }
    for (const style of styles) {
      if (!style.url.startsWith("http") || !style.text) continue;
      merge(
        files,
        style.url,
        toLines(
          style.text,
          style.ranges.map((r) => [r.start, r.end] as const),
        ),
      );
    }
  };
  await start();
  return {
    async checkpoint() {
      await collect();
      await start();
    },
    async stop() {
      await collect();
      return { urls, files };
    },
  };
}

type Fn = { ranges: Array<{ startOffset: number; endOffset: number; count: number }> };

/** V8 block coverage: later (nested) ranges override earlier ones; keep the spans with a count. */
function executedOffsets(functions: readonly Fn[], length: number): Array<readonly [number, number]> {
  const counts = new Uint8Array(length);
  const ranges = functions
    .flatMap((f) => f.ranges)
    .sort((a, b) => b.endOffset - b.startOffset - (a.endOffset - a.startOffset));
  for (const r of ranges) counts.fill(r.count > 0 ? 1 : 0, r.startOffset, Math.min(length, r.endOffset));
  const spans: Array<readonly [number, number]> = [];
  let start = -1;
  for (let i = 0; i <= length; i++) {
    const on = i < length && counts[i] === 1;
    if (on && start === -1) start = i;
    if (!on && start !== -1) {
      spans.push([start, i]);
      start = -1;
    }
  }
  return spans;
}

function toLines(text: string, spans: ReadonlyArray<readonly [number, number]>): LineSpan[] {
  const lineOf = lineIndex(text);
  return spans.map(([s, e]) => ({ start: lineOf(s), end: lineOf(Math.max(s, e - 1)) }));
}

function merge(files: Record<string, LineSpan[]>, url: string, lines: LineSpan[]): void {
  const key = url.replace(/[?#].*$/, "");
  const all = [...(files[key] ?? []), ...lines].sort((a, b) => a.start - b.start);
  const merged: LineSpan[] = [];
  for (const span of all) {
    const last = merged[merged.length - 1];
    if (last && span.start <= last.end + 1) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  files[key] = merged;
}
