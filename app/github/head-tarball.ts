import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import { type Octokit, type RepoRef, statusOf } from "./octokit.ts";

/*
 * The files of one commit, for the observer's routes and import graph: one tarball request to
 * GitHub (it redirects to codeload), streamed through gunzip and tar into a folder. Only the text
 * the observer reads is written; every other path is listed so imports and asset references still
 * resolve. Whatever the archive holds, nothing is written outside that folder.
 */

export interface TarballLimits {
  /** Paths listed (written or not); more means a repository too large to read per pull request. */
  maxFiles: number;
  /** A larger file is listed but not written (generated bundles, fixtures). */
  maxFileBytes: number;
  /** Bytes written in all. */
  maxWrittenBytes: number;
  /** Bytes in the archive, read or skipped: reading them is what takes the time. */
  maxArchiveBytes: number;
  timeoutMs: number;
}

export const TARBALL_LIMITS: TarballLimits = {
  maxFiles: 100_000,
  maxFileBytes: 1024 * 1024,
  maxWrittenBytes: 256 * 1024 * 1024,
  maxArchiveBytes: 2 * 1024 * 1024 * 1024,
  timeoutMs: 120_000,
};

export interface HeadFiles {
  /** Every regular file in the commit, repository-relative POSIX paths. */
  files: string[];
  /** The ones written to the folder (the rest are listed only). */
  written: number;
  /**
   * Each written file's git blob id, computed from the bytes written: parsed facts are kept by
   * content between pull requests (an archive's export-subst or eol attributes can make it differ
   * from the commit's id, which only costs a parse).
   */
  blobIds: Map<string, string>;
  writtenBytes: number;
  /** Entries left out as unsafe: links, absolute paths, `..`, paths outside the top folder. */
  unsafe: string[];
}

export type TarballProblem = "unavailable" | "too-large" | "unsafe-redirect" | "unreadable";

/** Why the files of a commit could not be read; the caller selects without them and says so. */
export class TarballError extends Error {
  override name = "TarballError";
  readonly code: TarballProblem;
  constructor(code: TarballProblem, message: string) {
    super(message);
    this.code = code;
  }
}

/** Text the observer parses or reads settings from; everything else is only listed. */
const OBSERVED =
  /\.(?:[cm]?[jt]sx?|vue|svelte|astro|html?|css|scss|sass|less|json|jsonc|json5|mdx?|ya?ml|txt)$|(?:^|\/)\.(?:npmrc|nvmrc)$/i;
const SKIPPED_DIR = new Set(["node_modules", ".git"]);

/** The commit's files into `dir` (which must exist and be empty), from GitHub's tarball of `sha`. */
export async function downloadHeadFiles(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  dir: string,
  limits: TarballLimits = TARBALL_LIMITS,
): Promise<HeadFiles> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const url = await tarballLocation(octokit, repo, sha, signal);
  let response: Response;
  try {
    // Codeload's URL carries its own short-lived token: no Authorization header goes to it.
    response = await fetch(url, { redirect: "error", signal });
  } catch (error) {
    throw new TarballError("unavailable", `the tarball download failed: ${(error as Error).message}`);
  }
  if (!response.ok || !response.body) {
    throw new TarballError("unavailable", `the tarball download answered ${response.status}`);
  }
  return extractTarball(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), dir, {
    ...limits,
    signal,
  });
}

/** GitHub answers the tarball request with a redirect; only a GitHub host is followed. */
async function tarballLocation(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  signal: AbortSignal,
): Promise<URL> {
  let location: string | undefined;
  try {
    const response = await octokit.request("GET /repos/{owner}/{repo}/tarball/{ref}", {
      ...repo,
      ref: sha,
      request: { redirect: "manual", signal },
    });
    location = response.headers.location;
  } catch (error) {
    const status = statusOf(error);
    throw new TarballError(
      "unavailable",
      `GitHub answered ${status ?? (error as Error).message} for the tarball of ${sha.slice(0, 7)}`,
    );
  }
  if (!location) throw new TarballError("unavailable", "GitHub's tarball answer had no download location");
  const url = new URL(location);
  const api = new URL(octokit.request.endpoint.DEFAULTS.baseUrl);
  // codeload (GitHub's or an Enterprise server's) over https, or the configured API's own origin.
  const codeload = new Set(["codeload.github.com", api.hostname, `codeload.${api.hostname}`]);
  if (url.origin !== api.origin && (url.protocol !== "https:" || !codeload.has(url.hostname))) {
    throw new TarballError("unsafe-redirect", `the tarball redirected to ${url.origin}, which is not GitHub`);
  }
  return url;
}

