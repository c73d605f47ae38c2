import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { LoadedFlow, PerceoProject } from "../config/index.ts";
import { type OpenedAiSteps, openAiSteps } from "../llm/index.ts";
import { buildCoverageMap, COVERAGE_FILE, diskTree } from "../observer/index.ts";
import {
  loadProjectWithTests,
  mergeRuns,
  type PlaywrightSuite,
  runPlaywrightTests,
} from "../playwright/index.ts";
import { writeReport } from "../report/index.ts";
import { type RecordedCoverage, type RunResult, runFlows } from "../runner/index.ts";
import { openStore } from "../store/index.ts";
import { baseUrlFlag, type CliIo, childEnv, EXIT, parse, positiveInt, UsageError } from "./cli-io.ts";
import { createProgress } from "./progress.ts";

const runGit = promisify(execFile);

const RUN_OPTIONS = {
  dir: { type: "string" },
  "base-url": { type: "string" },
  flows: { type: "string" },
  all: { type: "boolean" },
  workers: { type: "string" },
  retries: { type: "string" },
  report: { type: "string" },
  "no-record": { type: "boolean" },
  coverage: { type: "boolean" },
} as const;

export async function commandRun(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, RUN_OPTIONS);
  const project = await loadProjectWithTests(path.resolve(io.cwd, values.dir ?? "."), {
    cwd: io.cwd,
    env: childEnv(io),
  });
  const baseUrl = baseUrlFlag(values["base-url"]) ?? project.config.baseUrl;
  if (values.flows !== undefined && values.all) throw new UsageError("use either --flows or --all, not both");
  const flows = selectFlows(project, values.flows);
  return executeRun(project, flows, io, {
    baseUrl,
    workers: positiveInt(values.workers, "--workers", 1),
    retries: positiveInt(values.retries, "--retries"),
    report: path.resolve(io.cwd, values.report ?? "perceo-report"),
    record: !values["no-record"],
    coverage: values.coverage === true,
  });
}

export function selectFlows(project: PerceoProject, names: string | undefined): LoadedFlow[] {
  if (names === undefined) return project.flows;
  const wanted = names
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  if (wanted.length === 0) throw new UsageError("--flows expects flow names such as checkout,login");
  const known = new Map(project.flows.map((f) => [f.name, f]));
  const missing = wanted.filter((n) => !known.has(n));
  if (missing.length > 0) {
    throw new UsageError(
      `unknown flow ${missing.map((m) => `"${m}"`).join(", ")}; known flows: ${[...known.keys()].join(", ")}`,
    );
  }
  return wanted.map((n) => known.get(n) as LoadedFlow);
}

