import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { watch } from "chokidar";
import type { Browser } from "playwright-core";
import { ConfigError, loadProject, type PerceoProject } from "../config/index.ts";
import { openAiSteps } from "../llm/index.ts";
import {
  type ChangedFile,
  defaultFactsCachePath,
  diskTree,
  fileFactsCache,
  gitChanges,
  readCoverageFile,
  selectAffectedFlows,
} from "../observer/index.ts";
import { formatDuration, writeReport } from "../report/index.ts";
import {
  type FlowResult,
  findBrowser,
  launchBrowser,
  type RunEvent,
  type RunResult,
  runFlows,
} from "../runner/index.ts";
import { baseUrlFlag, type CliIo, EXIT, parse, positiveInt } from "./cli-io.ts";

const run = promisify(execFile);

/** Folders no save in which can change what a flow sees (dependencies, build output, Perceo's own data). */
const IGNORED =
  /(^|\/)(node_modules|\.git|dist|build|coverage|\.next|\.nuxt|\.svelte-kit|\.astro|\.turbo|\.cache|perceo-report|test-results|playwright-report)(\/|$)|(^|\/)\.perceo\/(data|blobs|ai-cache\.json|coverage\.json)|(~|\.sw[px]|\.tmp|\/4913)$/;

const MARKS = { passed: "✓", failed: "✗", flaky: "!", skipped: "-" } as const;

/**
 * `perceo watch [--dir DIR] [--base-url URL] [--report DIR] [--debounce MS]`, the development loop:
 * 1. watch the working tree (chokidar; dependencies and build output left out)
 * 2. after a burst of saves settles, the changed files as `perceo affected` sees them (the working
 *    tree against HEAD, those files only) and the flows they affect
 * 3. run those flows against the running dev server in one warm browser, one line per flow, and
 *    rewrite the report with the latest result of every flow run so far; saves during a run wait
 *    for it
 * Ctrl-C stops after the flow in progress.
 */
