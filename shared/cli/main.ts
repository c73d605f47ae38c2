import { realpathSync } from "node:fs";
import path from "node:path";
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { ConfigError, type LoadedFlow, loadProject, type PerceoProject } from "../config/index.ts";
import { writeReport } from "../report/index.ts";
import { BrowserNotFoundError, type RunResult, runFlows } from "../runner/index.ts";
import { createProgress, type Output } from "./progress.ts";

export const EXIT = { passed: 0, failed: 1, usage: 2, infrastructure: 3 } as const;

export interface CliIo {
  stdout: Output;
  stderr: Output;
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export class UsageError extends Error {
  readonly code = "PERCEO_USAGE";
}

const HELP = `perceo — regression testing for user flows

Usage:
  perceo run [--dir DIR] [--base-url URL] [--flows a,b | --all] [--workers N] [--retries N] [--report DIR]
  perceo flows list [--dir DIR]
  perceo flows show <name> [--dir DIR]
  perceo flows validate [--dir DIR]
  perceo demo [--report DIR] [--workers N]
  perceo help

Options:
  --dir DIR        the folder that holds .perceo/ (default: the current folder)
  --base-url URL   where the app runs; overrides baseUrl in .perceo/config.yml
  --flows a,b      run only these flows (comma-separated names)
  --all            run every flow (the default until the observer selects affected flows)
  --workers N      flows run at once (default: CPU count)
  --retries N      attempts after a failure; a flow that passes on retry is reported flaky
  --report DIR     where the report goes (default: perceo-report)

Exit codes: 0 all flows passed, 1 a flow failed, 2 config or usage error, 3 the browser or app could not be used.
Environment: PERCEO_BROWSER_PATH picks the browser.`;

/** The `perceo` command. Returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`perceo: ${error.message}\nRun \`perceo help\` for usage.\n`);
      return EXIT.usage;
    }
    if (error instanceof BrowserNotFoundError) {
      io.stderr.write(`perceo: ${error.message}\n`);
      return EXIT.infrastructure;
    }
    io.stderr.write(`perceo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.infrastructure;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "run":
      return commandRun(rest, io);
    case "flows":
      return commandFlows(rest, io);
    case "demo":
      return commandDemo(rest, io);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.stdout.write(`${HELP}\n`);
      return command === undefined ? EXIT.usage : EXIT.passed;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function parse<T extends ParseArgsOptionsConfig>(args: string[], options: T, positionals = 0) {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    if (parsed.positionals.length > positionals)
      throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message.split("\n")[0] ?? "invalid arguments");
  }
}

function positiveInt(value: string | undefined, flag: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} expects a whole number ≥ ${min}, got "${value}"`);
  return n;
}

const RUN_OPTIONS = {
  dir: { type: "string" },
  "base-url": { type: "string" },
  flows: { type: "string" },
  all: { type: "boolean" },
  workers: { type: "string" },
  retries: { type: "string" },
  report: { type: "string" },
} as const;

async function commandRun(args: string[], io: CliIo): Promise<number> {
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
  });
}

function selectFlows(project: PerceoProject, names: string | undefined): LoadedFlow[] {
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

async function executeRun(
  project: PerceoProject,
  flows: LoadedFlow[],
  io: CliIo,
  options: { baseUrl: string; workers: number | undefined; retries: number | undefined; report: string },
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
  return run.status === "passed" ? EXIT.passed : EXIT.failed;
}

async function commandFlows(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, { dir: { type: "string" } }, sub === "show" ? 1 : 0);
  const root = path.resolve(io.cwd, values.dir ?? ".");
  switch (sub) {
    case "validate": {
      const project = await loadProject(root, { cwd: io.cwd });
      io.stdout.write(`✓ ${project.flows.length} flows valid in ${path.join(project.root, ".perceo")}\n`);
      return EXIT.passed;
    }
    case "list": {
      const project = await loadProject(root, { cwd: io.cwd });
      const width = Math.max(4, ...project.flows.map((f) => f.name.length));
      io.stdout.write(`${"NAME".padEnd(width)}  PRIORITY  STEPS  DESCRIPTION\n`);
      for (const f of project.flows) {
        io.stdout.write(
          `${f.name.padEnd(width)}  ${f.priority.padEnd(8)}  ${String(f.steps.length).padStart(5)}  ${f.description}\n`,
        );
      }
      return EXIT.passed;
    }
    case "show": {
      const name = positionals[0];
      if (!name) throw new UsageError("perceo flows show needs a flow name");
      const project = await loadProject(root, { cwd: io.cwd });
      const [flow] = selectFlows(project, name);
      if (!flow) throw new UsageError(`unknown flow "${name}"`);
      const { stepTitle } = await import("../runner/step-title.ts");
      io.stdout.write(
        [
          `${flow.name} (${flow.priority}) — ${flow.description}`,
          `file: ${flow.file}`,
          ...(flow.persona ? [`persona: ${flow.persona}`] : []),
          ...(flow.tags.length ? [`tags: ${flow.tags.join(", ")}`] : []),
          ...(flow.covers.length ? [`covers: ${flow.covers.join(", ")}`] : []),
          `viewport: ${typeof flow.viewport === "string" ? flow.viewport : `${flow.viewport.width}×${flow.viewport.height}`}`,
          "steps:",
          ...flow.steps.map(
            (s, i) =>
              `  ${String(i + 1).padStart(2)}. ${stepTitle(s)}  (line ${flow.stepLocations[i]?.line})`,
          ),
          "",
        ].join("\n"),
      );
      return EXIT.passed;
    }
    default:
      throw new UsageError(
        sub
          ? `unknown flows command "${sub}"; use list, show or validate`
          : "perceo flows needs list, show or validate",
      );
  }
}

async function commandDemo(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    report: { type: "string" },
    workers: { type: "string" },
    retries: { type: "string" },
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
    });
  } finally {
    await shop.close();
  }
}
