import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import webhookExamples from "@octokit/webhooks-examples";
import { vi } from "vitest";
import { run } from "../main.ts";
import type { EdgeLog, ExpectedRequest } from "./github-edge.ts";

const exec = promisify(execFile);
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The flows the test repository keeps: three short ones, so a run in real Chromium stays quick. */
export const TEST_FLOWS = ["footer-links", "home-hero", "not-found"] as const;
export const REPOSITORY = "Codertocat/Hello-World";

export interface ShopRepository {
  /** The "remote" every workspace is cloned from. */
  origin: string;
  mainSha: string;
  /** On branch `feature`: changes the 404 page only (the not-found flow covers it). */
  featureSha: string;
  /**
   * On branch `copy-logic`: builds the 404 page's copy member with code. Only imports lead from it
   * to the pages that render it (the not-found page, and the info pages that show it for an unknown page).
   */
  copyLogicSha: string;
  root: string;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec("git", args, { cwd });
  return stdout.trim();
}

/** A git repository holding a copy of examples/shop with three flows: `main`, and `feature` one commit ahead. */
export async function createShopRepository(): Promise<ShopRepository> {
  const root = await mkdtemp(path.join(tmpdir(), "perceo-action-"));
  const origin = path.join(root, "origin");
  const shop = path.join(origin, "examples", "shop");
  await mkdir(path.dirname(shop), { recursive: true });
  await cp(path.join(repoRoot, "examples", "shop"), shop, {
    recursive: true,
    filter: (source) => !/perceo-report|\.perceo[\\/](data|blobs)/.test(source),
  });
  for (const file of await readdir(path.join(shop, ".perceo", "flows"))) {
    if (!TEST_FLOWS.some((flow) => file === `${flow}.yml`))
      await rm(path.join(shop, ".perceo", "flows", file));
  }
  await git(origin, "init", "-q", "-b", "main");
  await git(origin, "config", "user.email", "test@example.com");
  await git(origin, "config", "user.name", "Test");
  await git(origin, "add", ".");
  await git(origin, "commit", "-q", "-m", "Add the shop");
  // Two more commits on main, so a depth-1 clone of feature lacks the merge base.
  await writeFile(path.join(origin, "README.md"), "shop\n");
  await git(origin, "add", ".");
  await git(origin, "commit", "-q", "-m", "Add a readme");
  const mainSha = await git(origin, "rev-parse", "HEAD");
  await git(origin, "checkout", "-q", "-b", "feature");
  const page = path.join(shop, "src", "pages", "not-found.ts");
  await writeFile(page, `${await readFile(page, "utf8")}\nexport const friendlierSoon = true;\n`);
  await git(origin, "commit", "-q", "-am", "Reword the 404 page");
  const featureSha = await git(origin, "rev-parse", "HEAD");
  await git(origin, "checkout", "-q", "-b", "copy-logic", "main");
  const copy = path.join(shop, "src", "copy.ts");
  const sentence = '"We could not find the page you were looking for. It may have moved, or never existed."';
  const text = await readFile(copy, "utf8");
  if (!text.includes(sentence)) throw new Error("examples/shop/src/copy.ts no longer holds the 404 text");
  await writeFile(
    copy,
    text.replace(
      sentence,
      '["We could not find the page you were looking for.", "It may have moved."].join(" ")',
    ),
  );
  await git(origin, "commit", "-q", "-am", "Build the 404 text");
  const copyLogicSha = await git(origin, "rev-parse", "HEAD");
  await git(origin, "checkout", "-q", "main");
  return { origin, mainSha, featureSha, copyLogicSha, root };
}

/** A shallow checkout of `branch`, the way actions/checkout leaves it (depth 1). */
export async function checkout(repo: ShopRepository, branch: string, name: string): Promise<string> {
  const workspace = path.join(repo.root, name);
  await exec("git", ["clone", "-q", "--depth=1", "--branch", branch, `file://${repo.origin}`, workspace]);
  return workspace;
}

