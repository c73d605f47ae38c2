import type { Logger } from "probot";
import type { Store, WeeklyScan } from "../../shared/store/index.ts";
import { feedbackKey } from "../../shared/weekly/index.ts";
import { COMMENT_BODY_LIMIT, truncateText } from "../github/limits.ts";
import { type Octokit, type RepoRef, statusOf } from "../github/octokit.ts";

export const WEEKLY_LABEL = "perceo";

/**
 * The week's issue: the one already recorded for the scan, else one with the same title and label
 * (a crash between creating it and recording its number), else a new one.
 */
export async function openWeeklyIssue(
  octokit: Octokit,
  repo: RepoRef,
  scan: WeeklyScan,
  issue: { title: string; body: string },
): Promise<{ number: number; created: boolean }> {
  const body = truncateText(issue.body, COMMENT_BODY_LIMIT);
  const known = scan.issueNumber ?? (await findIssueByTitle(octokit, repo, issue.title));
  if (known) {
    await octokit.request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
      ...repo,
      issue_number: known,
      body,
    });
    return { number: known, created: false };
  }
  const { data } = await octokit.request("POST /repos/{owner}/{repo}/issues", {
    ...repo,
    title: issue.title,
    body,
    labels: [WEEKLY_LABEL],
  });
  return { number: data.number, created: true };
}

async function findIssueByTitle(octokit: Octokit, repo: RepoRef, title: string): Promise<number | undefined> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/issues", {
    ...repo,
    labels: WEEKLY_LABEL,
    state: "all",
    sort: "created",
    direction: "desc",
    per_page: 20,
  });
  return data.find((issue) => issue.title === title && !issue.pull_request)?.number;
}

/** Last week's issue, closed with a link to this week's (once: a closed issue is left alone). */
export async function closePreviousIssue(
  octokit: Octokit,
  repo: RepoRef,
  previous: number,
  current: number,
): Promise<boolean> {
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
      ...repo,
      issue_number: previous,
    });
    if (data.state === "closed") return false;
  } catch (error) {
    // Deleted or transferred: nothing to close.
    if (statusOf(error) === 404 || statusOf(error) === 410) return false;
    throw error;
  }
  await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    ...repo,
    issue_number: previous,
    body: `This week's scan is #${current}.`,
  });
  await octokit.request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
    ...repo,
    issue_number: previous,
    state: "closed",
    state_reason: "completed",
  });
  return true;
}

/**
 * Reactions on a scan's finding comments become feedback: 👍 confirms, 👎 marks a false positive
 * (hidden next week until its evidence changes). Bots do not count; a person's 👎 wins over their 👍.
 */
export async function recordReactionFeedback(
  octokit: Octokit,
  repo: RepoRef,
  store: Store,
  scan: WeeklyScan,
  log: Logger,
): Promise<{ confirmed: number; rejected: number }> {
  const counts = { confirmed: 0, rejected: 0 };
  // One comment may stand for the same finding on several pages: its reactions are read once.
  const byComment = new Map<number, Awaited<ReturnType<Store["listWeeklyScanFindings"]>>>();
  for (const finding of await store.listWeeklyScanFindings(scan.id)) {
    if (finding.commentId === null) continue;
    byComment.set(finding.commentId, [...(byComment.get(finding.commentId) ?? []), finding]);
  }
  for (const [commentId, findings] of byComment) {
    let reactions: Array<{ content: string; user: { login: string; type?: string } | null }>;
    try {
      const { data } = await octokit.request(
        "GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
        {
          ...repo,
          comment_id: commentId,
          per_page: 100,
        },
      );
      reactions = data;
    } catch (error) {
      if (statusOf(error) === 404) continue; // the comment was deleted
      throw error;
    }
    const verdicts = new Map<string, "confirm" | "false_positive">();
    for (const reaction of reactions) {
      if (!reaction.user || reaction.user.type === "Bot") continue;
      if (reaction.content === "-1") verdicts.set(reaction.user.login, "false_positive");
      else if (reaction.content === "+1" && !verdicts.has(reaction.user.login))
        verdicts.set(reaction.user.login, "confirm");
    }
    for (const [actor, verdict] of verdicts) {
      for (const finding of findings) {
        await store.recordFeedback({
          projectId: scan.projectId,
          findingFingerprint: feedbackKey(finding),
          verdict,
          actor,
          comment: `reaction on the weekly scan of ${scan.weekStart}`,
        });
      }
      if (verdict === "confirm") counts.confirmed++;
      else counts.rejected++;
    }
  }
  log.info(counts, "reactions on last week's findings recorded");
  return counts;
}
