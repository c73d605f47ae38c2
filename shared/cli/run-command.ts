import { realpathSync } from "node:fs";
import path from "node:path";
import { type LoadedFlow, loadProject, type PerceoProject } from "../config/index.ts";
import { writeReport } from "../report/index.ts";
import { type RunResult, runFlows } from "../runner/index.ts";
import { openStore } from "../store/index.ts";
import { type CliIo, EXIT, parse, positiveInt, UsageError } from "./cli-io.ts";
import { createProgress } from "./progress.ts";

const RUN_OPTIONS = {
  dir: { type: "string" },
  "base-url": { type: "string" },
  flows: { type: "string" },
  all: { type: "boolean" },
  workers: { type: "string" },
  retries: { type: "string" },
  report: { type: "string" },
  "no-record": { type: "boolean" },
} as const;

export async function commandRun(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, RUN_OPTIONS);
  const project = await loadProject(path.resolve(io.cwd, values.dir ?? "."), { cwd: io.cwd });
  const baseUrl = values["base-url"] ?? project.config.baseUrl;
  if (values["base-url"] !== undefined && !/^https?:\/\/[^/]/.test(baseUrl)) {
    throw new UsageError(`--base-url expects an http(s) URL such as http://localhost:3000, got "${baseUrl}"`);
  }
  if (values.flows !== undefined && values.all) throw new UsageError("use either --flows or --all, not both");
  const flows = selectFlows(project, values.flows);
  return executeRun(project, flows, io, {
    baseUrl,
    workers: positiveInt(values.workers, "--workers", 1),
    retries: positiveInt(values.retries, "--retries"),
    report: path.resolve(io.cwd, values.report ?? "perceo-report"),
    record: !values["no-record"],
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
  project: PerceoProject,
  flows: LoadedFlow[],
  io: CliIo,
  options: {
    baseUrl: string;
    workers: number | undefined;
    retries: number | undefined;
    report: string;
    record: boolean;
  },
): Promise<number> {
  const settings = {
    ...project.config.runner,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
  };
  const run: RunResult = await runFlows({
    project: project.config.project,
    baseUrl: options.baseUrl,
    flows,
    personas: project.personas,
    settings,
    outputDir: options.report,
    env: io.env,
    onEvent: createProgress(io.stdout),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  const files = await writeReport(run, options.report);
  const { totals } = run;
  io.stdout.write(
    `\n${totals.passed} passed, ${totals.failed} failed, ${totals.flaky} flaky${totals.skipped ? `, ${totals.skipped} skipped` : ""}\n` +
      `Report: ${path.relative(io.cwd, files.html) || files.html}\n`,
  );
  if (options.record) await recordRun(run, options.report, io);
  return run.status === "passed" ? EXIT.passed : EXIT.failed;
}

/**
 * Keeps the run in the store (the embedded database in `.perceo/data` unless DATABASE_URL or
 * Supabase is configured). The run already happened and its report is written, so a store that
 * cannot be reached is a warning, not a failed run.
 */
async function recordRun(run: RunResult, reportDir: string, io: CliIo): Promise<void> {
  try {
    const store = await openStore({ env: io.env, cwd: io.cwd });
    try {
      await store.recordRun(run, { source: io.env.CI ? "ci" : "local", reportDir });
      io.stdout.write(`Recorded run ${run.id} (perceo runs show ${run.id})\n`);
    } finally {
      await store.close();
    }
  } catch (error) {
    io.stderr.write(`perceo: warning: the run was not recorded: ${(error as Error).message}\n`);
  }
}

export async function commandDemo(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    report: { type: "string" },
    workers: { type: "string" },
    retries: { type: "string" },
    "no-record": { type: "boolean" },
  });
  const shopDir = path.resolve(path.dirname(realpathSync(new URL(import.meta.url))), "../../examples/shop");
  const { startShop } = (await import(
    path.join(shopDir, "server.ts")
  )) as typeof import("../../examples/shop/server.ts");
  const project = await loadProject(shopDir, { cwd: io.cwd });
  const shop = await startShop();
  io.stdout.write(`Example shop running at ${shop.url}\n`);
  try {
    return await executeRun(project, project.flows, io, {
      baseUrl: shop.url,
      workers: positiveInt(values.workers, "--workers", 1),
      retries: positiveInt(values.retries, "--retries"),
      report: path.resolve(io.cwd, values.report ?? "perceo-report"),
      record: !values["no-record"],
    });
  } finally {
    await shop.close();
  }
}
