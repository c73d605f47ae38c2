import { writeFileSync } from "node:fs";
import path from "node:path";
import type {
  FullConfig,
  FullResult,
  Reporter,
  Suite,
  TestCase,
  TestError,
  TestResult,
  TestStep,
} from "@playwright/test/reporter";

/*
 * The reporter Perceo adds to `playwright test` (it runs inside the project's own Playwright, so it
 * imports nothing but types and Node). It writes every test's attempts — status, duration, errors
 * with their file and line, top-level steps, attachments (screenshots, toHaveScreenshot's images,
 * traces) — to the JSON file PERCEO_PLAYWRIGHT_RESULTS names, and prints one line per finished test.
 * The shape is `ReporterOutput` in run-tests.ts, which reads it back.
 */

interface Location {
  file: string;
  line: number;
  column: number;
}

function location(value: { file: string; line: number; column: number } | undefined): Location | undefined {
  return value ? { file: value.file, line: value.line, column: value.column } : undefined;
}

function error(value: TestError) {
  return {
    message: value.message ?? value.value ?? "unknown error",
    ...(value.location ? { location: location(value.location) } : {}),
  };
}

function step(value: TestStep) {
  return {
    title: value.title,
    category: value.category,
    durationMs: value.duration,
    ...(value.error ? { error: error(value.error) } : {}),
    ...(value.location ? { location: location(value.location) } : {}),
  };
}

export default class PerceoReporter implements Reporter {
  private rootDir = "";
  private total = 0;
  private readonly tests = new Map<TestCase, TestResult[]>();
  private readonly errors: ReturnType<typeof error>[] = [];

  printsToStdio(): boolean {
    return true;
  }

  onBegin(config: FullConfig, suite: Suite): void {
    this.rootDir = config.rootDir;
    this.total = suite.allTests().length;
    console.log(`perceo: running ${this.total} Playwright tests`);
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const results = this.tests.get(test) ?? [];
    results.push(result);
    this.tests.set(test, results);
    const [, project] = test.titlePath();
    console.log(
      `perceo: ${result.status.padEnd(8)} ${project ? `[${project}] ` : ""}${test.titlePath().slice(3).join(" › ")}`,
    );
  }

  onError(value: TestError): void {
    this.errors.push(error(value));
  }

  onEnd(result: FullResult): void {
    const file = process.env.PERCEO_PLAYWRIGHT_RESULTS;
    if (!file) return;
    const tests = [...this.tests].map(([test, results]) => {
      const [, project = "", , ...titles] = test.titlePath();
      return {
        file: path.relative(this.rootDir, test.location.file).split(path.sep).join("/"),
        titlePath: titles,
        project,
        outcome: test.outcome(),
        location: location(test.location),
        results: results.map((r) => ({
          retry: r.retry,
          status: r.status,
          durationMs: r.duration,
          startedAt: r.startTime.toISOString(),
          errors: r.errors.map(error),
          steps: r.steps.filter((s) => s.category !== "hook" && s.category !== "fixture").map(step),
          attachments: r.attachments.map((a) => ({
            name: a.name,
            contentType: a.contentType,
            ...(a.path ? { path: a.path } : {}),
            ...(a.body ? { body: a.body.toString("base64") } : {}),
          })),
        })),
      };
    });
    writeFileSync(
      file,
      JSON.stringify({
        status: result.status,
        rootDir: this.rootDir,
        total: this.total,
        tests,
        errors: this.errors,
      }),
    );
  }
}