export async function executeRun(
  project: PerceoProject & { playwright?: PlaywrightSuite },
  flows: LoadedFlow[],
  io: CliIo,
  options: {
    baseUrl: string;
    workers: number | undefined;
    retries: number | undefined;
    report: string;
    record: boolean;
    /** Record which scripts and stylesheets each flow ran into `.perceo/coverage.json`, for `perceo affected`. */
    coverage?: boolean;
    /** The ai steps' cache and Claude, opened by the caller (`perceo flows resolve`); else opened here. */
    ai?: OpenedAiSteps;
  },
): Promise<number> {
  const recordings = new Map<string, RecordedCoverage>();
  const settings = {
    ...project.config.runner,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
  };
  const yamlFlows = flows.filter((f) => !f.test);
  const tests = flows.filter((f) => f.test);
  const ai =
    options.ai ??
    (await openAiSteps({
      projectRoot: path.resolve(io.cwd, project.root),
      flows: yamlFlows,
      apiKey: io.env.ANTHROPIC_API_KEY,
      settings: project.config.ai,
    }));
  const yamlRun = async (): Promise<RunResult> =>
    runFlows({
      project: project.config.project,
      baseUrl: options.baseUrl,
      flows: yamlFlows,
      personas: project.personas,
      settings,
      outputDir: options.report,
      env: io.env,
      ...(ai ? { ai: ai.options } : {}),
      ...(options.coverage
        ? {
            onCoverage: (flow: string, _attempt: number, c: RecordedCoverage) => void recordings.set(flow, c),
          }
        : {}),
      onEvent: createProgress(io.stdout),
      ...(io.signal ? { signal: io.signal } : {}),
    });
  // Playwright tests run through the project's own Playwright, with its config (baseURL, retries, projects).
  const testRun = async (suite: PlaywrightSuite): Promise<RunResult> =>
    runPlaywrightTests({
      suite,
      flows: tests,
      project: project.config.project,
      baseUrl: options.baseUrl,
      outputDir: options.report,
      cwd: io.cwd,
      env: childEnv(io),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      ...(options.coverage
        ? {
            onCoverage: (flow: string, _attempt: number, c: RecordedCoverage) => void recordings.set(flow, c),
          }
        : {}),
      onOutput: (line) => {
        if (line.startsWith("perceo: ")) io.stdout.write(`${line.slice(8)}\n`);
      },
    });
  const runs: RunResult[] = [];
  if (yamlFlows.length > 0 || tests.length === 0) runs.push(await yamlRun());
  if (tests.length > 0 && project.playwright) runs.push(await testRun(project.playwright));
  const run = runs.reduce((merged, next) => mergeRuns(merged, next));
  const files = await writeReport(run, options.report);
  const { totals } = run;
  io.stdout.write(
    `\n${totals.passed} passed, ${totals.failed} failed, ${totals.flaky} flaky${totals.skipped ? `, ${totals.skipped} skipped` : ""}\n` +
      `Report: ${path.relative(io.cwd, files.html) || files.html}\n`,
  );
  const aiSummary = await ai?.finish(run);
  if (aiSummary) io.stdout.write(`${aiSummary}\n`);
  if (options.coverage) await writeCoverage(path.resolve(io.cwd, project.root), recordings, io);
  if (options.record) await recordRun(run, options.report, path.resolve(io.cwd, project.root), io);
  return run.status === "passed" ? EXIT.passed : EXIT.failed;
}

/**
 * `.perceo/coverage.json`: per flow, the URLs it visited and the repository files the browser ran
 * (script and stylesheet URLs matched to files by path), at the commit checked out. The last attempt
 * of each flow counts.
 */
async function writeCoverage(
  projectRoot: string,
  recordings: ReadonlyMap<string, RecordedCoverage>,
  io: CliIo,
): Promise<void> {
  const top = await gitOutput(projectRoot, ["rev-parse", "--show-toplevel"]);
  const root = top ?? projectRoot;
  const commit = top ? await gitOutput(root, ["rev-parse", "HEAD"]) : undefined;
  const appDir = path.relative(root, projectRoot).split(path.sep).join("/");
  const map = buildCoverageMap(recordings, await diskTree(root).list(), {
    ...(appDir ? { appDir } : {}),
    ...(commit ? { commit } : {}),
  });
  const file = path.join(projectRoot, COVERAGE_FILE);
  await writeFile(file, `${JSON.stringify(map, null, 2)}\n`);
  io.stdout.write(`Coverage of ${recordings.size} flows: ${path.relative(io.cwd, file) || file}\n`);
}

async function gitOutput(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    return (await runGit("git", args, { cwd })).stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps the run in the store (the embedded database in `.perceo/data` unless DATABASE_URL or
 * Supabase is configured). The run already happened and its report is written, so a store that
 * cannot be reached is a warning, not a failed run.
 */
async function recordRun(run: RunResult, reportDir: string, projectRoot: string, io: CliIo): Promise<void> {
  try {
    const store = await openStore({ env: io.env, cwd: io.cwd });
    try {
      const recorded = await store.recordRun(run, { source: io.env.CI ? "ci" : "local", reportDir });
      io.stdout.write(`Recorded run ${run.id} (perceo runs show ${run.id})\n`);
      // What `perceo affected --record` predicted for this commit, scored against what the flows did.
      const headSha = await gitOutput(projectRoot, ["rev-parse", "HEAD"]);
      if (headSha) {
        const scored = await store.recordPredictionOutcomes(
          recorded.projectId,
          headSha,
          run.flows.map((f) => ({ flowName: f.name, actual: f.status })),
        );
        if (scored > 0)
          io.stdout.write(
            `Scored ${scored} prediction${scored === 1 ? "" : "s"} for ${headSha.slice(0, 7)}\n`,
          );
      }
    } finally {
      await store.close();
    }
  } catch (error) {
    io.stderr.write(`perceo: warning: the run was not recorded: ${(error as Error).message}\n`);
  }
}
