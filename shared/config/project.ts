import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { SourceLocation } from "../runner/result.ts";
import { ConfigError, type ConfigIssue } from "./errors.ts";
import {
  configSchema,
  type Flow,
  flowHeaderSchema,
  type PerceoConfig,
  type Persona,
  personasFileSchema,
  type Step,
} from "./schema.ts";
import { validateStep } from "./step-validation.ts";
import { didYouMean } from "./suggest.ts";
import { parseYamlSource } from "./yaml-source.ts";
import { checkWithSchema } from "./zod-issues.ts";

export interface LoadedFlow extends Flow {
  /** The flow file, as shown to people (relative to where Perceo was started). */
  file: string;
  stepLocations: SourceLocation[];
  /** Set when the flow is a Playwright test (`file` is its spec); see shared/playwright. */
  test?: TestSource;
}

/**
 * A Playwright test as a flow: where it is and what it reaches. Its `steps` are only the URLs it
 * opens or expects (as goto and expect url steps), which is what the observer follows; Playwright
 * runs the test itself.
 */
export interface TestSource {
  /** describe titles, then the test's title. */
  titlePath: string[];
  /** The `--test-list` line that runs exactly this test: spec relative to the config's rootDir › titles. */
  listEntry: string;
  /** The Playwright config that runs it, as shown to people. */
  config: string;
  /** The lines of the test's own call in its spec. */
  lines: { start: number; end: number };
  /** The lines of every test in the same spec, so an edit between tests can be told from one inside another test. */
  specTests: Array<{ start: number; end: number }>;
  /** Local modules it depends on (page objects, fixtures, helpers), as shown to people, each with the chain from the spec. */
  imports: Array<{ file: string; chain: string[] }>;
  /** Text it names (locators, expected text, typed values). */
  words: string[];
  projects: string[];
  /** Why its spec could not be read (Playwright did not load it, or it did not parse): every test in it is selected. */
  unreadable?: string;
}

export interface PerceoProject {
  /** The folder that holds `.perceo/`. */
  root: string;
  config: PerceoConfig;
  personas: Record<string, Persona>;
  flows: LoadedFlow[];
}

export interface SourceFile {
  path: string;
  text: string;
}

export interface ProjectSources {
  root: string;
  config?: SourceFile;
  personas?: SourceFile;
  flows: SourceFile[];
}

export const CONFIG_FILE = ".perceo/config.yml";
export const PERSONAS_FILE = ".perceo/personas.yml";
export const FLOWS_DIR = ".perceo/flows";

/**
 * Validates every file of a `.perceo/` folder and reports all problems in one ConfigError. With
 * `testSuite` (a Playwright config was found), the config file and the flows folder may be absent:
 * the tests are the flows.
 */
export function parseProject(sources: ProjectSources, options: { testSuite?: boolean } = {}): PerceoProject {
  const issues: ConfigIssue[] = [];
  let config: PerceoConfig | undefined;
  if (!sources.config && options.testSuite) {
    // Placeholders: the suite's loader names the project after its folder and takes Playwright's baseURL.
    config = configSchema.parse({ project: "project", baseUrl: "http://localhost:3000" });
  } else if (!sources.config) {
    issues.push({
      file: path.join(sources.root, CONFIG_FILE),
      line: 1,
      col: 1,
      message: "missing: create it with `project: <name>` and `baseUrl: http://localhost:3000`",
    });
  } else {
    const { source, issues: yamlIssues } = parseYamlSource(sources.config.path, sources.config.text);
    issues.push(...yamlIssues);
    if (yamlIssues.length === 0) {
      const checked = checkWithSchema(configSchema, source.value ?? {}, [], source);
      issues.push(...checked.issues);
      config = checked.data;
    }
  }

  let personas: Record<string, Persona> = {};
  if (sources.personas) {
    const { source, issues: yamlIssues } = parseYamlSource(sources.personas.path, sources.personas.text);
    issues.push(...yamlIssues);
    if (yamlIssues.length === 0) {
      const checked = checkWithSchema(personasFileSchema, source.value ?? {}, [], source);
      issues.push(...checked.issues);
      personas = checked.data?.personas ?? {};
    }
  }

  const flows: LoadedFlow[] = [];
  const seen = new Map<string, string>();
  for (const file of sources.flows) {
    const parsed = parseFlowFile(file, personas, sources.personas !== undefined);
    issues.push(...parsed.issues);
    if (!parsed.flow) continue;
    const earlier = seen.get(parsed.flow.name);
    if (earlier) {
      issues.push({
        ...parsed.nameLocation,
        message: `flow name "${parsed.flow.name}" is already used by ${earlier}; names must be unique`,
      });
      continue;
    }
    seen.set(parsed.flow.name, file.path);
    flows.push(parsed.flow);
  }
  if (sources.flows.length === 0 && sources.config && !options.testSuite && !config?.playwright) {
    issues.push({
      file: path.join(sources.root, FLOWS_DIR),
      line: 1,
      col: 1,
      message: "no flows found: add a file such as checkout.yml with name, description, priority and steps",
    });
  }

  if (issues.length > 0 || !config) throw new ConfigError(issues);
  return { root: sources.root, config, personas, flows: flows.sort((a, b) => a.name.localeCompare(b.name)) };
}

