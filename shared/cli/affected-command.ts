import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { createClaudeAdvisor } from "../llm/index.ts";
import {
  defaultFactsCachePath,
  diskTree,
  type FlowImpact,
  fileFactsCache,
  formatRanges,
  gitChanges,
  gitTree,
  predictionsFromSelection,
  type Reason,
  readCoverageFile,
  type Selection,
  type SourceTree,
  selectAffectedFlows,
} from "../observer/index.ts";
import { loadProjectWithTests } from "../playwright/index.ts";
import { openPostgresStore } from "../store/index.ts";
import { type CliIo, childEnv, EXIT, parse, UsageError } from "./cli-io.ts";

const run = promisify(execFile);

/**
 * `perceo affected [--dir DIR] [--base REF] [--head REF] [--json] [--no-cache] [--record]`
 * 1. find the repository and the project (.perceo/) inside it
 * 2. `git diff --name-status -M base...head` and its patches (head: the working tree unless given)
 * 3. select the affected flows from the files at head; Claude advises when ANTHROPIC_API_KEY is set;
 *    modules parsed before are taken from the cache by content (see facts-cache.ts)
 * 4. print the selection with its reasons, or JSON; with --record, keep each selected flow's risk as a prediction
 */
export async function commandAffected(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    dir: { type: "string" },
    base: { type: "string" },
    head: { type: "string" },
    json: { type: "boolean", default: false },
    "no-cache": { type: "boolean", default: false },
    record: { type: "boolean", default: false },
  });
  const root = path.resolve(io.cwd, values.dir ?? ".");
  const top = await gitTopLevel(root);
  const project = await loadProjectWithTests(root, { cwd: top, env: childEnv(io) });
  // Playwright tests may live beside the app they exercise (playwright.app): routes and imports are the app's.
  const appDir = project.playwright?.appDir ?? root;
  const projectDir = path.relative(top, appDir).split(path.sep).join("/");
  const base = values.base ?? (await defaultBase(top, io.env));
  const changes = await gitChanges({ cwd: top, base, ...(values.head ? { head: values.head } : {}) });
  const tree: SourceTree & { close?: () => void } = values.head ? gitTree(top, values.head) : diskTree(top);
  try {
    const coverage = await readCoverageFile(root);
    const apiKey = io.env.ANTHROPIC_API_KEY;
    const cache = values["no-cache"] ? undefined : fileFactsCache(defaultFactsCachePath(top, io.env));
    const selection = await selectAffectedFlows({
      changes,
      flows: project.flows,
      projectDir,
      tree,
      ...(project.config.observer ? { settings: project.config.observer } : {}),
      ...(coverage ? { coverage } : {}),
      ...(apiKey ? { advisor: createClaudeAdvisor({ apiKey }) } : {}),
      ...(cache ? { cache } : {}),
    });
    try {
      cache?.save();
    } catch (error) {
      io.stderr.write(`perceo: warning: the parse cache was not saved: ${(error as Error).message}\n`);
    }
    if (values.json) io.stdout.write(`${JSON.stringify(selection, null, 2)}\n`);
    else io.stdout.write(renderSelection(selection, `${base}...${values.head ?? "working tree"}`));
    if (values.record)
      // With --json, stdout stays one JSON document.
      await recordPredictions(
        selection,
        project.config.project,
        top,
        values.head,
        io,
        values.json ? io.stderr : io.stdout,
      );
    return EXIT.passed;
  } finally {
    tree.close?.();
  }
}

/**
 * The selected flows' risks as predictions for the head commit (and the pull request in CI), so
 * the runs that follow can be scored against them. Predictions need SQL: DATABASE_URL or the
 * embedded database. Not being able to record is a warning; the selection stands.
 */
