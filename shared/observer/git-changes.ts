import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { changesFromGit } from "./diff.ts";
import type { ChangedFile } from "./types.ts";

const run = promisify(execFile);

export interface GitChangesOptions {
  /** The repository (any folder inside it). */
  cwd: string;
  base: string;
  /** A commit; omitted: the working tree (committed or not). */
  head?: string;
}

export class GitError extends Error {
  readonly code = "PERCEO_GIT";
  constructor(message: string) {
    super(message);
    this.name = "GitError";
  }
}

/** `git diff --name-status -M base...head` and its patches. */
export async function gitChanges(options: GitChangesOptions): Promise<ChangedFile[]> {
  const range = options.head
    ? [`${options.base}...${options.head}`]
    : [await mergeBase(options.cwd, options.base)];
  const git = async (args: string[]) => {
    try {
      const { stdout } = await run("git", args, { cwd: options.cwd, maxBuffer: 512 * 1024 * 1024 });
      return stdout;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new GitError(`git ${args.join(" ")} failed: ${stderr || (error as Error).message}`);
    }
  };
  const nameStatus = await git([
    "-c",
    "core.quotepath=off",
    "diff",
    "--name-status",
    "-z",
    "-M",
    "--no-color",
    ...range,
  ]);
  const patches = await git([
    "-c",
    "core.quotepath=off",
    "diff",
    "-M",
    "--no-color",
    "--no-ext-diff",
    "--unified=0",
    ...range,
  ]);
  return changesFromGit(nameStatus, patches);
}

async function mergeBase(cwd: string, base: string): Promise<string> {
  try {
    const { stdout } = await run("git", ["merge-base", base, "HEAD"], { cwd });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new GitError(
      `cannot find the merge base of ${base} and HEAD: ${stderr || (error as Error).message}. Fetch ${base} first (actions/checkout with fetch-depth: 0).`,
    );
  }
}
