import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import picomatch from "picomatch";
import { z } from "zod";
import { PlaywrightSetupError } from "./errors.ts";
import { findInstalledPlaywright } from "./find-playwright.ts";

/*
 * The tests, as the project's own Playwright lists them: `playwright test --list --reporter=json`
 * gives every test's file, line, title path, tags, annotations and projects, and each project's
 * `use` (its baseURL). Nothing is run.
 */

const locationSchema = z.object({ file: z.string(), line: z.number(), column: z.number() }).partial();
const errorSchema = z.object({ message: z.string().optional(), location: locationSchema.optional() });
const annotationSchema = z.object({ type: z.string(), description: z.string().optional() });
const specSchema = z.object({
  title: z.string(),
  file: z.string(),
  line: z.number(),
  column: z.number(),
  tags: z.array(z.string()).default([]),
  tests: z.array(
    z.object({
      projectName: z.string().default(""),
      annotations: z.array(annotationSchema).default([]),
    }),
  ),
});
interface SuiteJson {
  title: string;
  file: string;
  specs?: Array<z.infer<typeof specSchema>>;
  suites?: SuiteJson[];
}
const suiteSchema: z.ZodType<SuiteJson> = z.lazy(() =>
  z.object({
    title: z.string(),
    file: z.string(),
    specs: z.array(specSchema).optional(),
    suites: z.array(suiteSchema).optional(),
  }),
);
const reportSchema = z.object({
  config: z.object({
    configFile: z.string().optional(),
    rootDir: z.string(),
    version: z.string().optional(),
    projects: z
      .array(
        z.object({
          testDir: z.string().optional(),
          testMatch: z.array(z.unknown()).optional(),
          testIgnore: z.array(z.unknown()).optional(),
        }),
      )
      .optional(),
    filteredProjects: z
      .array(
        z.object({
          name: z.string().default(""),
          retries: z.number().optional(),
          use: z.object({ baseURL: z.string().optional() }).loose().optional(),
        }),
      )
      .optional(),
  }),
  suites: z.array(suiteSchema).default([]),
  errors: z.array(errorSchema).default([]),
});

export interface ListedTest {
  /** Absolute path of the spec file. */
  file: string;
  /** The spec file relative to the config's rootDir (what `--test-list` lines start with), POSIX. */
  rootFile: string;
  /** describe titles, then the test's own title. */
  titlePath: string[];
  line: number;
  column: number;
  /** Without the leading @. */
  tags: string[];
  annotations: Array<{ type: string; description?: string }>;
  projects: string[];
}

/** A spec file Playwright could not load: its tests are unknown until it loads. */
export interface BrokenSpec {
  file: string;
  rootFile: string;
  message: string;
  line?: number;
}

export interface TestListing {
  configFile: string;
  /** Absolute; test files are relative to it in `--test-list`. */
  rootDir: string;
  version: string;
  baseURL?: string;
  projects: Array<{ name: string; baseURL?: string; retries?: number }>;
  tests: ListedTest[];
  broken: BrokenSpec[];
}

const LIST_TIMEOUT_MS = 120_000;

/**
 * Lists the suite of `configFile` with the project's own Playwright. A spec that does not load makes
 * Playwright list nothing at all; then the other specs are listed by name, and the broken one is
 * reported as such.
 */
export async function listPlaywrightTests(
  configFile: string,
  options: {
    env?: NodeJS.ProcessEnv /** More `playwright test` options, such as `--only-changed=HEAD`. */;
    extraArgs?: string[];
  } = {},
): Promise<TestListing> {
  const playwright = findInstalledPlaywright(configFile);
  const first = await listOnce(configFile, playwright.cli, options.extraArgs ?? [], options.env);
  const listing = toListing(first.report, configFile, playwright.version, first.code);
  if (listing.broken.length === 0 || listing.tests.length > 0) return listing;
  const others = (await specFiles(first.report)).filter((f) => !listing.broken.some((b) => b.file === f));
  if (others.length === 0) return listing;
  const again = await listOnce(configFile, playwright.cli, others.map(fileFilter), options.env);
  const rest = toListing(again.report, configFile, playwright.version, again.code);
  return { ...rest, broken: [...listing.broken, ...rest.broken] };
}

