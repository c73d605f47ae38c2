import type { ProbotOctokit } from "probot";

/** An installation's authenticated client, as Probot hands it out (`context.octokit`, `app.auth(id)`). */
export type Octokit = InstanceType<typeof ProbotOctokit>;

/** The repository a piece of work is about. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/** The HTTP status of an Octokit request error, when there is one. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}
