import { RE2JS } from "re2js";

/*
 * A regular expression a repository wrote (a flow's `matches:`, a Playwright spec's toHaveURL(/…/))
 * is evaluated by RE2, which runs in time linear in the input: JavaScript's backtracking engine
 * takes 11 s on /^(a|a)*$/ against 28 a's, and a pattern like that in a flow would stall the App's
 * job thread for every repository it serves. RE2 has no lookaround and no backreferences; a pattern
 * that uses them is one the App cannot evaluate, and it names no page (the flow still runs).
 */

/** The longest `matches:` a flow may write: a URL or text pattern, not a program. */
export const MAX_REGEX_LENGTH = 1000;

/** A compiled repository regex: `test` as RegExp's, in linear time. */
export interface RepositoryRegex {
  readonly source: string;
  test(text: string): boolean;
}

/** The pattern under RE2, or undefined when RE2 cannot take it (or it is over the length bound). */
export function repositoryRegex(source: string): RepositoryRegex | undefined {
  if (source.length > MAX_REGEX_LENGTH) return undefined;
  try {
    const compiled = RE2JS.compile(source);
    return { source, test: (text) => compiled.test(text) };
  } catch {
    return undefined;
  }
}
