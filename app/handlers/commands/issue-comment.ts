import type { Probot } from "probot";
import type { PrCommandPayload } from "../../jobs/payloads.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { findCommandLine } from "./parse-command.ts";

/** A `/perceo …` comment on a pull request becomes a job: 👀, permission check, the work, a reply. */
export function onIssueComment(app: Probot, services: { queue: JobQueue }): void {
  app.on("issue_comment.created", async (context) => {
    const { comment, issue, repository, installation } = context.payload;
    if (!issue.pull_request || !installation || comment.user?.type === "Bot") return;
    const command = findCommandLine(comment.body ?? "");
    if (!command) return;
    const payload: PrCommandPayload = {
      installationId: installation.id,
      owner: repository.owner.login,
      repo: repository.name,
      repositoryId: repository.id,
      prNumber: issue.number,
      commentId: comment.id,
      author: comment.user?.login ?? "",
      command,
      deliveryId: context.id,
    };
    const outcome = await services.queue.enqueue({
      task: "pr-command",
      key: `pr-command:${repository.id}:${comment.id}`,
      deliveryId: context.id,
      payload,
    });
    context.log.info({ repo: repository.full_name, pr: issue.number, outcome }, "command queued");
  });
}
