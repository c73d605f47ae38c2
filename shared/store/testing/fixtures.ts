import { randomUUID } from "node:crypto";
import type { AttemptResult, FlowResult, RunResult, StepResult } from "../../runner/result.ts";

/** A unique, valid project name for a test: tests share one database and never collide. */
export function aProjectName(prefix = "acme"): string {
  return `${prefix}/shop-${randomUUID().slice(0, 8)}`;
}

export function aSha(seed: string | number = randomUUID()): string {
  let hex = "";
  for (const char of String(seed)) hex += char.charCodeAt(0).toString(16);
  return (hex + "0".repeat(40)).slice(0, 40);
}

export function aStep(overrides: Partial<StepResult> = {}): StepResult {
  const index = overrides.index ?? 0;
  return {
    index,
    title: `Step ${index + 1}`,
    action: "click",
    status: "passed",
    durationMs: 120,
    location: { file: ".perceo/flows/checkout.yml", line: 5 + index, col: 7 },
    ...overrides,
  };
}

export function anAttempt(overrides: Partial<AttemptResult> = {}): AttemptResult {
  return {
    attempt: 1,
    status: "passed",
    durationMs: 1_500,
    steps: [
      aStep({ index: 0, action: "goto", title: "Open the shop" }),
      aStep({ index: 1, title: "Add to cart" }),
    ],
    screenshots: [
      { name: "cart", path: "checkout/cart.png", viewport: { width: 1280, height: 720 }, stepIndex: 1 },
    ],
    ...overrides,
  };
}

export function aFlow(overrides: Partial<FlowResult> = {}): FlowResult {
  return {
    name: "checkout",
    file: ".perceo/flows/checkout.yml",
    priority: "critical",
    status: "passed",
    durationMs: 1_500,
    attempts: [anAttempt()],
    ...overrides,
  };
}

/** A run with a passing flow, a flaky one (a failed attempt, then a pass) and a skipped one. */
export function aRunResult(overrides: Partial<RunResult> = {}): RunResult {
  const failedStep = aStep({
    index: 1,
    title: "See the total",
    action: "expect",
    status: "failed",
    error: { message: "expected text", expected: "Total: $42", actual: "Total: $0" },
  });
  return {
    id: `run-${randomUUID()}`,
    project: aProjectName(),
    baseUrl: "http://localhost:3000",
    startedAt: "2025-03-01T10:00:00.000Z",
    finishedAt: "2025-03-01T10:00:09.250Z",
    durationMs: 9_250,
    status: "passed",
    browser: { name: "chromium", version: "131.0.6778.33", executablePath: "/usr/bin/chromium" },
    flows: [
      aFlow(),
      aFlow({
        name: "signup",
        file: ".perceo/flows/signup.yml",
        priority: "high",
        status: "flaky",
        durationMs: 4_000.5,
        attempts: [
          anAttempt({
            attempt: 1,
            status: "failed",
            steps: [aStep({ index: 0, action: "goto" }), failedStep],
            screenshots: [
              {
                name: "failure",
                path: "signup/failure-1.png",
                viewport: { width: 1280, height: 720 },
                stepIndex: 1,
              },
            ],
            trace: "signup/trace-1.zip",
            error: {
              message: "expected text",
              location: { file: ".perceo/flows/signup.yml", line: 9, col: 5 },
            },
          }),
          anAttempt({ attempt: 2, screenshots: [] }),
        ],
      }),
      aFlow({
        name: "search",
        file: ".perceo/flows/search.yml",
        priority: "low",
        status: "skipped",
        attempts: [],
      }),
    ],
    totals: { passed: 1, failed: 0, flaky: 1, skipped: 1 },
    ...overrides,
  };
}
