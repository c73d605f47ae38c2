import { randomBytes, randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import type { Browser, BrowserContextOptions } from "playwright-core";
import type { LoadedFlow, Persona, RunnerSettings, ViewportSetting } from "../config/index.ts";
import { RUNNER_DEFAULTS, VIEWPORTS } from "../config/index.ts";
import { type AiStepOptions, runAiStep } from "./ai-step.ts";
import { type FoundBrowser, findBrowser, launchBrowser } from "./browser.ts";
import { type RecordedCoverage, startCoverage } from "./coverage.ts";
import { executeStep, StepFailure } from "./execute-step.ts";
import type { AttemptResult, FlowResult, RunResult, ScreenshotRef, StepError, StepResult } from "./result.ts";
import { stepAction, stepTitle } from "./step-title.ts";
import { redact, type TemplateContext } from "./template.ts";

export interface RunOptions {
  project: string;
  baseUrl: string;
  flows: LoadedFlow[];
  personas?: Record<string, Persona>;
  settings?: Partial<RunnerSettings>;
  /** Screenshots and traces are written here; paths in the result are relative to it. */
  outputDir: string;
  /** An already running browser to reuse; otherwise one is found and launched, and closed at the end. */
  browser?: Browser;
  browserPath?: string;
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: RunEvent) => void;
  /** How `ai` steps replay and resolve: the cache, and Claude when a key is set. Default: an empty cache, no Claude. */
  ai?: AiStepOptions;
  /** When set, each attempt records the URLs it visited and the script and stylesheet lines that ran (Chromium). */
  onCoverage?: (flow: string, attempt: number, coverage: RecordedCoverage) => void;
  signal?: AbortSignal;
}

export type RunEvent =
  | { type: "run-start"; total: number; workers: number }
  | { type: "flow-start"; flow: string; attempt: number }
  | { type: "step-start"; flow: string; attempt: number; index: number; title: string }
  | { type: "attempt-end"; flow: string; attempt: number; status: "passed" | "failed"; willRetry: boolean }
  | { type: "flow-end"; result: FlowResult };

const MOBILE_USER_AGENT =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

/**
 * Runs flows in one browser, a fresh context per attempt, several at once.
 * 1. find and launch the browser (unless one is handed in)
 * 2. hand flows to N workers; each runs a flow's steps, retrying a failed flow up to `retries` times
 * 3. a pass after a failure is flaky; screenshots at screenshot steps and on failure, a trace on failure
 */
export async function runFlows(options: RunOptions): Promise<RunResult> {
  const startedAt = new Date();
  const settings = {
    retries: options.settings?.retries ?? RUNNER_DEFAULTS.retries,
    stepTimeout: options.settings?.stepTimeout ?? RUNNER_DEFAULTS.stepTimeout,
    navigationTimeout: options.settings?.navigationTimeout ?? RUNNER_DEFAULTS.navigationTimeout,
    trace: options.settings?.trace ?? RUNNER_DEFAULTS.trace,
    workers: Math.max(
      1,
      Math.min(options.settings?.workers ?? availableParallelism(), options.flows.length || 1),
    ),
  };
  const env = options.env ?? process.env;
  let found: FoundBrowser | undefined;
  let browser = options.browser;
  if (!browser) {
    found = options.browserPath
      ? { executablePath: options.browserPath, source: "env" }
      : await findBrowser({ env });
    browser = await launchBrowser(found);
  }
  await mkdir(options.outputDir, { recursive: true });
  options.onEvent?.({ type: "run-start", total: options.flows.length, workers: settings.workers });

  try {
    const results: FlowResult[] = new Array(options.flows.length);
    let next = 0;
    const worker = async () => {
      while (next < options.flows.length) {
        const index = next++;
        const flow = options.flows[index] as LoadedFlow;
        const result = options.signal?.aborted
          ? skipped(flow)
          : await runFlow(flow, { ...options, browser: browser as Browser, env }, settings);
        results[index] = result;
        options.onEvent?.({ type: "flow-end", result });
      }
    };
    await Promise.all(Array.from({ length: settings.workers }, worker));

    const finishedAt = new Date();
    const totals = { passed: 0, failed: 0, flaky: 0, skipped: 0 };
    for (const r of results) totals[r.status]++;
    return {
      id: randomUUID(),
      project: options.project,
      baseUrl: options.baseUrl,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      status: totals.failed > 0 ? "failed" : "passed",
      browser: {
        name: browser.browserType().name(),
        version: browser.version(),
        executablePath: found?.executablePath ?? options.browserPath ?? "",
      },
      flows: results,
      totals,
    };
  } finally {
    if (!options.browser) await browser.close();
  }
}

