import type { Logger } from "probot";
import type { Octokit, RepoRef } from "../github/octokit.ts";
import { hasWriteAccess } from "../github/write-access.ts";
import { parseCommand } from "../handlers/commands/parse-command.ts";
import { inlineCode } from "../impact/markdown.ts";
import type { JobDeps } from "./deps.ts";
import { impactJobKey, type PrCommandPayload } from "./payloads.ts";

export const COMMAND_HELP = [
  "**Perceo commands** (in a pull request comment):",
  "",
  "- `/perceo run [all|flow…]` — analyse this pull request again, selecting all flows or the ones named",
  "- `/perceo approve [flow…]` — accept this pull request's visual changes as the new baselines (write access)",
  "- `/perceo ignore <flow>` — stop reporting a flow on this pull request (write access)",
  "- `/perceo help` — this list",
].join("\n");

/**
 * A `/perceo` command (or the check run's approve button):
 * 1. react 👀, 2. check the author may do it, 3. do it, 4. answer in a reply.
 */
export async function runPrCommand(deps: JobDeps, job: PrCommandPayload, log: Logger): Promise<void> {
  const repo: RepoRef = { owner: job.owner, repo: job.repo };
  const octokit = await deps.auth(job.installationId);
  if (job.commentId > 0) {
    await octokit.request("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", {
      ...repo,
      comment_id: job.commentId,
      content: "eyes",
    });
  }
  const command = parseCommand(job.command);
  const reply = async (text: string) => {
    await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      ...repo,
      issue_number: job.prNumber,
      body: `> ${inlineCode(job.command)}\n\n${text}`,
    });
  };
  if (command.kind === "help") return reply(COMMAND_HELP);
  if (command.kind === "unknown") return reply(`Perceo does not know that command.\n\n${COMMAND_HELP}`);

  if (!(await hasWriteAccess(octokit, repo, job.author))) {
    log.info({ author: job.author, command: command.kind }, "command refused: no write access");
    return reply(`@${job.author} only people with write access to this repository can run this command.`);
  }
  const pr = await readPullRequest(octokit, repo, job.prNumber);
  const headSha = job.headSha ?? pr.headSha;

  if (command.kind === "run") {
    await deps.queue.enqueue({
      task: "pr-impact",
      key: impactJobKey(job.repositoryId, headSha),
      payload: {
        installationId: job.installationId,
        owner: job.owner,
        repo: job.repo,
        repositoryId: job.repositoryId,
        defaultBranch: pr.defaultBranch,
        prNumber: job.prNumber,
        headSha,
        baseSha: pr.baseSha,
        changedFiles: pr.changedFiles,
        requested: { all: command.all, flows: command.flows, by: job.author },
      },
    });
    const what = command.all ? "all flows" : command.flows.map((name) => inlineCode(name)).join(", ");
    return reply(`Analysing ${headSha.slice(0, 7)} again with ${what} selected.`);
  }

  const project = await deps.store.getProjectByRepositoryId(job.repositoryId);
  if (!project) return reply("Perceo has no results for this repository yet.");

  if (command.kind === "approve") {
    const approved = await approvePendingScreenshots(deps, project.id, headSha, command.flows, job.author);
    log.info({ approved }, "visual changes approved");
    if (approved === 0) return reply(`No visual changes are waiting for approval on ${headSha.slice(0, 7)}.`);
    return reply(
      `Approved ${approved} ${approved === 1 ? "screenshot" : "screenshots"} of ${headSha.slice(0, 7)} as baselines.`,
    );
  }

  if (!command.flow) return reply("Name the flow to ignore: `/perceo ignore <flow>`.");
  await deps.store.recordFeedback({
    projectId: project.id,
    findingFingerprint: `pr:${job.prNumber}:flow:${command.flow}`,
    verdict: "ignore",
    actor: job.author,
  });
  return reply(`${inlineCode(command.flow)} will no longer be reported on this pull request.`);
}

async function readPullRequest(octokit: Octokit, repo: RepoRef, pullNumber: number) {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
    ...repo,
    pull_number: pullNumber,
  });
  return {
    headSha: data.head.sha,
    baseSha: data.base.sha,
    changedFiles: data.changed_files,
    defaultBranch: data.base.repo.default_branch,
  };
}

/** Approves the screenshots taken on `sha` that wait for review; each becomes that commit's baseline. */
async function approvePendingScreenshots(
  deps: JobDeps,
  projectId: string,
  sha: string,
  flows: string[],
  actor: string,
): Promise<number> {
  const pending = await deps.store.listPendingScreenshots(projectId, sha, flows);
  for (const shot of pending) await deps.store.approveScreenshot(shot.id, actor);
  return pending.length;
}
