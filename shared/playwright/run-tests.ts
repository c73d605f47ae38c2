import { randomUUID } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import type { LoadedFlow } from "../config/index.ts";
import type {
  AttemptResult,
  FlowResult,
  RecordedCoverage,
  RunResult,
  ScreenshotRef,
  SourceLocation,
  StepError,
  StepResult,
} from "../runner/index.ts";
import { COVERAGE_ATTACHMENT } from "./coverage-fixture.ts";
import { PlaywrightSetupError } from "./errors.ts";
import { findInstalledPlaywright } from "./find-playwright.ts";
import { runNode } from "./list-tests.ts";
import type { PlaywrightSuite } from "./load-project.ts";

/*
 * Runs Playwright tests that are flows with the project's own `playwright test`: exactly those
 * tests (a generated `--test-list`), with the user's config — its projects, retries, webServer —
 * and Perceo's reporter beside Playwright's HTML report. Each test comes back as a flow result like
 * a YAML flow's: attempts (per project and retry), errors with file and line, screenshots from
 * `testInfo.attach` and `toHaveScreenshot`, traces.
 */

const locationSchema = z.object({ file: z.string(), line: z.number(), column: z.number() });
const errorSchema = z.object({ message: z.string(), location: locationSchema.optional() });
const reporterOutputSchema = z.object({
  status: z.string(),
  rootDir: z.string(),
  total: z.number(),
  errors: z.array(errorSchema),
  tests: z.array(
    z.object({
      file: z.string(),
      titlePath: z.array(z.string()),
      project: z.string(),
      outcome: z.enum(["expected", "unexpected", "flaky", "skipped"]),
      location: locationSchema.optional(),
      results: z.array(
        z.object({
          retry: z.number(),
          status: z.string(),
          durationMs: z.number(),
          startedAt: z.string(),
          errors: z.array(errorSchema),
          steps: z.array(
            z.object({
              title: z.string(),
              category: z.string(),
              durationMs: z.number(),
              error: errorSchema.optional(),
              location: locationSchema.optional(),
            }),
          ),
          attachments: z.array(
            z.object({
              name: z.string(),
              contentType: z.string(),
              path: z.string().optional(),
              body: z.string().optional(),
            }),
          ),
        }),
      ),
    }),
  ),
});
export type ReporterOutput = z.infer<typeof reporterOutputSchema>;

export interface PlaywrightRunOptions {
  suite: PlaywrightSuite;
  /** The test flows to run (each has `test`). */
  flows: readonly LoadedFlow[];
  project: string;
  baseUrl: string;
  /** The Perceo report folder: screenshots and traces are copied under it, Playwright's HTML report goes to playwright-report/ in it. */
  outputDir: string;
  /** Where paths in results are shown from (the flows' files are relative to it). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Override the config's retries and workers. */
  retries?: number;
  workers?: number;
  /** Each line Playwright and the reporter print. */
  onOutput?: (line: string) => void;
  /** Where the reporter module is (the Action's bundle carries a built copy). */
  reporterPath?: string;
  /** Record each test's coverage (`perceo run --coverage`): called with the last attempt's of each project. */
  onCoverage?: (flow: string, attempt: number, coverage: RecordedCoverage) => void;
}

const RUN_TIMEOUT_MS = 60 * 60_000;
/** This folder's reporter; the Action's build points it at the bundled copy. */
export const REPORTER_PATH = new URL("./perceo-reporter.ts", import.meta.url);
/** Preloaded into Playwright's processes to record coverage (see coverage-hook.ts). */
const COVERAGE_HOOK = new URL("./coverage-hook.ts", import.meta.url);