type Example = { name: string; examples: Array<Record<string, unknown>> };

/** A real webhook payload from @octokit/webhooks-examples, its shas and branches pointed at the test repository. */
export function pullRequestPayload(
  repo: ShopRepository,
  options: { fork?: boolean; head?: { ref: string; sha: string } } = {},
): Record<string, unknown> {
  const example = (webhookExamples as unknown as Example[])
    .find((e) => e.name === "pull_request")
    ?.examples.find((e) => e.action === "opened");
  const payload = structuredClone(example) as {
    repository: { default_branch: string };
    pull_request: {
      head: { sha: string; ref: string; repo: { full_name: string } };
      base: { sha: string; ref: string; repo: { default_branch: string } };
    };
  };
  payload.repository.default_branch = "main";
  payload.pull_request.base.repo.default_branch = "main";
  payload.pull_request.base.sha = repo.mainSha;
  payload.pull_request.base.ref = "main";
  payload.pull_request.head.sha = options.head?.sha ?? repo.featureSha;
  payload.pull_request.head.ref = options.head?.ref ?? "feature";
  if (options.fork) payload.pull_request.head.repo.full_name = "someone-else/Hello-World";
  return payload;
}

export function pushPayload(repo: ShopRepository): Record<string, unknown> {
  const example = (webhookExamples as unknown as Example[]).find((e) => e.name === "push")?.examples[0];
  const payload = structuredClone(example) as Record<string, unknown> & {
    repository: Record<string, unknown>;
  };
  payload.ref = "refs/heads/main";
  payload.before = "0000000000000000000000000000000000000000";
  payload.after = repo.mainSha;
  payload.repository.default_branch = "main";
  payload.repository.full_name = REPOSITORY;
  return payload;
}

let summaryFile: string | undefined;

export interface ActionRun {
  outputs: Record<string, string>;
  summary: string;
  exitCode: number;
  /** Everything the Action wrote to stdout: workflow commands (::warning::, ::error::) included. */
  log: string;
}

interface ActionRunOptions {
  workspace: string;
  eventName: string;
  payload: Record<string, unknown>;
  sha: string;
  ref: string;
  inputs: Record<string, string>;
  env?: Record<string, string>;
}

/** What the runner hands a step: GITHUB_* variables, the inputs with action.yml's defaults, the two files. */
function runnerEnvironment(
  options: ActionRunOptions,
  files: { eventPath: string; outputFile: string; summaryFile: string },
): Record<string, string> {
  return {
    GITHUB_ACTIONS: "true",
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: files.eventPath,
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_SHA: options.sha,
    GITHUB_REF: options.ref,
    GITHUB_RUN_ID: "4242",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_API_URL: "https://api.github.com",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: files.outputFile,
    GITHUB_STEP_SUMMARY: files.summaryFile,
    // action.yml's defaults, which the runner fills in
    "INPUT_BASE-URL": "",
    INPUT_FLOWS: "affected",
    // the test repository keeps the shop where this repository does
    INPUT_CONFIG: "examples/shop",
    INPUT_WORKERS: "",
    INPUT_SHARD: "1/1",
    INPUT_RETRIES: "",
    "INPUT_UPDATE-BASELINES": "auto",
    "INPUT_FAIL-ON": "failures",
    "INPUT_BROWSER-PATH": "",
    "INPUT_GITHUB-TOKEN": "ghs_test_token",
    "INPUT_SUPABASE-URL": "",
    "INPUT_SUPABASE-KEY": "",
    "INPUT_INGEST-URL": "",
    "INPUT_ANTHROPIC-API-KEY": "",
    ...Object.fromEntries(
      Object.entries(options.inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
    ),
    ...options.env,
  };
}

/**
 * Runs the Action in this process, from source: GITHUB_* and INPUT_* variables, the event payload
 * in a file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. Every GITHUB_*, INPUT_* and ACTIONS_*
 * variable of the machine running the tests is cleared first.
 */
export async function runAction(options: ActionRunOptions): Promise<ActionRun> {
  for (const name of Object.keys(process.env)) {
    if (/^(GITHUB_|INPUT_|ACTIONS_|RUNNER_)/.test(name)) vi.stubEnv(name, undefined);
  }
  const files = await mkdtemp(path.join(tmpdir(), "perceo-runner-"));
  const eventPath = path.join(files, "event.json");
  await writeFile(eventPath, JSON.stringify(options.payload));
  const outputFile = path.join(files, "output");
  // @actions/core remembers the summary file of its first write, as one process per step allows.
  summaryFile ??= path.join(await mkdtemp(path.join(tmpdir(), "perceo-summary-")), "summary");
  await writeFile(outputFile, "");
  await writeFile(summaryFile, "");
  const env = runnerEnvironment(options, { eventPath, outputFile, summaryFile });
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const log: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    log.push(String(chunk));
    return true;
  });
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = previousExitCode;
  const outputs = parseOutputFile(await readFile(outputFile, "utf8"));
  const summary = await readFile(summaryFile, "utf8");
  await rm(files, { recursive: true, force: true });
  return { outputs, summary, exitCode, log: log.join("") };
}

