import type { Probot } from "probot";
import { impactJobKey, type PrImpactPayload } from "../jobs/payloads.ts";
import type { JobQueue } from "../jobs/queue.ts";

export const PULL_REQUEST_EVENTS = [
  "pull_request.opened",
  "pull_request.synchronize",
  "pull_request.reopened",
  "pull_request.ready_for_review",
] as const;

/** Records the impact job for the pull request's head and answers GitHub at once. */
export function onPullRequest(app: Probot, services: { queue: JobQueue }): void {
  app.on([...PULL_REQUEST_EVENTS], async (context) => {
    const { pull_request: pr, repository, installation } = context.payload;
    // Fields on each line rather than a child logger: building one for every delivery cost more
    // than the line itself.
    const about = { repo: repository.full_name, sha: pr.head.sha, pr: pr.number };
    if (!installation) {
      context.log.warn(about, "pull request event without an installation; ignored");
      return;
    }
    if (pr.draft) {
      context.log.debug(about, "draft pull request; waiting for ready_for_review");
      return;
    }
    const payload: PrImpactPayload = {
      installationId: installation.id,
      owner: repository.owner.login,
      repo: repository.name,
      repositoryId: repository.id,
      defaultBranch: repository.default_branch,
      prNumber: pr.number,
      headSha: pr.head.sha,
      baseSha: pr.base.sha,
      changedFiles: pr.changed_files ?? 0,
      deliveryId: context.id,
    };
    const outcome = await services.queue.enqueue({
      task: "pr-impact",
      key: impactJobKey(repository.id, pr.head.sha),
      deliveryId: context.id,
      payload,
    });
    // Queued is the usual path: Probot's request line already names the delivery and the job's
    // lines carry the delivery, repository and commit, so it is a debug line. A redelivery is news.
    if (outcome === "queued") context.log.debug(about, "impact analysis queued");
    else context.log.info({ ...about, outcome }, "delivery seen before; nothing queued");
  });
}
