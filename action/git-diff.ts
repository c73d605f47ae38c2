import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { type ChangedFile, GitError, gitChanges } from "../shared/observer/index.ts";

const run = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string> {
  // Arguments go to git as an array: nothing from an input or a payload ever reaches a shell.
  const { stdout } = await run("git", args, { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  return stdout.trim();
}

async function succeeds(cwd: string, args: string[]): Promise<boolean> {
  try {
    await git(cwd, args);
    return true;
  } catch {
    return false;
  }
}

/**
 * The merge base of `base` and the checked-out HEAD. A shallow checkout (actions/checkout's
 * default depth 1) has neither the base commit nor their common ancestor: fetch the base, then
 * deepen step by step, and unshallow as a last resort.
 */
export async function findMergeBase(cwd: string, baseSha: string): Promise<string> {
  if (!(await succeeds(cwd, ["cat-file", "-e", `${baseSha}^{commit}`]))) {
    await fetchQuietly(cwd, [
      "fetch",
      "--no-tags",
      "--no-recurse-submodules",
      "--depth=1",
      "origin",
      baseSha,
    ]);
  }
  for (const deepen of [10, 50, 200, 1000]) {
    const mergeBase = await git(cwd, ["merge-base", baseSha, "HEAD"]).catch(() => undefined);
    if (mergeBase) return mergeBase;
    if ((await git(cwd, ["rev-parse", "--is-shallow-repository"])) !== "true") break;
    await fetchQuietly(cwd, [
      "fetch",
      "--no-tags",
      "--no-recurse-submodules",
      `--deepen=${deepen}`,
      "origin",
      baseSha,
    ]);
  }
  if ((await git(cwd, ["rev-parse", "--is-shallow-repository"])) === "true") {
    await fetchQuietly(cwd, ["fetch", "--no-tags", "--no-recurse-submodules", "--unshallow", "origin"]);
  }
  try {
    return await git(cwd, ["merge-base", baseSha, "HEAD"]);
  } catch (error) {
    throw new GitError(
      `cannot find the merge base of ${baseSha} and HEAD: ${(error as Error).message.trim()} — ` +
        "use actions/checkout with fetch-depth: 0, or set flows: all",
    );
  }
}

async function fetchQuietly(cwd: string, args: string[]): Promise<void> {
  try {
    await git(cwd, args);
  } catch (error) {
    throw new GitError(
      `git ${args.join(" ")} failed: ${(error as Error).message.trim()} — ` +
        "check that the base commit is on origin and the job may fetch it (actions/checkout with fetch-depth: 0 avoids fetching), or set flows: all",
    );
  }
}

/** The changes from the merge base to HEAD, with patches, as the observer reads them. */
export async function listChanges(cwd: string, mergeBase: string): Promise<ChangedFile[]> {
  try {
    return await gitChanges({ cwd, base: mergeBase, head: "HEAD" });
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    throw new GitError(`cannot list the changes since ${mergeBase}: ${error.message}`);
  }
}
