import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  COVERAGE_FILE,
  type CoverageMap,
  diskTree,
  readCoverageFile,
  type SourceTree,
} from "../../shared/observer/index.ts";
import { downloadHeadFiles, TarballError, type TarballLimits } from "../github/head-tarball.ts";
import type { Octokit, RepoRef } from "../github/octokit.ts";

/** What the observer reads at the head commit, or why it has only the pull request's files. */
export type HeadTree =
  | { kind: "files"; tree: SourceTree; coverage?: CoverageMap; files: number }
  | { kind: "unavailable"; reason: string };

/**
 * Runs `use` with the head commit's files on disk (from GitHub's tarball), the way the CLI and the
 * Action see their checkout; the folder is removed afterwards whatever happens. When the tarball
 * cannot be read, `use` gets the reason instead and the selection falls back to covers globs.
 */
export async function withHeadTree<T>(
  octokit: Octokit,
  repo: RepoRef,
  input: { sha: string; projectDir: string; limits?: TarballLimits },
  use: (head: HeadTree) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), "perceo-head-"));
  try {
    let head: HeadTree;
    try {
      const fetched = await downloadHeadFiles(octokit, repo, input.sha, dir, input.limits);
      const coverage = await readCoverageFile(path.join(dir, input.projectDir));
      // The listing and the blob ids are the archive's: there is no git repository here.
      const tree: SourceTree = {
        ...diskTree(dir),
        list: async () => fetched.files,
        blobIds: async () => fetched.blobIds,
      };
      head = { kind: "files", tree, files: fetched.files.length, ...(coverage ? { coverage } : {}) };
    } catch (error) {
      if (!(error instanceof TarballError)) throw error;
      head = { kind: "unavailable", reason: error.message };
    }
    return await use(head);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The coverage file's path in the repository, as reasons and notes name it. */
export function coveragePath(projectDir: string): string {
  return projectDir ? `${projectDir}/${COVERAGE_FILE}` : COVERAGE_FILE;
}
