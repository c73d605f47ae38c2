import type { Octokit, RepoRef } from "./octokit.ts";

/**
 * Whether `username` may change what Perceo keeps for the repository (approve, ignore, run):
 * GitHub's collaborator permission, read with the installation's token, is `write` or `admin`.
 * The one rule for `/perceo` commands, the check run's button and the dashboard.
 */
export async function hasWriteAccess(octokit: Octokit, repo: RepoRef, username: string): Promise<boolean> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", {
    ...repo,
    username,
  });
  return data.permission === "admin" || data.permission === "write";
}
