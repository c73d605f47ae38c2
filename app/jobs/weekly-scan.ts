import type { Logger } from "probot";
import { WEEKLY_SCAN_DEFAULTS } from "../../shared/config/index.ts";
import { renderFindingComment, renderWeeklyIssue } from "../../shared/report/index.ts";
import {
  collectWeeklyReport,
  groupFindings,
  isoWeekStart,
  scheduledAt,
  weeklyIssueTitle,
} from "../../shared/weekly/index.ts";
import type { RepoRef } from "../github/octokit.ts";
import { loadRepoConfig, readRepoCoverage } from "../github/repo-config.ts";
import type { JobDeps, WeeklyScanServices } from "./deps.ts";
import { projectAnalytics, projectOutcomes } from "./project-analytics.ts";
import { closePreviousIssue, openWeeklyIssue, recordReactionFeedback } from "./weekly-scan-issue.ts";
import { type WeeklyScanPayload, weeklyScanJobKey } from "./weekly-scan-payloads.ts";

/** Findings posted as their own comments (for reactions); the rest are in the issue body only. */
export const FINDING_COMMENTS = 10;

function servicesOf(deps: JobDeps): WeeklyScanServices {
  return deps.weeklyScan ?? { now: () => new Date() };
}

/**
 * Hourly (and at start, through the crontab's backfill): queue a scan for every installed
 * repository whose week has none yet. The job key makes repeats merge into the waiting job.
 */
export async function queueDueWeeklyScans(deps: JobDeps, log: Logger): Promise<number> {
  const weekStart = isoWeekStart(servicesOf(deps).now());
  const done = new Set(await deps.store.listProjectsScannedInWeek(weekStart));
  let queued = 0;
  for (const project of await deps.store.listInstalledProjects()) {
    if (done.has(project.id) || project.repositoryId === null || project.installationId === null) continue;
    const [owner, repo] = project.fullName.split("/");
    if (!owner || !repo) continue;
    await deps.queue.enqueue({
      task: "weekly-scan",
      key: weeklyScanJobKey(project.repositoryId, weekStart),
      payload: {
        installationId: project.installationId,
        owner,
        repo,
        repositoryId: project.repositoryId,
        weekStart,
      },
      maxAttempts: 3,
    });
    queued++;
  }
  log.info({ weekStart, queued }, "weekly scans queued");
  return queued;
}

/**
 * One repository's weekly scan:
 * 1. config at the default branch's head; wait for the configured day and hour
 * 2. the week's scan row (created once per ISO week); done already → nothing to do
 * 3. last week's reactions → feedback
 * 4. scan, audit, analytics (funnels follow `.perceo/coverage.json` when recorded) → the report
 * 5. the issue (created once), finding comments, last week's issue closed
 */
