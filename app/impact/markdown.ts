/*
 * Text that came from outside Perceo (pull request paths, config contents, model output) goes into
 * comments through these helpers, so it can never become a link, an image or HTML.
 */

export { plainText } from "../../shared/report/untrusted-markdown.ts";

/** A path or name as inline code, fenced with enough backticks that it cannot close early. */
export function inlineCode(text: string): string {
  const flat = text.replace(/\r?\n/g, " ");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

export function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}