type Settings = Required<Omit<RunnerSettings, "workers">> & { workers: number };

async function runFlow(
  flow: LoadedFlow,
  options: RunOptions & { browser: Browser; env: NodeJS.ProcessEnv },
  settings: Settings,
): Promise<FlowResult> {
  const started = Date.now();
  const attempts: AttemptResult[] = [];
  for (let attempt = 1; attempt <= settings.retries + 1; attempt++) {
    const result = await runAttempt(flow, attempt, options, settings);
    attempts.push(result);
    const willRetry = result.status === "failed" && attempt <= settings.retries && !options.signal?.aborted;
    options.onEvent?.({ type: "attempt-end", flow: flow.name, attempt, status: result.status, willRetry });
    if (!willRetry) break;
  }
  const last = attempts[attempts.length - 1] as AttemptResult;
  const status = last.status === "failed" ? "failed" : attempts.length > 1 ? "flaky" : "passed";
  return {
    name: flow.name,
    file: flow.file,
    priority: flow.priority,
    status,
    durationMs: Date.now() - started,
    attempts,
  };
}

async function runAttempt(
  flow: LoadedFlow,
  attempt: number,
  options: RunOptions & { browser: Browser; env: NodeJS.ProcessEnv },
  settings: Settings,
): Promise<AttemptResult> {
  const started = Date.now();
  options.onEvent?.({ type: "flow-start", flow: flow.name, attempt });
  const viewport = resolveViewport(flow.viewport);
  const context = await options.browser.newContext(contextOptions(flow.viewport));
  const tracing =
    settings.trace === "retain-on-failure" ||
    (settings.trace === "on-first-retry" && attempt > 1) ||
    (settings.trace === "auto" && (settings.retries === 0 || attempt > 1));
  if (tracing)
    await context.tracing.start({ screenshots: true, snapshots: true, title: `${flow.name} #${attempt}` });
  const page = await context.newPage();
  const recorder = options.onCoverage ? await startCoverage(page) : undefined;
  page.setDefaultTimeout(settings.stepTimeout);
  page.setDefaultNavigationTimeout(settings.navigationTimeout);

  const attemptDir = path.join("screenshots", flow.name, `attempt-${attempt}`);
  const template: TemplateContext = {
    persona: (flow.persona ? options.personas?.[flow.persona]?.data : undefined) ?? {},
    env: options.env,
    unique: `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`,
    secrets: new Set(),
  };
  const steps: StepResult[] = [];
  const screenshots: ScreenshotRef[] = [];
  let failure: StepError | undefined;
  let failedAt = 0;

  for (const [index, step] of flow.steps.entries()) {
    const location = flow.stepLocations[index] ?? { file: flow.file, line: 1, col: 1 };
    const title = stepTitle(step);
    if (failure) {
      steps.push({ index, title, action: stepAction(step), status: "skipped", durationMs: 0, location });
      continue;
    }
    options.onEvent?.({ type: "step-start", flow: flow.name, attempt, index, title });
    const stepStarted = Date.now();
    try {
      const context = {
        page,
        baseUrl: options.baseUrl,
        timeout: step.timeout ?? settings.stepTimeout,
        navigationTimeout: step.timeout ?? settings.navigationTimeout,
        template,
        screenshotPath: (name: string) => path.join(options.outputDir, attemptDir, `${safeName(name)}.png`),
      };
      const outcome =
        "ai" in step
          ? await runAiStep(step, context, flow.name, options.ai)
          : await executeStep(step, context);
      await recorder?.checkpoint();
      if (outcome.screenshot) {
        screenshots.push({
          name: outcome.screenshot.name,
          path: path.relative(options.outputDir, outcome.screenshot.file),
          viewport,
          stepIndex: index,
        });
      }
      steps.push({
        index,
        title,
        action: stepAction(step),
        status: "passed",
        durationMs: Date.now() - stepStarted,
        location,
        ...(outcome.note ? { note: outcome.note } : {}),
      });
    } catch (error) {
      const stepError = toStepError(error, template.secrets, location, index, title);
      steps.push({
        index,
        title,
        action: stepAction(step),
        status: "failed",
        durationMs: Date.now() - stepStarted,
        error: stepError,
        location,
      });
      if (!step.optional) {
        failure = stepError;
        failedAt = index;
      }
    }
  }

  if (failure) {
    const file = path.join(options.outputDir, attemptDir, "failure.png");
    await mkdir(path.dirname(file), { recursive: true });
    const shot = await page
      .screenshot({ path: file, animations: "disabled", caret: "hide", timeout: 5_000 })
      .catch(() => undefined);
    if (shot)
      screenshots.push({
        name: "failure",
        path: path.relative(options.outputDir, file),
        viewport,
        // The step that failed: the store keys screenshots by step, and step indexes are never negative.
        stepIndex: failedAt,
      });
  }
  let trace: string | undefined;
  if (tracing) {
    if (failure) {
      trace = path.join("traces", `${flow.name}-attempt-${attempt}.zip`);
      await context.tracing.stop({ path: path.join(options.outputDir, trace) });
    } else {
      await context.tracing.stop();
    }
  }
  if (recorder) options.onCoverage?.(flow.name, attempt, await recorder.stop());
  await context.close();
  return {
    attempt,
    status: failure ? "failed" : "passed",
    durationMs: Date.now() - started,
    steps,
    screenshots,
    ...(trace ? { trace } : {}),
    ...(failure ? { error: failure } : {}),
  };
}