export function parseFlowFile(
  file: SourceFile,
  personas: Record<string, Persona> = {},
  checkPersonas = true,
): { flow?: LoadedFlow; issues: ConfigIssue[]; nameLocation: Omit<ConfigIssue, "message"> } {
  const { source, issues } = parseYamlSource(file.path, file.text);
  const nameLocation = { file: file.path, ...source.locate(["name"]) };
  if (issues.length > 0) return { issues, nameLocation };
  const header = checkWithSchema(flowHeaderSchema, source.value ?? {}, [], source);
  issues.push(...header.issues);

  const rawSteps = (source.value as { steps?: unknown })?.steps;
  const steps: Step[] = [];
  const stepLocations: SourceLocation[] = [];
  if (Array.isArray(rawSteps)) {
    rawSteps.forEach((raw, index) => {
      const checked = validateStep(raw, ["steps", index], source);
      issues.push(...checked.issues);
      if (checked.step) steps.push(checked.step);
      stepLocations.push({ file: file.path, ...source.locate(["steps", index]) });
    });
  }
  const persona = (source.value as { persona?: unknown })?.persona;
  if (typeof persona === "string" && checkPersonas && !(persona in personas)) {
    const known = Object.keys(personas);
    const hint =
      didYouMean(persona, known) ||
      (known.length ? `; known personas: ${known.join(", ")}` : `; define it in .perceo/personas.yml`);
    issues.push(source.issue(["persona"], `unknown persona "${persona}"${hint}`));
  }
  if (issues.length > 0 || !header.data) return { issues, nameLocation };
  const { $schema: _schema, steps: _raw, ...rest } = header.data;
  return { flow: { ...rest, steps, file: file.path, stepLocations }, issues, nameLocation };
}

/**
 * Reads `.perceo/` under `root`. File paths in errors are shown relative to `cwd`, so a person can
 * click them in a terminal.
 */
export async function loadProject(
  root: string,
  options: { cwd?: string; testSuite?: boolean } = {},
): Promise<PerceoProject> {
  const cwd = options.cwd ?? process.cwd();
  const show = (p: string) => path.relative(cwd, path.join(root, p)) || p;
  const read = async (p: string): Promise<SourceFile | undefined> => {
    try {
      return { path: show(p), text: await readFile(path.join(root, p), "utf8") };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  };
  let flowNames: string[] = [];
  try {
    flowNames = (await readdir(path.join(root, FLOWS_DIR))).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const flows = await Promise.all(flowNames.map((n) => read(path.join(FLOWS_DIR, n))));
  return parseProject(
    {
      root: path.relative(cwd, root) || ".",
      config: await read(CONFIG_FILE),
      personas: await read(PERSONAS_FILE),
      flows: flows.filter((f): f is SourceFile => f !== undefined),
    },
    { ...(options.testSuite ? { testSuite: true } : {}) },
  );
}
