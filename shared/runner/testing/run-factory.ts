import type { AttemptResult, FlowResult, RunResult, StepResult } from "../result.ts";

/** Builders for run results, for tests of code that reads them (reports, stores). */
export function buildStep(overrides: Partial<StepResult> = {}): StepResult {
  return {
    index: 0,
    title: "go to /",
    action: "goto",
    status: "passed",
    durationMs: 120,
    location: { file: ".perceo/flows/home.yml", line: 5, col: 5 },
    ...overrides,
  };
}

export function buildAttempt(overrides: Partial<AttemptResult> = {}): AttemptResult {
  return {
    attempt: 1,
    status: "passed",
    durationMs: 900,
    steps: [buildStep()],
    screenshots: [],
    ...overrides,
  };
}

export function buildFlow(overrides: Partial<FlowResult> = {}): FlowResult {
  return {
    name: "home",
    file: ".perceo/flows/home.yml",
    priority: "low",
    status: "passed",
    durationMs: 1000,
    attempts: [buildAttempt()],
    ...overrides,
  };
}

export function buildRun(flows: FlowResult[] = [buildFlow()], overrides: Partial<RunResult> = {}): RunResult {
  const totals = { passed: 0, failed: 0, flaky: 0, skipped: 0 };
  for (const f of flows) totals[f.status]++;
  return {
    id: "00000000-0000-4000-8000-000000000001",
    project: "shop",
    baseUrl: "http://127.0.0.1:3000",
    startedAt: "2026-11-23T09:00:00.000Z",
    finishedAt: "2026-11-23T09:00:05.000Z",
    durationMs: 5000,
    status: totals.failed > 0 ? "failed" : "passed",
    browser: { name: "chromium", version: "156.0", executablePath: "/usr/bin/chromium" },
    flows,
    totals,
    ...overrides,
  };
}

export function buildFailedFlow(name = "checkout"): FlowResult {
  const location = { file: `.perceo/flows/${name}.yml`, line: 9, col: 5 };
  const error = {
    message: `.perceo/flows/${name}.yml:9:5 step 2 (click button "Add to cart"): click: no element matches button "Add to cart"`,
    expected: 'button "Add to cart" on the page',
    actual: "no matching element",
    location,
  };
  return buildFlow({
    name,
    file: location.file,
    priority: "critical",
    status: "failed",
    attempts: [
      buildAttempt({
        status: "failed",
        error,
        trace: `traces/${name}-attempt-1.zip`,
        steps: [
          buildStep(),
          buildStep({
            index: 1,
            title: 'click button "Add to cart"',
            action: "click",
            status: "failed",
            error,
            location,
          }),
          buildStep({
            index: 2,
            title: 'screenshot "cart"',
            action: "screenshot",
            status: "skipped",
            durationMs: 0,
          }),
        ],
        screenshots: [
          {
            name: "failure",
            path: `screenshots/${name}/attempt-1/failure.png`,
            viewport: { width: 1280, height: 800 },
            stepIndex: 1,
          },
        ],
      }),
    ],
  });
}