async function recordPredictions(
  selection: Selection,
  projectName: string,
  top: string,
  head: string | undefined,
  io: CliIo,
  where: CliIo["stdout"],
): Promise<void> {
  try {
    const { stdout } = await run("git", ["rev-parse", "--verify", `${head ?? "HEAD"}^{commit}`], {
      cwd: top,
    });
    const headSha = stdout.trim();
    const pr = /^refs\/pull\/(\d+)\//.exec(io.env.GITHUB_REF ?? "")?.[1];
    const store = await openPostgresStore({ env: io.env, cwd: io.cwd });
    try {
      const project = await store.ensureProject({ fullName: projectName });
      const recorded = await store.recordPredictions(
        project.id,
        predictionsFromSelection(selection, { headSha, ...(pr ? { prNumber: Number(pr) } : {}) }),
      );
      where.write(
        `Recorded ${recorded.length} predictions for ${headSha.slice(0, 7)}${head ? "" : " (HEAD; uncommitted edits included)"}\n`,
      );
    } finally {
      await store.close();
    }
  } catch (error) {
    io.stderr.write(`perceo: warning: the predictions were not recorded: ${(error as Error).message}\n`);
  }
}

async function gitTopLevel(dir: string): Promise<string> {
  try {
    const { stdout } = await run("git", ["rev-parse", "--show-toplevel"], { cwd: dir });
    return stdout.trim();
  } catch {
    throw new UsageError(`${dir} is not inside a git repository; perceo affected compares two commits`);
  }
}

/** The pull request's base in CI, else the remote's default branch, else main or master. */
async function defaultBase(top: string, env: NodeJS.ProcessEnv): Promise<string> {
  const candidates = [
    ...(env.GITHUB_BASE_REF ? [`origin/${env.GITHUB_BASE_REF}`] : []),
    "origin/HEAD",
    "origin/main",
    "main",
    "origin/master",
    "master",
  ];
  for (const ref of candidates) {
    try {
      await run("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: top });
      return ref;
    } catch {
      // not this one
    }
  }
  throw new UsageError("no base branch found (tried origin/HEAD, main, master); pass --base REF");
}

export function renderSelection(selection: Selection, range: string): string {
  const total = selection.flows.length;
  const lines = [
    `${selection.selected.length} of ${total} flows affected by ${selection.stats.changedFiles} changed file${selection.stats.changedFiles === 1 ? "" : "s"} (${range})`,
  ];
  if (selection.runAll) lines.push(`All flows selected: ${selection.runAll.detail}`);
  lines.push("");
  for (const impact of selection.flows.filter((f) => f.selected)) {
    lines.push(flowLine(impact));
    for (const reason of impact.reasons.slice(0, selection.runAll ? 1 : 4))
      lines.push(`    ${reasonLine(reason)}`);
  }
  const skipped = selection.flows.filter((f) => !f.selected).map((f) => f.flow);
  if (skipped.length > 0) lines.push("", `Not affected: ${skipped.join(", ")}`);
  for (const warning of selection.warnings ?? []) lines.push("", `Warning: ${warning}`);
  if (selection.unreached.length > 0) {
    lines.push("", "Changes that reach no flow:");
    for (const u of selection.unreached.slice(0, 20)) lines.push(`  ${u.file} — ${u.why}`);
    if (selection.unreached.length > 20) lines.push(`  … and ${selection.unreached.length - 20} more`);
  }
  return `${lines.join("\n")}\n`;
}

function flowLine(impact: FlowImpact): string {
  const risk = impact.risk
    ? `  risk ${Math.round(impact.risk.probability * 100)}% (confidence ${Math.round(impact.risk.confidence * 100)}%)`
    : "";
  return `✓ ${impact.flow} [${impact.priority}]${risk}`;
}

function reasonLine(reason: Reason): string {
  const lines = reason.lines ? `:${formatRanges(reason.lines)}` : "";
  switch (reason.signal) {
    case "route":
    case "imports":
      if (reason.route) {
        const wraps = reason.layout ? `layout ${reason.layout} wraps ` : "";
        const styling = reason.change === "styling" ? "; styling changed: compare its screenshots" : "";
        return `${reason.signal}: ${reason.chain?.join(" → ") ?? reason.file} ⇒ ${wraps}route ${reason.route} (${reason.routeSource}); visits ${reason.url}${styling}`;
      }
      return `${reason.signal}: ${reason.detail}`;
    case "covers":
      return reason.glob
        ? `covers: ${reason.file}${lines} matches "${reason.glob}"`
        : `covers: ${reason.detail}`;
    default:
      return `${reason.signal}: ${reason.detail}`;
  }
}
