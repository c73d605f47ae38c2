import type { Probot } from "probot";
import { type DeployDiffPayload, deployDiffJobKey } from "../jobs/payloads.ts";
import type { JobQueue } from "../jobs/queue.ts";

/** How long a push to the default branch waits before its pages are captured, when nothing says otherwise. */
export const DEFAULT_PUSH_DELAY_SECONDS = 300;

/**
 * Records a deploy diff job and answers GitHub at once:
 * - `deployment_status` success for the production environment: now
 * - a push to the default branch: after the delay (the job steps aside if the repository reports deployments)
 */
export function onDeploy(app: Probot, services: { queue: JobQueue; pushDelaySeconds?: number }): void {
  app.on("deployment_status.created", async (context) => {
    const { deployment_status: status, deployment, repository, installation } = context.payload;
    const log = context.log.child({ repo: repository.full_name, sha: deployment.sha });
    const environment = status.environment ?? deployment.environment;
    if (!installation || status.state !== "success") return;
    if (!(deployment.production_environment === true || /^production$/i.test(environment))) {
      log.debug({ environment }, "not a production deployment; no deploy diff");
      return;
    }
    const environmentUrl = status.environment_url || status.target_url || undefined;
    const payload: DeployDiffPayload = {
      installationId: installation.id,
      owner: repository.owner.login,
      repo: repository.name,
      repositoryId: repository.id,
      defaultBranch: repository.default_branch,
      sha: deployment.sha,
      trigger: "deployment",
      environment,
      ...(environmentUrl && /^https?:\/\//.test(environmentUrl) ? { environmentUrl } : {}),
      deliveryId: context.id,
    };
    const outcome = await services.queue.enqueue({
      task: "deploy-diff",
      key: deployDiffJobKey(repository.id, deployment.sha, "deployment"),
      deliveryId: context.id,
      payload,
    });
    log.info(
      { outcome },
      outcome === "queued" ? "deploy diff queued" : "delivery seen before; nothing queued",
    );
  });

  app.on("push", async (context) => {
    const { repository, installation, ref, after, before, deleted } = context.payload;
    if (!installation || deleted || ref !== `refs/heads/${repository.default_branch}` || /^0+$/.test(after))
      return;
    const delay = services.pushDelaySeconds ?? DEFAULT_PUSH_DELAY_SECONDS;
    const [owner = "", repo = repository.name] = repository.full_name.split("/");
    const payload: DeployDiffPayload = {
      installationId: installation.id,
      owner,
      repo,
      repositoryId: repository.id,
      defaultBranch: repository.default_branch,
      sha: after,
      trigger: "push",
      environment: "production",
      ...(/^0+$/.test(before) ? {} : { beforeSha: before }),
      deliveryId: context.id,
    };
    const outcome = await services.queue.enqueue({
      task: "deploy-diff",
      key: deployDiffJobKey(repository.id, after, "push"),
      deliveryId: context.id,
      runAt: new Date(Date.now() + delay * 1_000),
      payload,
    });
    context.log
      .child({ repo: repository.full_name, sha: after })
      .info(
        { outcome, delay },
        outcome === "queued" ? "deploy diff queued after the push delay" : "delivery seen before",
      );
  });
}
