import { existsSync } from "node:fs";
import path from "node:path";
import { CONFIG_FILE, loadProject, type PerceoProject } from "../config/index.ts";
import { PlaywrightSetupError } from "./errors.ts";
import { findPlaywrightConfig } from "./find-playwright.ts";
import { listPlaywrightTests } from "./list-tests.ts";
import { testFlows } from "./test-flows.ts";

/** The Playwright suite whose tests are among a project's flows. */
export interface PlaywrightSuite {
  /** Absolute path of the Playwright config. */
  configFile: string;
  /** Absolute; test files are listed relative to it. */
  rootDir: string;
  /** The project's own @playwright/test version. */
  version: string;
  /** Absolute path of the app the tests exercise: the project's folder unless `playwright.app` says otherwise. */
  appDir: string;
  projects: Array<{ name: string; baseURL?: string; retries?: number }>;
}

export interface ProjectWithTests extends PerceoProject {
  playwright?: PlaywrightSuite;
}

/**
 * `.perceo/` and, when the project has a Playwright config (`playwright.config.*` beside `.perceo/`,
 * or the one `playwright:` names), its tests as flows beside the YAML ones. Without `.perceo/config.yml`
 * the project is named after its folder and its baseUrl is Playwright's `use.baseURL`.
 */
export async function loadProjectWithTests(
  root: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ProjectWithTests> {
  const cwd = options.cwd ?? process.cwd();
  const found = findPlaywrightConfig(root);
  const project = await loadProject(root, { cwd, ...(found ? { testSuite: true } : {}) });
  const setting = project.config.playwright;
  const named = typeof setting === "string" ? setting : setting?.config;
  const configFile = named ? path.resolve(root, named) : found;
  if (!configFile) return project;
  if (!existsSync(configFile)) {
    throw new PlaywrightSetupError(
      `${path.relative(cwd, path.join(root, CONFIG_FILE))} names the Playwright config ${named}, which does not exist in ${path.relative(cwd, root) || "."}. ` +
        "Fix: point `playwright:` at your playwright.config.ts (relative to the folder holding .perceo/).",
    );
  }
  const listing = await listPlaywrightTests(configFile, options.env ? { env: options.env } : {});
  const tests = await testFlows(listing, { cwd });
  const yamlNames = new Set(project.flows.map((f) => f.name));
  for (const test of tests) if (yamlNames.has(test.name)) test.name = `${test.name}-test`;
  const hasConfigFile = existsSync(path.join(root, CONFIG_FILE));
  const config = hasConfigFile
    ? project.config
    : {
        ...project.config,
        project: path.basename(path.resolve(root)),
        ...(listing.baseURL ? { baseUrl: listing.baseURL } : {}),
      };
  const app = typeof setting === "object" ? setting.app : undefined;
  return {
    ...project,
    config,
    flows: [...project.flows, ...tests].sort((a, b) => a.name.localeCompare(b.name)),
    playwright: {
      configFile,
      rootDir: listing.rootDir,
      version: listing.version,
      appDir: app ? path.resolve(root, app) : path.resolve(root),
      projects: listing.projects,
    },
  };
}
