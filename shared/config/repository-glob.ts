import picomatch from "picomatch";

/*
 * A glob a repository wrote (a flow's `covers`, `observer.ignore`, `observer.runAllWhen`,
 * `observer.routes[].files`, a Playwright test's `perceo.covers`) is compiled by picomatch into a
 * JavaScript regular expression, and single stars in one path segment backtrack: a segment like
 * `*a*a*a*b` against a 1,000-character file name takes 13 s, one star more doubles that many times over, and
 * the App would evaluate it for every file of every pull request. Three stars in a segment stay
 * under 60 ms on that name; globs past the bounds are refused where they are written and match
 * nothing anywhere else.
 */

export const MAX_GLOB_LENGTH = 500;
export const MAX_STARS_PER_SEGMENT = 3;

/** What is wrong with a repository glob, said so the writer can fix it; undefined when it is fine. */
export function globProblem(glob: string): string | undefined {
  if (glob.length > MAX_GLOB_LENGTH)
    return `a glob is at most ${MAX_GLOB_LENGTH} characters (this one has ${glob.length}); name a folder with ** instead of listing files`;
  for (const segment of glob.split("/")) {
    if (segment === "**") continue;
    const stars = segment.replaceAll("**", "*").split("*").length - 1;
    if (stars > MAX_STARS_PER_SEGMENT)
      return `"${segment}" has ${stars} * wildcards in one path segment; use at most ${MAX_STARS_PER_SEGMENT} (e.g. *checkout*.tsx), or ** for whole folders`;
  }
  return undefined;
}

/** One matcher for the globs; a glob past the bounds matches nothing (its writer was told at validation). */
export function repositoryGlobMatcher(globs: string | readonly string[]): (file: string) => boolean {
  const safe = (typeof globs === "string" ? [globs] : globs).filter(
    (glob) => globProblem(glob) === undefined,
  );
  if (safe.length === 0) return () => false;
  return picomatch(safe, { dot: true });
}
