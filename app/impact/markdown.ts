/*
 * Text that came from outside Perceo (pull request paths, config contents, model output) goes into
 * comments through these helpers, so it can never become a link, an image or HTML.
 */

/** Free text shown as text: markdown link/image syntax and HTML escaped, autolinks broken. */
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
