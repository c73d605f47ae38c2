import type { LoadedFlow } from "../../config/index.ts";

/*
 * A change that only edits string literals is one of two things. Rewording text people read — the
 * words between HTML tags, or a string of prose such as a button label — can break a flow only if
 * the flow names those words (a locator or an expectation): such a change still reaches every page
 * that shows it, but only those flows are run. The same holds for a renamed `data-testid`, which
 * only tests see. Editing class names (`className`, `class`, `cn()`, `clsx()`, `cva()`, Tailwind
 * utilities) changes how those pages look: every flow on them needs its screenshots compared.
 * Strings that look like code (URLs, keys, selectors, identifiers) are neither.
 */

const PROSE = /^(?=.*[A-Za-z])(?:[A-Z][^/_<>{}=#\\]*|[^/_<>{}=#\\]*\s[^/_<>{}=#\\]*)$/;
/** One class name: a Tailwind utility with variants and arbitrary values (`md:hover:bg-[#fff]/50`), or a plain one. */
const CLASS_TOKEN = /^!?-?[a-z@*[][\w\-:/.[\]#%(),'"=&>+*~!]*$/;
/** Utilities of one word, which a sentence could also hold: only these count without a dash or variant. */
const ONE_WORD_UTILITIES = new Set(
  "flex grid block inline hidden contents table container relative absolute fixed sticky static underline italic truncate uppercase lowercase capitalize border rounded shadow transition grow shrink invisible visible isolate antialiased prose ring outline transform filter blur grayscale invert sepia ordinal lining-nums".split(
    " ",
  ),
);
/** Right before a string that holds class names. */
const CLASS_CONTEXT =
  /(?:\b(?:className|class|styleName|tw)\s*[=:]\s*\{?\s*|\b(?:cn|clsx|cx|cva|classnames|classNames|twMerge|twJoin|tv)\s*\([^"'`]*)$/;
/**
 * UnoCSS and Windi CSS attributify mode, in markup: a utility group as an attribute
 * (`flex="~ col gap4"`, `p="y15 x15"`, `lg="px25 w-2/3"`), or a utility as a bare attribute (`items-center`).
 */
const ATTRIBUTIFY_GROUP =
  /(?:^|[\s<])(?:flex|grid|text|bg|border|font|p[xytrbl]?|m[xytrbl]?|[wh]|(?:min|max)-[wh]|gap|top|right|bottom|left|inset|translate|rotate|scale|rounded|shadow|ring|op|opacity|z|transition|duration|ease|animate|cursor|of|overflow|justify|items|content|self|place|order|col|row|leading|tracking|decoration|outline|divide|space|aspect|object|(?:lt-|at-)?(?:sm|md|lg|xl|2xl)|dark|light|hover|focus|active|group-hover)=$/;
const ATTRIBUTIFY_TOKEN = /^(?:~|!?-?[\w@*[][\w\-:/.[\]#%(),'"=&>+*~!]*)$/;
/** Bare attributes of markup that are not utilities: Vue, Svelte and Alpine directives, ARIA and data attributes, HTML's own. */
const NOT_A_UTILITY =
  /^(?:[:@#]|v-|x-|on:|bind:|use:|class:|aria-|data-|client:|set:|is:|transition:)|^(?:disabled|hidden|required|checked|selected|readonly|multiple|autofocus|async|defer|open|novalidate|inert|download|controls|autoplay|loop|muted|playsinline|contenteditable|draggable)$/;

export interface LiteralEdits {
  before: string[];
  after: string[];
  /** Some edited strings are class names: what the pages look like changes. */
  styling: boolean;
  /** Some edited strings are prose or test ids: what people read changes. */
  copy: boolean;
}

/**
 * The old and new strings when every changed line differs from its counterpart only in prose, test
 * ids or class names; else undefined.
 */
export function literalEdits(patch: string, markup = false): LiteralEdits | undefined {
  const removed: string[] = [];
  const added: string[] = [];
  for (const line of patch.split("\n")) {
    if (line.startsWith("-") && !line.startsWith("---")) removed.push(line.slice(1));
    else if (line.startsWith("+") && !line.startsWith("+++")) added.push(line.slice(1));
  }
  if (removed.length === 0 || removed.length !== added.length) return undefined;
  const edits: LiteralEdits = { before: [], after: [], styling: false, copy: false };
  for (let i = 0; i < removed.length; i++) {
    const a = fragments(removed[i] as string, markup);
    const b = fragments(added[i] as string, markup);
    if (a.skeleton !== b.skeleton || a.texts.length !== b.texts.length) return undefined;
    for (let j = 0; j < a.texts.length; j++) {
      const x = a.texts[j] as string;
      const y = b.texts[j] as string;
      if (x === y) continue;
      const inClassContext = a.classContext.has(j);
      const attributify = a.attributify.has(j) && b.attributify.has(j);
      if (
        (isClassList(x, inClassContext) && isClassList(y, inClassContext)) ||
        (attributify && isAttributifyValue(x) && isAttributifyValue(y))
      )
        edits.styling = true;
      else if ((a.testIds.has(j) && b.testIds.has(j)) || (isProse(x) && isProse(y))) edits.copy = true;
      else return undefined;
      edits.before.push(x);
      edits.after.push(y);
    }
  }
  return edits.before.length > 0 ? edits : undefined;
}

function isProse(text: string): boolean {
  const t = text.trim();
  return t === "" || PROSE.test(t);
}

/** Whether a string is a list of class names; after `className=` or inside `cn(` any lowercase list is. */
export function isClassList(text: string, inClassContext = false): boolean {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return inClassContext;
  // URLs, paths, file names and addresses are not class names.
  if (!tokens.every((t) => CLASS_TOKEN.test(t) && !/:\/\/|^\/|\.[a-z]{2,}$|\w@\w/.test(t))) return false;
  return inClassContext || tokens.some((t) => /[-:[]/.test(t.slice(1)) || ONE_WORD_UTILITIES.has(t));
}

function isAttributifyValue(text: string): boolean {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  return tokens.length > 0 && tokens.every((t) => ATTRIBUTIFY_TOKEN.test(t) && !/:\/\/|^\//.test(t));
}

/**
 * Whether every hunk of a markup file's patch changes only utilities written as attributes (UnoCSS's
 * attributify: `<div flex="~ col" items-center>`): the attributes added, removed or changed are all
 * utilities or utility groups, and what else the lines hold stays the same. The edits, when so.
 */
export function attributeUtilityEdits(patch: string): LiteralEdits | undefined {
  const edits: LiteralEdits = { before: [], after: [], styling: true, copy: false };
  let removed: string[] = [];
  let added: string[] = [];
  const settle = (): boolean => {
    if (removed.length === 0 && added.length === 0) return true;
    const a = attributeTokens(removed);
    const b = attributeTokens(added);
    removed = [];
    added = [];
    if (a.rest !== b.rest) return false;
    const gone = a.utilities.filter((t) => !b.utilities.includes(t));
    const come = b.utilities.filter((t) => !a.utilities.includes(t));
    if (gone.length === 0 && come.length === 0) return false;
    edits.before.push(gone.join(" "));
    edits.after.push(come.join(" "));
    return true;
  };
  for (const line of patch.split("\n")) {
    if (line.startsWith("-") && !line.startsWith("---")) removed.push(line.slice(1));
    else if (line.startsWith("+") && !line.startsWith("+++")) added.push(line.slice(1));
    else if (!settle()) return undefined;
  }
  return settle() && edits.before.length > 0 ? edits : undefined;
}

/** The utilities among lines' attributes, and the rest of the lines' text with them taken out. */
function attributeTokens(lines: readonly string[]): { utilities: string[]; rest: string } {
  const utilities: string[] = [];
  const rest: string[] = [];
  const text = lines.join(" ");
  for (const match of text.matchAll(/([^\s"'=<>]+)(?:=("[^"]*"|'[^']*'))?|[^\s]/g)) {
    const [whole, name, quoted] = match;
    const value = quoted?.slice(1, -1);
    const isUtility =
      name !== undefined &&
      !NOT_A_UTILITY.test(name) &&
      (value === undefined
        ? isClassList(name) && !/^<|\/?>$/.test(name)
        : ATTRIBUTIFY_GROUP.test(` ${name}=`) && isAttributifyValue(value));
    if (isUtility) utilities.push(whole);
    else rest.push(whole);
  }
  return { utilities, rest: rest.join(" ") };
}

/** A line's text fragments (between tags, inside quotes) and what is left around them. */
function fragments(
  line: string,
  markup = false,
): {
  skeleton: string;
  texts: string[];
  testIds: Set<number>;
  classContext: Set<number>;
  attributify: Set<number>;
} {
  const texts: string[] = [];
  const testIds = new Set<number>();
  const classContext = new Set<number>();
  const attributify = new Set<number>();
  const skeleton = line.replace(/>([^<>{}$`]+)</g, (_m, text: string) => {
    texts.push(text);
    return "><";
  });
  const final = skeleton.replace(
    /"([^"\\]*)"|'([^'\\]*)'|`([^`\\$]*)`/g,
    (_m, d: string | undefined, s: string | undefined, t: string | undefined, at: number, whole: string) => {
      const before = whole.slice(Math.max(0, at - 40), at);
      // A test id is seen by tests alone: renaming it can only break the flows that name it.
      if (/(data-testid=|testId:\s*)$/.test(before.slice(-16))) testIds.add(texts.length);
      if (CLASS_CONTEXT.test(before)) classContext.add(texts.length);
      if (markup && ATTRIBUTIFY_GROUP.test(before)) attributify.add(texts.length);
      texts.push(d ?? s ?? t ?? "");
      return '""';
    },
  );
  return { skeleton: final, texts, testIds, classContext, attributify };
}

/** Whether a flow names any of these words in its steps (as a locator, an expectation or typed text). */
export function flowNamesText(flow: LoadedFlow, words: readonly string[]): string | undefined {
  // A Playwright test names its words in code (shared/playwright reads them), not in steps.
  const steps = JSON.stringify([flow.steps, flow.test?.words ?? []]).toLowerCase();
  return words.map((w) => w.trim()).find((w) => w.length > 1 && steps.includes(w.toLowerCase()));
}
