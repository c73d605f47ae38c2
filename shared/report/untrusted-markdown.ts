/*
 * Text from outside Perceo (page content, analytics paths, model output) goes into GitHub through
 * these, so it can never become a link, an image, a mention or HTML.
 */

/** Free text shown as text: markdown and HTML escaped, autolinks and mentions broken. */
export function plainText(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]()!|#~]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, " ")
    .replace(/(\w)(:\/\/)/g, "$1:&#8203;//")
    .replace(/@(?=\w)/g, "@&#8203;")
    .replace(/www\./gi, (m) => `${m.slice(0, 3)}&#8203;.`);
}

/** Inline code fenced with enough backticks that it cannot close early; pipes escaped for tables. */
export function inlineCode(text: string, maxLength = 120): string {
  const cut = text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
  const flat = cut.replace(/\r?\n/g, " ").replace(/\|/g, "¦");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}
