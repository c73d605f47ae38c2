import type { Logger } from "probot";
import { projectRiskModel } from "../../shared/observer/index.ts";
import type { PredictionOutcome } from "../../shared/store/index.ts";
import {
  APPROVE_VISUALS_ACTION,
  findCheckRun,
  IMPACT_CHECK,
  impactExternalId,
  offerCheckRunActions,
} from "../github/check-run.ts";
import type { Octokit, RepoRef } from "../github/octokit.ts";
import { upsertStickyComment } from "../github/sticky-comment.ts";
import { renderPrComment } from "../impact/render.ts";
import type { JobDeps } from "./deps.ts";
import type { FlowsResultPayload } from "./payloads.ts";
import { findRunResults } from "./pr-results.ts";
import { withPullRequestLock } from "./queue.ts";

/**
 * After `Perceo / Flows` completes (or its results reach the ingest route, whichever is last):
 * 1. read the run for the head sha from the store, 2. record what actually happened to each
 * predicted flow, 3. show predicted vs actual in the sticky comment, 4. when screenshots of the
 * commit wait for review, offer the "Approve visuals" button on `Perceo / Impact`.
 */
export async function reportFlowResults(deps: JobDeps, job: FlowsResultPayload, log: Logger): Promise<void> {
  const project = await deps.store.getProjectByRepositoryId(job.repositoryId);
  if (!project) {
    log.info("no project for this repository yet; nothing to report");
    return;
  }
  const actual = await findRunResults(deps.store, project, job.headSha);
  if (!actual) {
    // The results are still on their way; the ingest route queues this job again when they land.
    log.info("no run recorded for this commit yet");
    return;
  }
  const predictions = await deps.store.listPredictions(project.id, job.headSha);
  const status = new Map(actual.map((a) => [a.flowName, a.status]));
  const outcomes = predictions.map((p) => ({
    flowName: p.flowName,
    actual: (status.get(p.flowName) ?? "not_run") as PredictionOutcome,
  }));
  if (outcomes.length > 0) await deps.store.recordPredictionOutcomes(project.id, job.headSha, outcomes);

  const prNumber = job.prNumbers[0] ?? predictions.find((p) => p.prNumber !== null)?.prNumber ?? undefined;
  if (prNumber === undefined) {
    log.info("the run belongs to no pull request; outcomes recorded");
    return;
  }
  const octokit = await deps.auth(job.installationId);
  const recorded = await deps.store.listPredictions(project.id, job.headSha);
  const { calibrated } = projectRiskModel(await deps.store.listScoredPredictions(project.id));
  await withPullRequestLock(deps.pool, { repositoryId: job.repositoryId, number: prNumber }, async () => {
    const comment = await upsertStickyComment(
      octokit,
      { owner: job.owner, repo: job.repo },
      prNumber,
      renderPrComment({ headSha: job.headSha, results: { predictions: recorded, actual, calibrated } }),
    );
    log.info({ outcomes: outcomes.length, comment: comment.action }, "flow results reported");
  });
  const pending = await deps.store.listPendingScreenshots(project.id, job.headSha);
  if (pending.length > 0) {
    const offered = await offerApproval(octokit, { owner: job.owner, repo: job.repo }, job.headSha);
    log.info({ pending: pending.length, offered }, "visual changes wait for approval");
  }
}

/** The button lives on our own check run: GitHub sends its clicks only to the App that made the run. */
async function offerApproval(octokit: Octokit, repo: RepoRef, sha: string): Promise<boolean> {
  const checkRunId = await findCheckRun(octokit, repo, {
    name: IMPACT_CHECK,
    sha,
    externalId: impactExternalId(sha),
  });
  if (checkRunId === undefined) return false;
  await offerCheckRunActions(octokit, repo, checkRunId, [APPROVE_VISUALS_ACTION]);
  return true;
}
