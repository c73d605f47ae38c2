import type { LoadedFlow } from "../../config/index.ts";

/*
 * A change that only rewords text people read — the words between HTML tags, or a string of prose
 * such as a button label — can break a flow only if the flow names those words (a locator or an
 * expectation). Such a change still reaches every page that shows it, but only those flows are run.
 * Strings that look like code (URLs, keys, selectors, identifiers) are never treated as prose.
 * The same holds for a renamed `data-testid`, which only tests see.
 */

const PROSE = /^(?=.*[A-Za-z])(?:[A-Z][^/_<>{}=#\\]*|[^/_<>{}=#\\]*\s[^/_<>{}=#\\]*)$/;

/** The old and new wording when every changed line differs from its counterpart only in prose; else undefined. */
export function proseEdits(patch: string): { before: string[]; after: string[] } | undefined {
  const removed: string[] = [];
  const added: string[] = [];
  for (const line of patch.split("\n")) {
    if (line.startsWith("-") && !line.startsWith("---")) removed.push(line.slice(1));
    else if (line.startsWith("+") && !line.startsWith("+++")) added.push(line.slice(1));
  }
  if (removed.length === 0 || removed.length !== added.length) return undefined;
  const before: string[] = [];
  const after: string[] = [];
  for (let i = 0; i < removed.length; i++) {
    const a = fragments(removed[i] as string);
    const b = fragments(added[i] as string);
    if (a.skeleton !== b.skeleton || a.texts.length !== b.texts.length) return undefined;
    for (let j = 0; j < a.texts.length; j++) {
      const x = a.texts[j] as string;
      const y = b.texts[j] as string;
      if (x === y) continue;
      const testId = a.testIds.has(j) && b.testIds.has(j);
      if (!testId && (!isProse(x) || !isProse(y))) return undefined;
      before.push(x);
      after.push(y);
    }
  }
  return before.length > 0 ? { before, after } : undefined;
}

function isProse(text: string): boolean {
  const t = text.trim();
  return t === "" || PROSE.test(t);
}

/** A line's text fragments (between tags, inside quotes) and what is left around them. */
function fragments(line: string): { skeleton: string; texts: string[]; testIds: Set<number> } {
  const texts: string[] = [];
  const testIds = new Set<number>();
  const skeleton = line.replace(/>([^<>{}$`]+)</g, (_m, text: string) => {
    texts.push(text);
    return "><";
  });
  const final = skeleton.replace(
    /"([^"\\]*)"|'([^'\\]*)'/g,
    (_m, d: string | undefined, s: string | undefined, at: number, whole: string) => {
      // A test id is seen by tests alone: renaming it can only break the flows that name it.
      if (/(data-testid=|testId:\s*)$/.test(whole.slice(Math.max(0, at - 16), at))) testIds.add(texts.length);
      texts.push(d ?? s ?? "");
      return '""';
    },
  );
  return { skeleton: final, texts, testIds };
}

/** Whether a flow names any of these words in its steps (as a locator, an expectation or typed text). */
export function flowNamesText(flow: LoadedFlow, words: readonly string[]): string | undefined {
  // A Playwright test names its words in code (shared/playwright reads them), not in steps.
  const steps = JSON.stringify([flow.steps, flow.test?.words ?? []]).toLowerCase();
  return words.map((w) => w.trim()).find((w) => w.length > 1 && steps.includes(w.toLowerCase()));
}
