import type { Octokit, RepoRef } from "./octokit.ts";

export interface ChangedFile {
  path: string;
  status: "added" | "modified" | "removed" | "renamed";
  previousPath?: string;
  /** The unified diff hunks, when GitHub sends them (not for binary or very large files). */
  patch?: string;
}

/** The pull request files endpoint stops at 3,000 files. */
export const PULL_FILES_LIMIT = 3_000;

/**
 * The files a pull request changes. Up to 3,000 files come from the pull request (with patches);
 * beyond that, the trees of the merge base and the head are compared (paths only).
 */
export async function listChangedFiles(
  octokit: Octokit,
  repo: RepoRef,
  pr: { number: number; changedFiles: number; baseSha: string; headSha: string },
): Promise<ChangedFile[]> {
  if (pr.changedFiles <= PULL_FILES_LIMIT) {
    const files = await octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
      ...repo,
      pull_number: pr.number,
      per_page: 100,
    });
    return files.map((file) => ({
      path: file.filename,
      status: normaliseStatus(file.status),
      ...(file.previous_filename ? { previousPath: file.previous_filename } : {}),
      ...(file.patch ? { patch: file.patch } : {}),
    }));
  }
  return compareTrees(octokit, repo, pr.baseSha, pr.headSha);
}

async function compareTrees(
  octokit: Octokit,
  repo: RepoRef,
  base: string,
  head: string,
): Promise<ChangedFile[]> {
  const { data: comparison } = await octokit.request("GET /repos/{owner}/{repo}/compare/{basehead}", {
    ...repo,
    basehead: `${base}...${head}`,
    per_page: 1,
  });
  const mergeBase = comparison.merge_base_commit.sha;
  const [before, after] = await Promise.all([
    readTree(octokit, repo, mergeBase),
    readTree(octokit, repo, head),
  ]);
  const changes: ChangedFile[] = [];
  for (const [path, sha] of after) {
    const old = before.get(path);
    if (old === undefined) changes.push({ path, status: "added" });
    else if (old !== sha) changes.push({ path, status: "modified" });
  }
  for (const path of before.keys()) if (!after.has(path)) changes.push({ path, status: "removed" });
  return changes.sort((a, b) => a.path.localeCompare(b.path));
}

async function readTree(octokit: Octokit, repo: RepoRef, sha: string): Promise<Map<string, string>> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", {
    ...repo,
    tree_sha: sha,
    recursive: "1",
  });
  return new Map(
    data.tree.filter((e) => e.type === "blob" && e.path && e.sha).map((e) => [e.path ?? "", e.sha ?? ""]),
  );
}

function normaliseStatus(status: string): ChangedFile["status"] {
  if (status === "added" || status === "removed" || status === "renamed") return status;
  return "modified";
}
