import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";
import tar from "tar-stream";
import { REPO } from "./fixtures.ts";

/*
 * Real gzipped tarballs, shaped like GitHub's (`<owner>-<repo>-<sha>/` on top). Nock stays out of
 * this module: importing nock intercepts every socket of the process, and the webhook benchmark's
 * servers build their tarballs here.
 */

export const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export type TarEntry =
  | { name: string; text: string }
  | { name: string; type: "symlink" | "link"; linkname: string }
  | { name: string; type: "directory" };

/** A `.tar.gz` of `entries`; names are used as given (tests write hostile ones on purpose). */
export async function gzippedTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const gzipped = buffer(pack.pipe(createGzip()));
  for (const entry of entries) {
    if ("text" in entry) pack.entry({ name: entry.name }, entry.text);
    else if (entry.type === "directory") pack.entry({ name: entry.name, type: "directory" });
    else pack.entry({ name: entry.name, type: entry.type, linkname: entry.linkname });
  }
  pack.finalize();
  return gzipped;
}

/** GitHub's top folder for a commit's tarball. */
export function tarballTop(sha: string): string {
  return `${REPO.owner}-${REPO.repo}-${sha.slice(0, 7)}`;
}

/** Files of this repository under `dir` as tracked by git, with `edit` applied, in GitHub's layout. */
export function repositoryEntries(
  sha: string,
  dir: string,
  edit: (file: string, text: string) => string = (_, text) => text,
): TarEntry[] {
  const files = execFileSync("git", ["ls-files", "-z", dir], { cwd: REPOSITORY_ROOT, encoding: "utf8" })
    .split("\0")
    .filter(Boolean);
  return [
    { name: `${tarballTop(sha)}/`, type: "directory" },
    ...files.map((file) => ({
      name: `${tarballTop(sha)}/${file}`,
      text: edit(file, readFileSync(path.join(REPOSITORY_ROOT, file), "utf8")),
    })),
  ];
}
