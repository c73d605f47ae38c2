/*
 * Where each page lives, relative to the host's origin. A project is one path segment (its full
 * name URL-encoded: `owner%2Fname`), so local project names and GitHub full names route alike.
 */

export function projectPath(basePath: string, project: string): string {
  return `${trimBase(basePath)}/projects/${encodeURIComponent(project)}`;
}

export function runPath(basePath: string, project: string, runId: string): string {
  return `${projectPath(basePath, project)}/runs/${encodeURIComponent(runId)}`;
}

/** The review page the check run and the sticky comment link to. */
export function pullRequestReviewPath(basePath: string, project: string, prNumber: number): string {
  return `${projectPath(basePath, project)}/pulls/${prNumber}`;
}

export function trimBase(basePath: string): string {
  return basePath.replace(/\/+$/, "");
}
