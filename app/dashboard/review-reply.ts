import type { Logger } from "probot";
import type { DashboardOptions } from "../../shared/dashboard/index.ts";
import { type Octokit, statusOf } from "../github/octokit.ts";

type ReviewAction = Parameters<NonNullable<DashboardOptions["onReview"]>>[0];

/**
 * After an approve or ignore in the dashboard, the pull request says so in a reply, as it does for
 * `/perceo approve` and `/perceo ignore`: the review is visible where the team works. The change is
 * already stored; a reply GitHub refuses is logged, never shown as a failed approval.
 */
export function replyAfterReview(options: {
  installationOctokit(installationId: number): Promise<Octokit>;
  log: Logger;
}): (action: ReviewAction) => Promise<void> {
  return async (action) => {
    const { project, prNumber } = action;
    const [owner = "", repo = ""] = project.fullName.split("/");
    if (project.installationId === null || !repo) return;
    try {
      const octokit = await options.installationOctokit(project.installationId);
      await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        owner,
        repo,
        issue_number: prNumber,
        body: reviewReply(action),
      });
    } catch (error) {
      options.log.warn(
        { repo: project.fullName, pr: prNumber, status: statusOf(error) },
        "dashboard: the review's reply was not posted",
      );
    }
  };
}

export function reviewReply(action: ReviewAction): string {
  const count = action.screenshotIds.length;
  const shots = `${count} ${count === 1 ? "screenshot" : "screenshots"}`;
  const sha = action.headSha.slice(0, 7);
  const done =
    action.kind === "approve"
      ? `approved ${shots} of ${sha} as baselines`
      : `ignored the change on ${shots} of ${sha}; the same change will not be reported again`;
  return `**${action.actor}** ${done} in the Perceo dashboard.`;
}