/**
 * A copy of action/dist where the runner puts an action (`_actions/perceo/action/v1`), away from
 * this repository's node_modules: what it needs at run time, it must carry.
 */
export async function copyBundledAction(): Promise<string> {
  const actionDir = await mkdtemp(path.join(tmpdir(), "perceo-bundled-action-"));
  await cp(path.join(repoRoot, "action", "dist"), path.join(actionDir, "action", "dist"), {
    recursive: true,
  });
  return path.join(actionDir, "action", "dist", "index.js");
}

/**
 * Runs the bundled Action as its own Node process, as `runs: using: node24` does, with the same
 * environment as runAction. GitHub sits behind nock inside that process (github-edge.ts): `github`
 * lists the requests it expects; the log says which arrived, which did not, and what else was asked.
 */
export async function runBundledAction(
  bundle: string,
  options: ActionRunOptions & { github: ExpectedRequest[] },
): Promise<ActionRun & { github: EdgeLog }> {
  const files = await mkdtemp(path.join(tmpdir(), "perceo-runner-"));
  const eventPath = path.join(files, "event.json");
  const outputFile = path.join(files, "output");
  const summary = path.join(files, "summary");
  const githubLog = path.join(files, "github.json");
  await Promise.all([
    writeFile(eventPath, JSON.stringify(options.payload)),
    writeFile(outputFile, ""),
    writeFile(summary, ""),
  ]);
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(GITHUB_|INPUT_|ACTIONS_|RUNNER_)/.test(name)),
  );
  const preload = pathToFileURL(fileURLToPath(new URL("./github-edge.ts", import.meta.url))).href;
  const child = await new Promise<{ exitCode: number; stdout: string }>((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", preload, bundle],
      {
        cwd: options.workspace,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...inherited,
          ...runnerEnvironment(options, { eventPath, outputFile, summaryFile: summary }),
          PERCEO_TEST_GITHUB: JSON.stringify(options.github),
          PERCEO_TEST_GITHUB_LOG: githubLog,
        },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(new Error(`${error.message}\n${stderr}`));
        else resolve({ exitCode: typeof error?.code === "number" ? error.code : 0, stdout });
      },
    );
  });
  const result = {
    outputs: parseOutputFile(await readFile(outputFile, "utf8")),
    summary: await readFile(summary, "utf8"),
    exitCode: child.exitCode,
    log: child.stdout,
    github: JSON.parse(await readFile(githubLog, "utf8")) as EdgeLog,
  };
  await rm(files, { recursive: true, force: true });
  return result;
}

/** GITHUB_OUTPUT's `name<<delimiter\nvalue\ndelimiter` records. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(pattern)) outputs[match[1] as string] = match[3] as string;
  return outputs;
}
