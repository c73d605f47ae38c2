import type { CDPSession, Page } from "playwright-core";
import { lineIndex } from "./line-index.ts";

/*
 * What one flow made the browser do: the documents it visited and, in Chromium, which lines of each
 * script and stylesheet ran or applied (precise block coverage for scripts, used rules for styles).
 * The observer maps the URLs back to repository files and selects flows whose executed lines a
 * change touches.
 *
 * A document's coverage dies with it, so it is taken while the document is about to unload: a
 * listener in an isolated world makes every document have a `beforeunload` listener, an event
 * listener breakpoint pauses there, and the paused handler takes the coverage so far and resumes.
 * Coverage is taken (counters reset, spans accumulated), never stopped and restarted, which would
 * lose what ran since the last take. The price: while a page unloads, the test's page commands wait
 * for that take (a few milliseconds).
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
  /** Takes what the current document has run so far (the runner calls it after every step). */
  checkpoint(): Promise<void>;
  stop(): Promise<RecordedCoverage>;
}

const UNLOAD_LISTENER = 'addEventListener("beforeunload", () => {});';

export async function startCoverage(page: Page): Promise<CoverageRecorder> {
  const urls: string[] = [];
  const files: Record<string, LineSpan[]> = {};
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame() && urls[urls.length - 1] !== frame.url()) urls.push(frame.url());
  });
  const chromium = page.context().browser()?.browserType().name() === "chromium";
  if (!chromium) return { checkpoint: async () => undefined, stop: async () => ({ urls, files }) };

  const cdp = await page.context().newCDPSession(page);
  const take = documentCoverage(cdp, files);
  // One take at a time: a pause on unload and a step's checkpoint may ask at once.
  let queue: Promise<void> = Promise.resolve();
  const serial = (work: () => Promise<void>) => {
    queue = queue.then(work, work);
    return queue;
  };
  cdp.on("Debugger.paused", (event) => {
    void serial(async () => {
      if (event.reason === "EventListener") await take().catch(() => undefined);
      await cdp.send("Debugger.resume").catch(() => undefined);
    });
  });
  await Promise.all([
    cdp.send("Page.enable"),
    cdp.send("Page.addScriptToEvaluateOnNewDocument", {
      source: UNLOAD_LISTENER,
      worldName: "perceo-coverage",
    }),
    cdp.send("Debugger.enable"),
    cdp.send("Profiler.enable"),
    cdp.send("DOM.enable").then(() => cdp.send("CSS.enable")),
  ]);
  await Promise.all([
    cdp.send("Profiler.startPreciseCoverage", { callCount: true, detailed: true }),
    cdp.send("CSS.startRuleUsageTracking"),
    cdp.send("DOMDebugger.setEventListenerBreakpoint", { eventName: "beforeunload" }),
  ]);
  return {
    checkpoint: () => serial(() => take().catch(() => undefined)),
    async stop() {
      await serial(() => take().catch(() => undefined));
      await cdp.detach().catch(() => undefined);
      return { urls, files };
    },
  };
}

/**
 * Takes the scripts' block coverage and the rules used since the last take, and merges their
 * lines into `files`. Sources are fetched while their document is alive, once per script or sheet.
 */
function documentCoverage(cdp: CDPSession, files: Record<string, LineSpan[]>): () => Promise<void> {
  const scripts = new Map<string, { url: string; source?: string }>();
  const sheets = new Map<string, { url: string; text?: string }>();
  // An id is reused when the page moves to a new renderer process, so each announcement replaces the entry.
  cdp.on(
    "Debugger.scriptParsed",
    (s) => void (s.url.startsWith("http") && scripts.set(s.scriptId, { url: s.url })),
  );
  cdp.on("CSS.styleSheetAdded", ({ header }) => {
    if (header.sourceURL.startsWith("http")) sheets.set(header.styleSheetId, { url: header.sourceURL });
  });
  const scriptSource = async (id: string) => {
    const script = scripts.get(id);
    if (script && script.source === undefined)
      script.source = (await cdp.send("Debugger.getScriptSource", { scriptId: id })).scriptSource;
    return script;
  };
  const sheetText = async (id: string) => {
    const sheet = sheets.get(id);
    if (sheet && sheet.text === undefined)
      sheet.text = (await cdp.send("CSS.getStyleSheetText", { styleSheetId: id })).text;
    return sheet;
  };
  return async () => {
    const [js, css] = await Promise.all([
      cdp.send("Profiler.takePreciseCoverage"),
      cdp.send("CSS.takeCoverageDelta"),
    ]);
    for (const entry of js.result) {
      const script = await scriptSource(entry.scriptId).catch(() => undefined);
      if (!script?.source) continue;
      merge(
        files,
        script.url,
        toLines(script.source, executedOffsets(entry.functions, script.source.length)),
      );
    }
    const used = new Map<string, Array<readonly [number, number]>>();
    for (const rule of css.coverage) {
      if (rule.used)
        used.set(rule.styleSheetId, [
          ...(used.get(rule.styleSheetId) ?? []),
          [rule.startOffset, rule.endOffset],
        ]);
    }
    for (const [id, spans] of used) {
      const sheet = await sheetText(id).catch(() => undefined);
      if (sheet?.text) merge(files, sheet.url, toLines(sheet.text, spans));
    }
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
