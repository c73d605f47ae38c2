import type { GraphModule } from "../module-graph.ts";
import type { ChangedFile, ChangeKind, LineRange } from "../types.ts";
import { attributeUtilityEdits, type LiteralEdits, literalEdits } from "./text-edits.ts";

/*
 * What a file's diff changes, so that a reason can say it and the selection can act on it:
 * - formatting only (whitespace, semicolons, quotes, trailing commas, wrapping parentheses) and
 *   comment only: nothing a browser runs changed, nothing is selected;
 * - types only: the changed lines are type declarations, which the walk passes over;
 * - styling: class names, CSS-in-JS declarations, stylesheets — the pages that render them look different;
 * - copy: prose and test ids, which break only the flows that name them;
 * - logic: anything else.
 */

const STYLESHEET = /\.(css|scss|sass|less|styl|pcss)$/;
const SCRIPT_OR_MARKUP = /\.([cm]?[jt]sx?|vue|svelte|astro|html?)$/;
const MARKUP = /\.(vue|svelte|astro|html?)$/;
/** A CSS declaration on a line of its own (a styled-components or emotion template, a <style> block). */
const CSS_DECLARATION = /^\s*(?:[a-z-]+|--[\w-]+)\s*:\s*[^;{}"'`]+;\s*$|^\s*[}]?\s*$/;

export interface FileChange {
  kind: ChangeKind;
  /** For copy and styling: the strings before and after. */
  literals?: LiteralEdits;
}

/** The kind of change a modified file's patch makes, from the patch alone (see `typesOnly` for types). */
export function changeKindOf(change: ChangedFile): FileChange {
  const { patch } = change;
  if (!patch || change.status !== "modified" || change.binary) return { kind: "logic" };
  const stylesheet = STYLESHEET.test(change.path);
  // A lockfile or JSON file whose diff is whitespace alone (a newline at the end) changes nothing installed or read.
  const data = /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|[^/]+\.json)$/.test(change.path);
  if (!stylesheet && !data && !SCRIPT_OR_MARKUP.test(change.path)) return { kind: "logic" };
  // Hunk by hunk, with their context: moving a line is not formatting.
  const hunks = hunksOf(patch);
  if (hunks.length === 0) return { kind: "logic" };
  const markup = MARKUP.test(change.path);
  if (hunks.every((h) => normalised(h.base, markup) === normalised(h.head, markup)))
    return { kind: "formatting" };
  if (data) return { kind: "logic" };
  const lineComments = !stylesheet || /\.(scss|sass|less|styl)$/.test(change.path);
  const uncommented = (lines: string[]) => normalised(withoutComments(lines, lineComments), markup);
  if (hunks.every((h) => uncommented(h.base) === uncommented(h.head))) return { kind: "comment" };
  if (!stylesheet && importsReordered(patch)) return { kind: "formatting" };
  if (stylesheet) return { kind: "styling" };
  const literals = literalEdits(patch, markup);
  // Spaces trimmed around the same words: what the page renders changes, but no flow names a space.
  if (literals && !literals.styling && sameWords(literals)) return { kind: "logic" };
  // A class sorter's reorder (prettier-plugin-tailwindcss): the same classes, so the same styles.
  if (literals?.styling && !literals.copy && sameClasses(literals)) return { kind: "formatting" };
  if (literals) return { kind: literals.styling ? "styling" : "copy", literals };
  const utilities = markup ? attributeUtilityEdits(patch) : undefined;
  if (utilities) return { kind: "styling", literals: utilities };
  const changed = patch
    .split("\n")
    .filter((l) => /^[-+](?!--|\+\+)/.test(l) && l.slice(1).trim() !== "")
    .map((l) => l.slice(1));
  if (changed.length > 0 && changed.every((l) => CSS_DECLARATION.test(l))) return { kind: "styling" };
  return { kind: "logic" };
}

function sameClasses(edits: LiteralEdits): boolean {
  const classes = (text: string) => numbers(text).trim().split(/\s+/).sort().join(" ");
  return edits.before.every((b, i) => classes(b) === classes(edits.after[i] ?? ""));
}

/** Decimals without their leading zero, as formatters write them either way: `.22` and `0.22`. */
function numbers(text: string): string {
  return text.replace(/(?<![\w.])0+(?=\.\d)/g, "");
}

function sameWords(edits: LiteralEdits): boolean {
  const words = (list: string[]) => list.map((t) => t.trim().replace(/\s+/g, " ")).join("\n");
  return words(edits.before) === words(edits.after);
}

