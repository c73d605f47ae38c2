/*
 * Text that came from outside Perceo (pull request paths, config contents, model output) goes into
 * comments through these helpers, so it can never become a link, an image or HTML.
 */

export { inlineCode, plainText } from "../../shared/report/untrusted-markdown.ts";

export function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}