/**
 * A gzipped tarball as GitHub makes it (`<owner>-<repo>-<sha>/` on top) into `dir`. Exceeding a
 * limit is an error with the limit named: half a repository would make a confident wrong guess.
 */
export async function extractTarball(
  source: Readable,
  dir: string,
  limits: TarballLimits & { signal?: AbortSignal },
): Promise<HeadFiles> {
  const root = path.resolve(dir);
  const extract = tar.extract();
  const stop = new AbortController();
  const signal = limits.signal ? AbortSignal.any([limits.signal, stop.signal]) : stop.signal;
  const feeding = pipeline(source, createGunzip(), extract, { signal });
  // The loop below reports the first problem; the pipeline's own rejection would be a second one.
  feeding.catch(() => {});
  const result: HeadFiles = { files: [], written: 0, writtenBytes: 0, blobIds: new Map(), unsafe: [] };
  let top: string | undefined;
  let archiveBytes = 0;
  try {
    for await (const entry of extract) {
      const { name, type, size = 0 } = entry.header;
      archiveBytes += size;
      if (archiveBytes > limits.maxArchiveBytes) {
        throw new TarballError(
          "too-large",
          `the repository is larger than ${megabytes(limits.maxArchiveBytes)} unpacked`,
        );
      }
      // tar-stream applies pax headers itself (git's archive starts with one holding the commit id).
      top ??= topFolder(name);
      const file = top ? relativePath(name, top) : undefined;
      if (type !== "file" && type !== "contiguous-file") {
        if (type === "symlink" || type === "link") result.unsafe.push(name);
        entry.resume();
        continue;
      }
      if (!file || !isInside(root, file)) {
        result.unsafe.push(name);
        entry.resume();
        continue;
      }
      if (file.split("/").some((segment) => SKIPPED_DIR.has(segment))) {
        entry.resume();
        continue;
      }
      result.files.push(file);
      if (result.files.length > limits.maxFiles) {
        throw new TarballError("too-large", `the repository has more than ${limits.maxFiles} files`);
      }
      if (!OBSERVED.test(file) || size > limits.maxFileBytes) {
        entry.resume();
        continue;
      }
      result.writtenBytes += size;
      if (result.writtenBytes > limits.maxWrittenBytes) {
        throw new TarballError(
          "too-large",
          `the repository's source files are larger than ${megabytes(limits.maxWrittenBytes)}`,
        );
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const target = path.join(root, file);
      await mkdir(path.dirname(target), { recursive: true });
      // `wx`: a second entry for the same path (or one under a file) is refused, never followed.
      const bytes = Buffer.concat(chunks);
      await writeFile(target, bytes, { flag: "wx" }).then(
        () => {
          result.written++;
          result.blobIds.set(file, gitBlobId(bytes));
        },
        (error: NodeJS.ErrnoException) => {
          if (!["EEXIST", "ENOTDIR", "EISDIR"].includes(error.code ?? "")) throw error;
        },
      );
    }
    await feeding;
  } catch (error) {
    stop.abort();
    if (error instanceof TarballError) throw error;
    if (limits.signal?.aborted)
      throw new TarballError("unavailable", "the tarball took too long to download");
    throw new TarballError("unreadable", `the tarball could not be read: ${(error as Error).message}`);
  }
  return result;
}

/** The first entry's top folder (`<owner>-<repo>-<sha>`); undefined when that entry is not a plain path. */
function topFolder(name: string): string | undefined {
  const first = name.split("/")[0];
  return first && first !== "." && first !== ".." && !name.startsWith("/") ? first : undefined;
}

/** The path under the archive's top folder; undefined when it is absolute, climbs, or is elsewhere. */
function relativePath(name: string, top: string): string | undefined {
  if (name.startsWith("/") || name.includes("\\") || name.includes("\0")) return undefined;
  const segments = name.split("/");
  if (segments[0] !== top) return undefined;
  const rest = segments.slice(1);
  if (rest.length === 0 || rest.some((s) => s === "" || s === "." || s === "..")) return undefined;
  return rest.join("/");
}

function isInside(root: string, file: string): boolean {
  const target = path.resolve(root, file);
  return target.startsWith(`${root}${path.sep}`);
}

/** What `git hash-object` prints for these bytes. */
export function gitBlobId(bytes: Buffer): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}