/** Whether every changed line of a module falls in its type declarations or type-only imports. */
export function typesOnly(module: GraphModule | undefined, lines: readonly LineRange[] | undefined): boolean {
  if (module?.kind !== "code" || !lines || lines.length === 0) return false;
  const { units, imports } = module.facts;
  const typed = (line: number) =>
    units.some((u) => u.typeOnly && u.start <= line && line <= u.end) ||
    imports.some((r) => r.typeOnly && r.line <= line && line <= (r.end ?? r.line));
  // A blank line or a brace between two declarations belongs to neither.
  const blank = (line: number) => !units.some((u) => u.start <= line && line <= u.end);
  let any = false;
  for (const range of lines) {
    for (let line = range.start; line <= range.end; line++) {
      if (typed(line)) any = true;
      else if (!blank(line)) return false;
    }
  }
  return any;
}

/** Words a reason uses for a kind of change that selects nothing. */
export function unselectedKind(kind: ChangeKind): string | undefined {
  if (kind === "formatting") return "formatting only: no code, markup or style changed";
  if (kind === "comment") return "comment only: no code, markup or style changed";
  return undefined;
}

/**
 * Whether the patch only moves import declarations that bind names (a sorter's reorder): the same
 * lines removed and added. Side-effect imports (`import "./reset.css"`) keep their order: it is theirs.
 */
function importsReordered(patch: string): boolean {
  const removed: string[] = [];
  const added: string[] = [];
  for (const line of patch.split("\n")) {
    if (/^(---|\+\+\+)/.test(line)) continue;
    if (line.startsWith("-")) removed.push(line.slice(1).trim());
    else if (line.startsWith("+")) added.push(line.slice(1).trim());
  }
  const binding = /^import\s+(?!["'])[^;]*\bfrom\s+["'][^"']+["'];?$/;
  const lines = [...removed, ...added].filter((l) => l !== "");
  if (lines.length === 0 || !lines.every((l) => binding.test(l))) return false;
  const sorted = (list: string[]) =>
    list
      .filter((l) => l !== "")
      .sort()
      .join("\n");
  return sorted(removed) === sorted(added);
}

/** Each hunk's lines at base and at head, context included. */
function hunksOf(patch: string): Array<{ base: string[]; head: string[] }> {
  const hunks: Array<{ base: string[]; head: string[] }> = [];
  let hunk: { base: string[]; head: string[] } | undefined;
  for (const line of patch.split("\n")) {
    if (line.startsWith("@@")) {
      hunk = { base: [], head: [] };
      hunks.push(hunk);
    } else if (!hunk || line.startsWith("\\")) continue;
    else if (line.startsWith("-")) hunk.base.push(line.slice(1));
    else if (line.startsWith("+")) hunk.head.push(line.slice(1));
    else {
      hunk.base.push(line.slice(1));
      hunk.head.push(line.slice(1));
    }
  }
  return hunks;
}

/**
 * Whitespace between a tag and the text inside it (`<button> Save </button>`): Svelte, Vue, Astro and
 * HTML render it, so trimming it is no formatting. Kept as one marker the whitespace removal leaves.
 */
const TEXT_EDGE = /(<[A-Za-z][^<>]*>)\s+(?=[^\s<])|(?<=[^\s>])\s+(?=<\/[A-Za-z])/g;

/** The lines' text with what formatters change taken out. */
function normalised(lines: readonly string[], markup = false): string {
  const text = lines
    // The parentheses a formatter wraps multi-line JSX in: `return (` … `)`.
    .map((l) => l.replace(/\(\s*$/, "").replace(/^\s*\)/, ""))
    .join("\n");
  return numbers(markup ? text.replace(TEXT_EDGE, (_m, tag?: string) => `${tag ?? ""}\u0001`) : text)
    .replace(/'/g, '"')
    .replace(/[\s;]+/g, "")
    .replace(/,(?=[\])}>]|$)/g, "");
}

/** The lines without their comments; strings kept whole (a URL's `//` is no comment). */
function withoutComments(lines: readonly string[], lineComments: boolean): string[] {
  const text = lines.join("\n");
  const pattern = lineComments
    ? /("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)|\/\*[\s\S]*?\*\/|\/\/[^\n]*|<!--[\s\S]*?-->|\{\/\*[\s\S]*?\*\/\}/g
    : /("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|\/\*[\s\S]*?\*\//g;
  // Lines of a block comment the diff cut in two (` * text`) are comment too.
  const stripped = text.replace(pattern, (_m, string?: string) => string ?? "");
  return stripped.split("\n").filter((l) => !/^\s*(\*|\/\*\*?)(\s|$)/.test(l));
}