export async function commandWatch(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    dir: { type: "string" },
    "base-url": { type: "string" },
    report: { type: "string" },
    debounce: { type: "string" },
  });
  const root = path.resolve(io.cwd, values.dir ?? ".");
  const top = (await gitOutput(root, ["rev-parse", "--show-toplevel"])) ?? root;
  const projectDir = path.relative(top, root).split(path.sep).join("/");
  let project = await loadProject(root, { cwd: io.cwd });
  const baseUrl = baseUrlFlag(values["base-url"]) ?? project.config.baseUrl;
  const reportDir = path.resolve(io.cwd, values.report ?? "perceo-report");
  const debounceMs = positiveInt(values.debounce, "--debounce") ?? 200;
  const git = (await gitOutput(root, ["rev-parse", "--git-dir"])) !== undefined;
  const cache = fileFactsCache(defaultFactsCachePath(top, io.env));
  const browser = await launchBrowser(await findBrowser({ env: io.env }));
  const shown = (file: string) => path.relative(io.cwd, path.join(top, file)) || file;

  let report: RunResult | undefined;
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const flush = () => {
    timer = undefined;
    if (running || pending.size === 0) return;
    const files = [...pending].sort();
    pending.clear();
    running = handleSaves(files)
      .catch((error: unknown) => {
        // Ctrl-C in a terminal interrupts git and the like too; their failures then say nothing.
        if (!io.signal?.aborted) io.stderr.write(`perceo: ${(error as Error).message}\n`);
      })
      .finally(() => {
        running = undefined;
        if (pending.size > 0 && !io.signal?.aborted) timer = setTimeout(flush, debounceMs);
      });
  };

  /** 1. reload .perceo/ when it changed  2. what changed, and which flows it affects  3. run them */
  const handleSaves = async (files: string[]) => {
    const inProject = (f: string) => !projectDir || f.startsWith(`${projectDir}/`);
    const perceoDir = projectDir ? `${projectDir}/.perceo/` : ".perceo/";
    if (files.some((f) => f.startsWith(perceoDir))) {
      try {
        project = await loadProject(root, { cwd: io.cwd });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        io.stdout.write(`${clock()} ${error.message}\n`);
        return;
      }
    }
    const changes = await changedFiles(top, files, git);
    const names = files.filter(inProject).map(shown);
    if (changes.length === 0) {
      io.stdout.write(`${clock()} ${names.join(", ") || files.join(", ")}: no change from HEAD\n`);
      return;
    }
    const coverage = await readCoverageFile(root);
    const selection = await selectAffectedFlows({
      changes,
      flows: project.flows,
      projectDir,
      tree: diskTree(top),
      cache,
      ...(project.config.observer ? { settings: project.config.observer } : {}),
      ...(coverage ? { coverage } : {}),
    });
    cache.save();
    const selected = new Set(selection.selected);
    const flows = project.flows.filter((f) => selected.has(f.name) && !f.test);
    const what = changes.map((c) => shown(c.path)).join(", ");
    if (flows.length === 0) {
      io.stdout.write(`${clock()} ${what} changed → no flow affected\n`);
      return;
    }
    io.stdout.write(
      `${clock()} ${what} changed → ${flows.length} flow${flows.length === 1 ? "" : "s"}: ${flows.map((f) => f.name).join(", ")}\n`,
    );
    await runAffected(project, flows, browser);
  };

  const runAffected = async (current: PerceoProject, flows: PerceoProject["flows"], shared: Browser) => {
    const ai = await openAiSteps({
      projectRoot: root,
      flows,
      apiKey: io.env.ANTHROPIC_API_KEY,
      settings: current.config.ai,
    });
    const result = await runFlows({
      project: current.config.project,
      baseUrl,
      flows,
      personas: current.personas,
      settings: { ...current.config.runner, retries: 0 },
      outputDir: reportDir,
      browser: shared,
      env: io.env,
      ...(ai ? { ai: ai.options } : {}),
      onEvent: (event: RunEvent) => {
        if (event.type !== "flow-end") return;
        const r = event.result;
        const error = r.attempts.at(-1)?.error?.message;
        io.stdout.write(
          `  ${MARKS[r.status]} ${r.name} (${formatDuration(r.durationMs)})${r.status === "failed" && error ? ` — ${error}` : ""}\n`,
        );
      },
      ...(io.signal ? { signal: io.signal } : {}),
    });
    report = sessionReport(report, result, current.flows);
    const files = await writeReport(report, reportDir);
    const aiSummary = await ai?.finish(result);
    const { totals } = result;
    io.stdout.write(
      `  ${totals.passed} passed, ${totals.failed} failed${aiSummary ? `; ${aiSummary}` : ""} · report ${path.relative(io.cwd, files.html) || files.html}\n`,
    );
  };

  const watcher = watch(top, {
    ignoreInitial: true,
    ignored: (file) => IGNORED.test(path.relative(top, file).split(path.sep).join("/")),
  });
  const onSave = (file: string) => {
    pending.add(path.relative(top, file).split(path.sep).join("/"));
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };
  watcher.on("add", onSave).on("change", onSave).on("unlink", onSave);
  try {
    await new Promise<void>((resolve, reject) => {
      watcher.once("ready", resolve).once("error", reject);
    });
    io.stdout.write(
      `Watching ${path.relative(io.cwd, top) || "."} — each save reruns the flows it affects against ${baseUrl}. Ctrl-C stops.\n`,
    );
    await stopped(io.signal);
    if (timer) clearTimeout(timer);
    await running;
    io.stdout.write("Stopped watching.\n");
    return EXIT.passed;
  } finally {
    await watcher.close();
    await browser.close();
  }
}

/**
 * The report of a watch session: the latest result of each flow run so far and still in the project
 * (in the project's order; a flow skipped by Ctrl-C keeps its earlier result), totals recounted; the
 * time and duration are the latest run's.
 */
function sessionReport(
  previous: RunResult | undefined,
  latest: RunResult,
  flows: readonly { name: string }[],
): RunResult {
  const byName = new Map<string, FlowResult>(previous?.flows.map((f) => [f.name, f]));
  for (const result of latest.flows)
    if (result.status !== "skipped" || !byName.has(result.name)) byName.set(result.name, result);
  const results = flows.flatMap((f) => byName.get(f.name) ?? []);
  const totals = { passed: 0, failed: 0, flaky: 0, skipped: 0 };
  for (const r of results) totals[r.status]++;
  return { ...latest, status: totals.failed > 0 ? "failed" : "passed", flows: results, totals };
}

/**
 * The saved files as `perceo affected` sees them: in a repository, the working tree against HEAD
 * (with patches, so only the changed lines count) limited to these files, and new files git does
 * not ignore; elsewhere each file as changed in full.
 */
async function changedFiles(top: string, files: string[], git: boolean): Promise<ChangedFile[]> {
  if (!git) return files.map((file) => ({ path: file, status: "modified" }));
  const saved = new Set(files);
  const tracked = (await gitChanges({ cwd: top, base: "HEAD" })).filter(
    (c) => saved.has(c.path) || (c.previousPath !== undefined && saved.has(c.previousPath)),
  );
  const untracked = (
    await gitOutput(top, ["ls-files", "--others", "--exclude-standard", "-z", "--", ...files])
  )
    ?.split("\0")
    .filter(Boolean)
    .map((file): ChangedFile => ({ path: file, status: "added" }));
  return [...tracked, ...(untracked ?? [])];
}

function stopped(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise(() => {});
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

async function gitOutput(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    return (await run("git", args, { cwd })).stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}
