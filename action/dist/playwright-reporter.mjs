// shared/playwright/perceo-reporter.ts
import { writeFileSync } from "node:fs";
import path from "node:path";
function location(value) {
  return value ? { file: value.file, line: value.line, column: value.column } : void 0;
}
function error(value) {
  return {
    message: value.message ?? value.value ?? "unknown error",
    ...value.location ? { location: location(value.location) } : {}
  };
}
function step(value) {
  return {
    title: value.title,
    category: value.category,
    durationMs: value.duration,
    ...value.error ? { error: error(value.error) } : {},
    ...value.location ? { location: location(value.location) } : {}
  };
}
var PerceoReporter = class {
  rootDir = "";
  total = 0;
  tests = /* @__PURE__ */ new Map();
  errors = [];
  printsToStdio() {
    return true;
  }
  onBegin(config, suite) {
    this.rootDir = config.rootDir;
    this.total = suite.allTests().length;
    console.log(`perceo: running ${this.total} Playwright tests`);
  }
  onTestEnd(test, result) {
    const results = this.tests.get(test) ?? [];
    results.push(result);
    this.tests.set(test, results);
    const [, project] = test.titlePath();
    console.log(
      `perceo: ${result.status.padEnd(8)} ${project ? `[${project}] ` : ""}${test.titlePath().slice(3).join(" \u203A ")}`
    );
  }
  onError(value) {
    this.errors.push(error(value));
  }
  onEnd(result) {
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
            ...a.path ? { path: a.path } : {},
            ...a.body ? { body: a.body.toString("base64") } : {}
          }))
        }))
      };
    });
    writeFileSync(
      file,
      JSON.stringify({
        status: result.status,
        rootDir: this.rootDir,
        total: this.total,
        tests,
        errors: this.errors
      })
    );
  }
};
export {
  PerceoReporter as default
};
