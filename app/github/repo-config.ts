import {
  CONFIG_FILE,
  ConfigError,
  FLOWS_DIR,
  PERSONAS_FILE,
  type PerceoProject,
  parseProject,
  type SourceFile,
} from "../../shared/config/index.ts";
import { COVERAGE_FILE, type CoverageMap, parseCoverageMap } from "../../shared/observer/index.ts";
import { type Octokit, type RepoRef, statusOf } from "./octokit.ts";

export type RepoConfig =
  /** `projectDir`: the folder holding `.perceo/`, repository-relative ("" for the root). */
  | { kind: "loaded"; project: PerceoProject; projectDir: string }
  | { kind: "missing" }
  | { kind: "invalid"; error: ConfigError };

/**
 * Reads `.perceo/` at `sha` through the contents API and validates it like the CLI does. Without
 * one at the root, the one `.perceo/config.yml` in a subfolder (an app inside a monorepo) is the
 * project; several, and the App cannot tell which is meant.
 */
export async function loadRepoConfig(octokit: Octokit, repo: RepoRef, sha: string): Promise<RepoConfig> {
  let projectDir = "";
  let root = await listDirectory(octokit, repo, ".perceo", sha);
  if (!root) {
    const nested = await findNestedProject(octokit, repo, sha);
    if (nested === undefined) return { kind: "missing" };
    projectDir = nested;
    root = await listDirectory(octokit, repo, `${projectDir}/.perceo`, sha);
    if (!root) return { kind: "missing" };
  }
  const at = (file: string) => (projectDir ? `${projectDir}/${file}` : file);
  const names = new Set(root.map((entry) => entry.path));
  const flowEntries = names.has(at(FLOWS_DIR))
    ? ((await listDirectory(octokit, repo, at(FLOWS_DIR), sha)) ?? [])
    : [];
  const flowPaths = flowEntries
    .filter((entry) => entry.type === "file" && /\.ya?ml$/.test(entry.path))
    .map((entry) => entry.path)
    .sort();
  const read = (path: string) => readFile(octokit, repo, path, sha);
  const [config, personas, ...flows] = await Promise.all([
    names.has(at(CONFIG_FILE)) ? read(at(CONFIG_FILE)) : undefined,
    names.has(at(PERSONAS_FILE)) ? read(at(PERSONAS_FILE)) : undefined,
    ...flowPaths.map(read),
  ]);
  try {
    const project = parseProject({
      root: projectDir || ".",
      ...(config ? { config } : {}),
      ...(personas ? { personas } : {}),
      flows: flows.filter((f): f is SourceFile => f !== undefined),
    });
    return { kind: "loaded", project, projectDir };
  } catch (error) {
    if (error instanceof ConfigError) return { kind: "invalid", error };
    throw error;
  }
}

/** `.perceo/coverage.json` at `sha` (recorded by `perceo run --coverage`); undefined when there is none. */
export async function readRepoCoverage(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  projectDir: string,
): Promise<CoverageMap | undefined> {
  const file = await readFile(
    octokit,
    repo,
    projectDir ? `${projectDir}/${COVERAGE_FILE}` : COVERAGE_FILE,
    sha,
  );
  return file ? parseCoverageMap(file.text) : undefined;
}

/** The folder of the one `.perceo/config.yml` below the root, from the commit's tree (one request). */
async function findNestedProject(octokit: Octokit, repo: RepoRef, sha: string): Promise<string | undefined> {
  let tree: Array<{ path?: string }>;
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", {
      ...repo,
      tree_sha: sha,
      recursive: "1",
    });
    tree = data.tree;
  } catch (error) {
    // 409: an empty repository has no tree.
    if (statusOf(error) === 404 || statusOf(error) === 409) return undefined;
    throw error;
  }
  const suffix = `/${CONFIG_FILE}`;
  const found = tree
    .map((entry) => entry.path ?? "")
    .filter((p) => p.endsWith(suffix) && !p.split("/").includes("node_modules"))
    .map((p) => p.slice(0, -suffix.length));
  return found.length === 1 ? found[0] : undefined;
}

async function listDirectory(
  octokit: Octokit,
  repo: RepoRef,
  path: string,
  ref: string,
): Promise<Array<{ path: string; type: string }> | undefined> {
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      ...repo,
      path,
      ref,
    });
    return Array.isArray(data) ? data.map((e) => ({ path: e.path, type: e.type })) : undefined;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

async function readFile(
  octokit: Octokit,
  repo: RepoRef,
  path: string,
  ref: string,
): Promise<SourceFile | undefined> {
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      ...repo,
      path,
      ref,
    });
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return undefined;
    return { path, text: Buffer.from(data.content, "base64").toString("utf8") };
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}
