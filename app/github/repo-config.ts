import {
  CONFIG_FILE,
  ConfigError,
  FLOWS_DIR,
  PERSONAS_FILE,
  type PerceoProject,
  parseProject,
  type SourceFile,
} from "../../shared/config/index.ts";
import { type Octokit, type RepoRef, statusOf } from "./octokit.ts";

export type RepoConfig =
  | { kind: "loaded"; project: PerceoProject }
  | { kind: "missing" }
  | { kind: "invalid"; error: ConfigError };

/** Reads `.perceo/` at `sha` through the contents API and validates it like the CLI does. */
export async function loadRepoConfig(octokit: Octokit, repo: RepoRef, sha: string): Promise<RepoConfig> {
  const root = await listDirectory(octokit, repo, ".perceo", sha);
  if (!root) return { kind: "missing" };
  const names = new Set(root.map((entry) => entry.path));
  const flowEntries = names.has(FLOWS_DIR)
    ? ((await listDirectory(octokit, repo, FLOWS_DIR, sha)) ?? [])
    : [];
  const flowPaths = flowEntries
    .filter((entry) => entry.type === "file" && /\.ya?ml$/.test(entry.path))
    .map((entry) => entry.path)
    .sort();
  const read = (path: string) => readFile(octokit, repo, path, sha);
  const [config, personas, ...flows] = await Promise.all([
    names.has(CONFIG_FILE) ? read(CONFIG_FILE) : undefined,
    names.has(PERSONAS_FILE) ? read(PERSONAS_FILE) : undefined,
    ...flowPaths.map(read),
  ]);
  try {
    const project = parseProject({
      root: ".",
      ...(config ? { config } : {}),
      ...(personas ? { personas } : {}),
      flows: flows.filter((f): f is SourceFile => f !== undefined),
    });
    return { kind: "loaded", project };
  } catch (error) {
    if (error instanceof ConfigError) return { kind: "invalid", error };
    throw error;
  }
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
