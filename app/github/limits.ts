/** GitHub's published limits on what a check run or a comment may carry. */
export const CHECK_RUN_TEXT_LIMIT = 65_535;
export const COMMENT_BODY_LIMIT = 65_536;
export const ANNOTATIONS_PER_REQUEST = 50;

/**
 * Cuts `text` to at most `limit` characters (UTF-16 code units, as GitHub counts them), ending in a
 * note that links to the full report when there is one. Never splits a surrogate pair.
 */
export function truncateText(text: string, limit: number, fullReportUrl?: string): string {
  if (text.length <= limit) return text;
  const note = fullReportUrl
    ? `\n\n… cut to fit GitHub's limit — [read the full report](${fullReportUrl}).`
    : "\n\n… cut to fit GitHub's limit.";
  let end = Math.max(0, limit - note.length);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end) + note;
}

/** Splits a list into chunks of at most `size` items (annotations go 50 per request). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