async function listOnce(
  configFile: string,
  cli: string,
  filters: string[],
  env: NodeJS.ProcessEnv | undefined,
): Promise<{ report: z.infer<typeof reportSchema>; code: number | null }> {
  const dir = await mkdtemp(path.join(tmpdir(), "perceo-pw-list-"));
  const output = path.join(dir, "list.json");
  try {
    const { code, stderr, stdout } = await runNode(
      [cli, "test", "--list", "--reporter=json", "--config", configFile, ...filters],
      {
        cwd: path.dirname(configFile),
        env: { ...(env ?? process.env), PLAYWRIGHT_JSON_OUTPUT_FILE: output, FORCE_COLOR: "0" },
        timeoutMs: LIST_TIMEOUT_MS,
      },
    );
    const text = await readFile(output, "utf8").catch(() => undefined);
    const parsed = text ? reportSchema.safeParse(safeJson(text)) : undefined;
    if (!parsed?.success) {
      throw new PlaywrightSetupError(
        `\`playwright test --list\` failed for ${configFile} (exit ${code}): ${firstLines(stderr || stdout)}. ` +
          "Fix: run `npx playwright test --list` in that folder and correct what it reports.",
      );
    }
    return { report: parsed.data, code };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The spec files each project's testDir, testMatch and testIgnore take (string patterns only). */
async function specFiles(report: z.infer<typeof reportSchema>): Promise<string[]> {
  const files = new Set<string>();
  for (const project of report.config.projects ?? []) {
    const dir = project.testDir ?? report.config.rootDir;
    const strings = (list: unknown[] | undefined) =>
      (list ?? []).filter((p): p is string => typeof p === "string");
    const match = picomatch(
      strings(project.testMatch).length ? strings(project.testMatch) : [DEFAULT_TEST_MATCH],
    );
    const ignore = strings(project.testIgnore).length ? picomatch(strings(project.testIgnore)) : () => false;
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      const relative = toPosix(path.relative(dir, file));
      if (relative.includes("node_modules/") || !match(relative) || ignore(relative)) continue;
      files.add(file);
    }
  }
  return [...files].sort();
}

const DEFAULT_TEST_MATCH = "**/*.@(spec|test).?(c|m)[jt]s?(x)";

/** A command-line filter matching exactly this file (Playwright reads filters as regular expressions). */
function fileFilter(file: string): string {
  return `${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;
}

function toListing(
  report: z.infer<typeof reportSchema>,
  configFile: string,
  version: string,
  code: number | null,
): TestListing {
  const rootDir = report.config.rootDir;
  const projects = (report.config.filteredProjects ?? []).map((p) => ({
    name: p.name,
    ...(p.use?.baseURL ? { baseURL: p.use.baseURL } : {}),
    ...(p.retries !== undefined ? { retries: p.retries } : {}),
  }));
  const tests: ListedTest[] = [];
  const visit = (suite: SuiteJson, titles: string[]) => {
    for (const spec of suite.specs ?? []) {
      const file = path.resolve(rootDir, spec.file);
      tests.push({
        file,
        rootFile: toPosix(spec.file),
        titlePath: [...titles, spec.title],
        line: spec.line,
        column: spec.column,
        tags: spec.tags.map((t) => t.replace(/^@/, "")),
        annotations: spec.tests[0]?.annotations ?? [],
        projects: [...new Set(spec.tests.map((t) => t.projectName))],
      });
    }
    for (const child of suite.suites ?? []) visit(child, [...titles, child.title]);
  };
  // The top-level suites are files; their titles are not part of a test's title path.
  for (const fileSuite of report.suites) visit({ ...fileSuite }, []);

  const broken: BrokenSpec[] = [];
  const configProblems: string[] = [];
  for (const error of report.errors) {
    const file = error.location?.file;
    const message = firstLines(error.message ?? "unknown error");
    if (file && path.resolve(file) !== path.resolve(configFile) && !tests.some((t) => t.file === file)) {
      broken.push({
        file: path.resolve(file),
        rootFile: toPosix(path.relative(rootDir, file)),
        message,
        ...(error.location?.line ? { line: error.location.line } : {}),
      });
    } else configProblems.push(file ? `${file}:${error.location?.line ?? 1}: ${message}` : message);
  }
  if (configProblems.length > 0 && tests.length === 0) {
    throw new PlaywrightSetupError(
      `Playwright could not load ${configFile} (exit ${code}): ${configProblems.join("; ")}. ` +
        "Fix: run `npx playwright test --list` in that folder until it lists your tests.",
    );
  }
  const baseURL = projects.find((p) => p.baseURL)?.baseURL;
  return {
    configFile,
    rootDir,
    version: report.config.version ?? version,
    ...(baseURL ? { baseURL } : {}),
    projects,
    tests,
    broken,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function firstLines(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
  const plain = text.replace(/\u001b\[[0-9;]*m/g, "").trim();
  const lines = plain.split("\n").filter((l) => l.trim());
  return lines.slice(0, 6).join(" ").slice(0, 600) || "no output";
}

function toPosix(file: string): string {
  return file.split(path.sep).join("/");
}

/** Runs Node with `args`; resolves with the exit code and what it printed. */
export function runNode(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; onOutput?: (chunk: string) => void },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onOutput?.(chunk.toString());
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onOutput?.(chunk.toString());
    });
    const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