function toStepError(
  error: unknown,
  secrets: Set<string>,
  location: StepResult["location"],
  index: number,
  title: string,
): StepError {
  const where = `${location.file}:${location.line}:${location.col}`;
  const message = error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error);
  const result: StepError = {
    message: redact(`${where} step ${index + 1} (${title}): ${message}`, secrets),
    location,
  };
  if (error instanceof StepFailure) {
    if (error.expected !== undefined) result.expected = redact(error.expected, secrets);
    if (error.actual !== undefined) result.actual = redact(error.actual, secrets);
  }
  return result;
}

function skipped(flow: LoadedFlow): FlowResult {
  return {
    name: flow.name,
    file: flow.file,
    priority: flow.priority,
    status: "skipped",
    durationMs: 0,
    attempts: [],
  };
}

export function resolveViewport(setting: ViewportSetting): { width: number; height: number } {
  return typeof setting === "string" ? { ...VIEWPORTS[setting] } : setting;
}

function contextOptions(setting: ViewportSetting): BrowserContextOptions {
  const common: BrowserContextOptions = {
    viewport: resolveViewport(setting),
    deviceScaleFactor: 1,
    locale: "en-US",
    timezoneId: "UTC",
    colorScheme: "light",
    reducedMotion: "reduce",
  };
  return setting === "mobile"
    ? { ...common, isMobile: true, hasTouch: true, userAgent: MOBILE_USER_AGENT }
    : common;
}

function safeName(name: string): string {
  return name.replace(/[^a-zA-Z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "screenshot";
}
