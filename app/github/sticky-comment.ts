import { COMMENT_BODY_LIMIT, truncateText } from "./limits.ts";
import { type Octokit, type RepoRef, statusOf } from "./octokit.ts";

/** Marks the one comment Perceo keeps on a pull request; the comment is edited in place. */
export const COMMENT_MARKER = "<!-- perceo:pr-comment -->";

export type StickyCommentOutcome =
  | { action: "created" | "updated" | "unchanged"; commentId: number }
  | { action: "skipped"; reason: string };

/**
 * Creates the pull request's Perceo comment, or edits the one already there. Callers serialise
 * calls per pull request (see `withPullRequestLock`) so two jobs cannot both create one.
 */
export async function upsertStickyComment(
  octokit: Octokit,
  repo: RepoRef,
  issueNumber: number,
  content: string,
  options: { fullReportUrl?: string } = {},
): Promise<StickyCommentOutcome> {
  const body = truncateText(`${COMMENT_MARKER}\n${content}`, COMMENT_BODY_LIMIT, options.fullReportUrl);
  try {
    const existing = await findStickyComment(octokit, repo, issueNumber);
    if (existing?.body === body) return { action: "unchanged", commentId: existing.id };
    if (existing) {
      try {
        await octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
          ...repo,
          comment_id: existing.id,
          body,
        });
        return { action: "updated", commentId: existing.id };
      } catch (error) {
        // Someone deleted the comment between our read and our write: write a new one.
        if (statusOf(error) !== 404) throw error;
      }
    }
    const { data } = await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      ...repo,
      issue_number: issueNumber,
      body,
    });
    return { action: "created", commentId: Number(data.id) };
  } catch (error) {
    // 403: the repository is archived or the conversation locked; 404: the pull request or the
    // repository is gone. Neither is worth retrying, and the check run still carries the result.
    const status = statusOf(error);
    if (status === 403 || status === 404) {
      return { action: "skipped", reason: status === 403 ? "comments are not allowed" : "not found" };
    }
    throw error;
  }
}

async function findStickyComment(
  octokit: Octokit,
  repo: RepoRef,
  issueNumber: number,
): Promise<{ id: number; body: string } | undefined> {
  const comments = await octokit.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    ...repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  const ours = comments.find((c) => c.body?.startsWith(COMMENT_MARKER) && c.user?.type === "Bot");
  return ours ? { id: ours.id, body: ours.body ?? "" } : undefined;
}