export async function runWeeklyScan(deps: JobDeps, job: WeeklyScanPayload, log: Logger): Promise<void> {
  const services = servicesOf(deps);
  const now = services.now();
  const weekStart = isoWeekStart(now);
  const repo: RepoRef = { owner: job.owner, repo: job.repo };
  const project =
    (await deps.store.getProjectByRepositoryId(job.repositoryId)) ??
    (await deps.store.ensureProject({
      fullName: `${job.owner}/${job.repo}`,
      installationId: job.installationId,
      repositoryId: job.repositoryId,
    }));
  if ((await deps.store.listProjectsScannedInWeek(weekStart)).includes(project.id)) {
    log.info({ weekStart }, "this week's scan is done already");
    return;
  }
  const octokit = await deps.auth(job.installationId);
  const { data: branch } = await octokit.request("GET /repos/{owner}/{repo}/branches/{branch}", {
    ...repo,
    branch: project.defaultBranch,
  });
  const sha = branch.commit.sha;
  const config = await loadRepoConfig(octokit, repo, sha);
  if (config.kind !== "loaded") {
    const { scan } = await deps.store.beginWeeklyScan(project.id, weekStart);
    await deps.store.updateWeeklyScan(scan.id, {
      status: "skipped",
      ...(config.kind === "invalid" ? { error: config.error.message } : {}),
    });
    log.info({ config: config.kind }, "weekly scan skipped: no valid .perceo/config.yml");
    return;
  }
  const schedule = config.project.config.weeklyScan ?? WEEKLY_SCAN_DEFAULTS;
  if (!schedule.enabled) {
    const { scan } = await deps.store.beginWeeklyScan(project.id, weekStart);
    await deps.store.updateWeeklyScan(scan.id, { status: "skipped" });
    log.info("weekly scan turned off in .perceo/config.yml");
    return;
  }
  const due = scheduledAt(weekStart, schedule);
  if (now < due) {
    await deps.queue.enqueue({
      task: "weekly-scan",
      key: weeklyScanJobKey(job.repositoryId, weekStart),
      payload: { ...job, weekStart },
      runAt: due,
      maxAttempts: 3,
    });
    log.info({ due: due.toISOString() }, "weekly scan not due yet; queued for its time");
    return;
  }

  const { scan } = await deps.store.beginWeeklyScan(project.id, weekStart);
  if (scan.status === "succeeded" || scan.status === "skipped") {
    log.info({ issue: scan.issueNumber }, "this week's scan is done already");
    return;
  }
  const previous = await deps.store.previousWeeklyScan(project.id, weekStart);
  if (previous) await recordReactionFeedback(octokit, repo, deps.store, previous, log);

  // A repository's private targets count only when the operator trusts them too.
  const allowedTargets = (config.project.config.allowedTargets ?? []).filter((t) =>
    deps.capture.allowedTargets.includes(t),
  );
  const coverage = await readRepoCoverage(octokit, repo, sha, config.projectDir);
  const analytics = await projectAnalytics(deps, project, config.project.config.analytics);
  if (analytics.kind === "unavailable") log.warn({ reason: analytics.reason }, "analytics not read");
  const outcomes = await projectOutcomes(deps, project, config.project.config.analytics?.outcomes);
  if (outcomes.kind === "unavailable") log.warn({ reason: outcomes.reason }, "outcomes not counted");
  const report = await collectWeeklyReport({
    store: deps.store,
    projectId: project.id,
    projectName: project.fullName,
    project: config.project,
    commitSha: sha,
    now: due,
    pool: deps.capture.pool,
    allowedTargets,
    ...(analytics.kind === "ready" ? { provider: analytics.provider } : {}),
    ...(analytics.kind === "unavailable" ? { analyticsUnavailable: analytics.reason } : {}),
    ...(outcomes.kind === "ready" ? { outcomes: outcomes.source } : {}),
    ...(outcomes.kind === "unavailable" ? { outcomesUnavailable: outcomes.reason } : {}),
    ...(coverage ? { coverage } : {}),
    ...(deps.capture.resolve ? { resolve: deps.capture.resolve } : {}),
    ...(deps.capture.vision ? { llm: deps.capture.vision } : {}),
    ...(services.llmBaseUrl ? { llmBaseUrl: services.llmBaseUrl } : {}),
  });
  // The same finding on several pages is one comment: a reaction to it counts for every page.
  const commented = groupFindings(report.findings).slice(0, FINDING_COMMENTS);
  const issue = await openWeeklyIssue(octokit, repo, scan, {
    title: weeklyIssueTitle(due),
    body: renderWeeklyIssue(report, { findingComments: commented.length }),
  });
  await deps.store.updateWeeklyScan(scan.id, { issueNumber: issue.number });

  // A retried job posts only the comments it had not posted yet.
  const posted = new Map((await deps.store.listWeeklyScanFindings(scan.id)).map((f) => [f.fingerprint, f]));
  for (const { finding, pages } of commented) {
    if (posted.get(finding.fingerprint)?.commentId) continue;
    const { data } = await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      ...repo,
      issue_number: issue.number,
      body: renderFindingComment(finding, pages),
    });
    await deps.store.recordWeeklyScanFindings(
      scan.id,
      pages.map((p) => ({
        fingerprint: p.fingerprint,
        evidence: p.evidence,
        title: p.element,
        commentId: Number(data.id),
      })),
    );
  }
  const closed =
    previous?.issueNumber && previous.issueNumber !== issue.number
      ? await closePreviousIssue(octokit, repo, previous.issueNumber, issue.number)
      : false;
  await deps.store.updateWeeklyScan(scan.id, {
    status: "succeeded",
    summary: {
      findings: report.findings.length,
      hiddenByFeedback: report.hiddenByFeedback,
      addressed: report.addressed.length,
      changes: report.changes.length,
      analytics: report.analytics.state,
      outcomes: report.outcomes.state,
    },
  });
  log.info(
    { issue: issue.number, created: issue.created, findings: report.findings.length, closedPrevious: closed },
    "weekly scan issue written",
  );
}