export async function runPlaywrightTests(options: PlaywrightRunOptions): Promise<RunResult> {
  const started = new Date();
  const playwright = findInstalledPlaywright(options.suite.configFile);
  const scratch = await mkdtemp(path.join(tmpdir(), "perceo-pw-run-"));
  try {
    const listFile = path.join(scratch, "tests.txt");
    const resultsFile = path.join(scratch, "results.json");
    await writeFile(listFile, `${options.flows.map((f) => f.test?.listEntry ?? f.file).join("\n")}\n`);
    const reporter = options.reporterPath ?? decodeURIComponent(REPORTER_PATH.pathname);
    const htmlDir = path.join(options.outputDir, "playwright-report");
    const args = [
      playwright.cli,
      "test",
      "--config",
      options.suite.configFile,
      "--test-list",
      listFile,
      `--reporter=${reporter},html`,
      ...(options.retries !== undefined ? ["--retries", String(options.retries)] : []),
      ...(options.workers !== undefined ? ["--workers", String(options.workers)] : []),
    ];
    let pending = "";
    const { code, stdout, stderr } = await runNode(args, {
      cwd: path.dirname(options.suite.configFile),
      env: {
        ...options.env,
        PERCEO_PLAYWRIGHT_RESULTS: resultsFile,
        PLAYWRIGHT_HTML_OUTPUT_DIR: htmlDir,
        PLAYWRIGHT_HTML_OPEN: "never",
        FORCE_COLOR: "0",
        ...(options.onCoverage
          ? {
              NODE_OPTIONS: `${options.env.NODE_OPTIONS ?? ""} --import ${COVERAGE_HOOK.href}`.trim(),
              PERCEO_COVERAGE_FROM: path.dirname(options.suite.configFile),
            }
          : {}),
      },
      timeoutMs: RUN_TIMEOUT_MS,
      onOutput: (chunk) => {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) options.onOutput?.(line);
      },
    });
    const text = await readFile(resultsFile, "utf8").catch(() => undefined);
    const parsed = text ? reporterOutputSchema.safeParse(JSON.parse(text)) : undefined;
    if (!parsed?.success) {
      throw new PlaywrightSetupError(
        `\`playwright test\` stopped before running any test (exit ${code}): ${tail(stderr || stdout)}. ` +
          `Fix: run \`npx playwright test --config ${path.relative(options.cwd, options.suite.configFile)}\` and correct what it reports.`,
      );
    }
    const output = parsed.data;
    if (output.total === 0 && output.errors.length === 0) {
      throw new PlaywrightSetupError(
        `none of the ${options.flows.length} selected tests matched in Playwright (${options.flows
          .slice(0, 3)
          .map((f) => `"${f.test?.listEntry}"`)
          .join(
            ", ",
          )}${options.flows.length > 3 ? ", …" : ""}): they were renamed or moved since they were listed. ` +
          "Fix: run `perceo flows list` to see the tests as they are now, and name those.",
      );
    }
    const flows = await toFlowResults(output, options);
    return runOf(flows, options, started);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function toFlowResults(output: ReporterOutput, options: PlaywrightRunOptions): Promise<FlowResult[]> {
  const show = (file: string) =>
    path.relative(options.cwd, path.resolve(output.rootDir, file)).split(path.sep).join("/") || file;
  const byEntry = new Map<string, ReporterOutput["tests"]>();
  for (const test of output.tests) {
    const key = [test.file, ...test.titlePath].join(" › ");
    byEntry.set(key, [...(byEntry.get(key) ?? []), test]);
  }
  const results: FlowResult[] = [];
  for (const flow of options.flows) {
    const entry = flow.test?.listEntry ?? flow.file;
    const runs = byEntry.get(entry) ?? [];
    const attempts: AttemptResult[] = [];
    for (const run of runs) {
      for (const result of run.results) {
        const number = attempts.length + 1;
        attempts.push(await attemptOf(flow, run.project, result, number, options, show));
      }
    }
    if (runs.length === 0) {
      // A spec that did not load (an unreadable flow) reports its error outside any test.
      const errors = output.errors.filter((e) => e.location && show(e.location.file) === flow.file);
      if (errors.length > 0) attempts.push(loadFailure(flow, errors, show));
    }
    const outcomes = runs.map((r) => r.outcome);
    let status: FlowResult["status"];
    // Not run at all: a spec that did not load failed; a test Playwright skipped (a shard, a filter) is skipped.
    if (runs.length === 0) status = attempts.length > 0 ? "failed" : "skipped";
    else if (outcomes.includes("unexpected")) status = "failed";
    else if (outcomes.includes("flaky")) status = "flaky";
    else if (outcomes.every((o) => o === "skipped")) status = "skipped";
    else status = "passed";
    results.push({
      name: flow.name,
      file: flow.file,
      priority: flow.priority,
      status,
      durationMs: Math.round(attempts.reduce((n, a) => n + a.durationMs, 0)),
      attempts,
    });
  }
  return results;
}

type RawResult = ReporterOutput["tests"][number]["results"][number];

async function attemptOf(
  flow: LoadedFlow,
  project: string,
  result: RawResult,
  number: number,
  options: PlaywrightRunOptions,
  show: (file: string) => string,
): Promise<AttemptResult> {
  const locate = (l: z.infer<typeof locationSchema> | undefined): SourceLocation => ({
    file: l ? show(l.file) : flow.file,
    line: l?.line ?? flow.test?.lines.start ?? 1,
    col: l?.column ?? 1,
  });
  const errorOf = (e: z.infer<typeof errorSchema>): StepError => ({
    message: `${project ? `[${project}] ` : ""}${plain(e.message)}`,
    location: locate(e.location),
  });
  const steps: StepResult[] = result.steps.slice(0, 200).map((s, index) => ({
    index,
    title: s.title,
    action: s.category,
    status: s.error ? "failed" : "passed",
    durationMs: s.durationMs,
    ...(s.error ? { error: errorOf(s.error) } : {}),
    location: locate(s.location),
  }));
  const dir = path.join("screenshots", flow.name, `attempt-${number}`);
  const screenshots: ScreenshotRef[] = [];
  let trace: string | undefined;
  for (const attachment of result.attachments) {
    const source = attachment.path;
    if (attachment.contentType === "image/png" && (source || attachment.body)) {
      // Several projects run the same test: each keeps its own pictures (and baselines).
      const name = screenshotName(attachment.name, (flow.test?.projects.length ?? 0) > 1 ? project : "");
      // toHaveScreenshot attaches expected, actual and diff: the actual one is this run's picture.
      if (/-(expected|diff|previous)$/.test(attachment.name.replace(/\.png$/, ""))) continue;
      const target = path.join(dir, `${name}.png`);
      const png = source ? await readFile(source) : Buffer.from(attachment.body as string, "base64");
      await mkdir(path.join(options.outputDir, dir), { recursive: true });
      await writeFile(path.join(options.outputDir, target), png);
      screenshots.push({
        name,
        path: target.split(path.sep).join("/"),
        viewport: pngSize(png),
        stepIndex: 0,
      });
    } else if (attachment.name === COVERAGE_ATTACHMENT) {
      const text = source
        ? await readFile(source, "utf8")
        : Buffer.from(attachment.body ?? "", "base64").toString();
      const recorded = safeCoverage(text);
      if (recorded) options.onCoverage?.(flow.name, number, recorded);
    } else if (attachment.name === "trace" && source) {
      trace = path.join("traces", `${flow.name}-attempt-${number}.zip`);
      await mkdir(path.join(options.outputDir, "traces"), { recursive: true });
      await copyFile(source, path.join(options.outputDir, trace));
    }
  }
  const failed = result.status !== "passed" && result.status !== "skipped";
  const firstError = result.errors[0];
  return {
    attempt: number,
    status: failed ? "failed" : "passed",
    durationMs: result.durationMs,
    steps,
    screenshots,
    ...(trace ? { trace: trace.split(path.sep).join("/") } : {}),
    ...(failed
      ? {
          error: firstError
            ? errorOf(firstError)
            : { message: `${result.status} (${project})`, location: locate(undefined) },
        }
      : {}),
  };
}

function loadFailure(
  flow: LoadedFlow,
  errors: Array<z.infer<typeof errorSchema>>,
  show: (file: string) => string,
): AttemptResult {
  const [first] = errors;
  return {
    attempt: 1,
    status: "failed",
    durationMs: 0,
    steps: [],
    screenshots: [],
    error: {
      message: `Playwright could not load the spec: ${plain(first?.message ?? "")}`,
      location: {
        file: first?.location ? show(first.location.file) : flow.file,
        line: first?.location?.line ?? 1,
        col: first?.location?.column ?? 1,
      },
    },
  };
}

/** `checkout-1.png` → `checkout-1`; a project other than the first is part of the name, so baselines stay apart. */
function screenshotName(name: string, project: string): string {
  const base = name.replace(/\.png$/, "").replace(/-actual$/, "");
  const clean = base.replace(/[^\w.-]+/g, "-").replace(/^-+|-+$/g, "") || "screenshot";
  return project ? `${clean}@${project.replace(/[^\w.-]+/g, "-")}` : clean;
}

function safeCoverage(text: string): RecordedCoverage | undefined {
  try {
    const value = JSON.parse(text) as RecordedCoverage;
    return Array.isArray(value.urls) && typeof value.files === "object" ? value : undefined;
  } catch {
    return undefined;
  }
}

function pngSize(png: Buffer): { width: number; height: number } {
  if (png.length < 24 || png.readUInt32BE(12) !== 0x49484452) return { width: 0, height: 0 };
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function plain(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}

function tail(text: string): string {
  const lines = plain(text)
    .trim()
    .split("\n")
    .filter((l) => l.trim());
  return lines.slice(-8).join(" ").slice(0, 800) || "no output";
}

function runOf(flows: FlowResult[], options: PlaywrightRunOptions, started: Date): RunResult {
  const finished = new Date();
  const totals = { passed: 0, failed: 0, flaky: 0, skipped: 0 };
  for (const flow of flows) totals[flow.status] += 1;
  return {
    id: randomUUID(),
    project: options.project,
    baseUrl: options.baseUrl,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    status: totals.failed > 0 ? "failed" : "passed",
    browser: { name: "playwright", version: options.suite.version, executablePath: "" },
    flows,
    totals,
  };
}

/** One run of YAML flows and one of Playwright tests as the single run a person reads. */
export function mergeRuns(a: RunResult, b: RunResult): RunResult {
  const flows = [...a.flows, ...b.flows];
  const totals = {
    passed: a.totals.passed + b.totals.passed,
    failed: a.totals.failed + b.totals.failed,
    flaky: a.totals.flaky + b.totals.flaky,
    skipped: a.totals.skipped + b.totals.skipped,
  };
  // ISO timestamps sort as text.
  const [startedAt] = [a.startedAt, b.startedAt].sort();
  const [finishedAt] = [a.finishedAt, b.finishedAt].sort().reverse();
  return {
    ...a,
    startedAt: startedAt ?? a.startedAt,
    finishedAt: finishedAt ?? a.finishedAt,
    durationMs: Date.parse(finishedAt ?? a.finishedAt) - Date.parse(startedAt ?? a.startedAt),
    status: totals.failed > 0 ? "failed" : "passed",
    flows,
    totals,
  };
}
