import type { Probot } from "probot";
import { APPROVE_VISUALS_ACTION, FLOWS_CHECK } from "../github/check-run.ts";
import { type FlowsResultPayload, flowsResultJobKey, type PrCommandPayload } from "../jobs/payloads.ts";
import type { JobQueue } from "../jobs/queue.ts";

/**
 * `Perceo / Flows` completed → report predicted vs actual; the "Approve visuals" button on
 * `Perceo / Impact` → the same as `/perceo approve`.
 */
export function onCheckRun(app: Probot, services: { queue: JobQueue }): void {
  app.on("check_run.completed", async (context) => {
    const { check_run: check, repository, installation } = context.payload;
    if (check.name !== FLOWS_CHECK || !installation) return;
    const payload: FlowsResultPayload = {
      installationId: installation.id,
      owner: repository.owner.login,
      repo: repository.name,
      repositoryId: repository.id,
      headSha: check.head_sha,
      prNumbers: check.pull_requests.map((pr) => pr.number),
      deliveryId: context.id,
    };
    const outcome = await services.queue.enqueue({
      task: "flows-result",
      key: flowsResultJobKey(repository.id, check.head_sha),
      deliveryId: context.id,
      payload,
    });
    context.log.info({ repo: repository.full_name, sha: check.head_sha, outcome }, "flow results queued");
  });

  app.on("check_run.requested_action", async (context) => {
    const { check_run: check, repository, installation, requested_action: action, sender } = context.payload;
    const prNumber = check.pull_requests[0]?.number;
    if (action?.identifier !== APPROVE_VISUALS_ACTION.identifier || !installation || prNumber === undefined)
      return;
    const payload: PrCommandPayload = {
      installationId: installation.id,
      owner: repository.owner.login,
      repo: repository.name,
      repositoryId: repository.id,
      prNumber,
      commentId: 0,
      author: sender.login,
      command: "/perceo approve",
      headSha: check.head_sha,
      deliveryId: context.id,
    };
    await services.queue.enqueue({
      task: "pr-command",
      key: `pr-command:${repository.id}:${context.id}`,
      deliveryId: context.id,
      payload,
    });
  });
}
