import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The files of a repository at one commit: what the observer reads the import graph and routes from. */
export interface SourceTree {
  /** An absolute folder holding exactly these files, when they are on disk (module resolution uses it). */
  root?: string;
  /** Every file, repository-relative POSIX paths. */
  list(): Promise<string[]>;
  read(file: string): Promise<string | undefined>;
  /** The same, synchronously, when reading is local and cheap (disk): tens of thousands of files add up. */
  readSync?(file: string): string | undefined;
  /**
   * Git blob ids of files whose content is known without reading them (committed and unmodified),
   * so parsed facts can be reused by content.
   */
  blobIds?(): Promise<Map<string, string>>;
}

const SKIPPED_DIRS = new Set([
  "node_modules",
  ".git",
  "dist",
  "build",
  ".next",
  ".svelte-kit",
  ".nuxt",
  "coverage",
]);

/** Files on disk under `root`: `git ls-files` (tracked and untracked, not ignored) in a repository, a walk otherwise. */
export function diskTree(root: string): SourceTree {
  const absolute = path.resolve(root);
  let listed: Promise<string[]> | undefined;
  let indexed: Promise<Map<string, string>> | undefined;
  return {
    root: absolute,
    list: () => {
      listed ??= listGitFiles(absolute).catch(() => walk(absolute, ""));
      return listed;
    },
    read: async (file) => {
      try {
        return await readFile(path.join(absolute, file), "utf8");
      } catch {
        return undefined;
      }
    },
    readSync: (file) => {
      try {
        return readFileSync(path.join(absolute, file), "utf8");
      } catch {
        return undefined;
      }
    },
    blobIds: () => {
      indexed ??= indexedBlobIds(absolute).catch(() => new Map());
      return indexed;
    },
  };
}

/** Blob ids from git's index, leaving out files the working tree has changed since. */
async function indexedBlobIds(root: string): Promise<Map<string, string>> {
  const options = { cwd: root, maxBuffer: 256 * 1024 * 1024 };
  const [staged, modified] = await Promise.all([
    run("git", ["ls-files", "--stage", "-z"], options),
    run("git", ["diff", "--name-only", "-z"], options),
  ]);
  const changed = new Set(modified.stdout.split("\0"));
  const ids = new Map<string, string>();
  for (const entry of staged.stdout.split("\0")) {
    // <mode> <id> <stage>\t<path>
    const tab = entry.indexOf("\t");
    if (tab === -1 || entry.startsWith("160000")) continue;
    const file = entry.slice(tab + 1);
    if (!changed.has(file)) ids.set(file, entry.slice(7, entry.indexOf(" ", 7)));
  }
  return ids;
}

async function listGitFiles(root: string): Promise<string[]> {
  const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout.split("\0").filter(Boolean);
}

async function walk(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) files.push(...(await walk(root, rel)));
    } else if (entry.isFile()) files.push(rel);
  }
  return files;
}

/** Files held in memory: for tests, and for callers that fetched them (the App reads blobs from GitHub). */
export function memoryTree(files: Record<string, string>): SourceTree {
  return {
    list: async () => Object.keys(files),
    read: async (file) => files[file],
  };
}

/**
 * Files at a git revision, read with one `git cat-file --batch` process, for a head that is not the
 * working tree.
 */
export function gitTree(repoDir: string, ref: string): SourceTree & { close(): void } {
  let listed: Promise<string[]> | undefined;
  let batch: ReturnType<typeof spawn> | undefined;
  let buffer = Buffer.alloc(0);
  const waiting: Array<(data: Buffer | undefined) => void> = [];
  let queue = Promise.resolve();

  const ensureBatch = () => {
    if (batch) return batch;
    batch = spawn("git", ["cat-file", "--batch"], { cwd: repoDir, stdio: ["pipe", "pipe", "ignore"] });
    batch.stdout?.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      drain();
    });
    return batch;
  };
  const drain = () => {
    while (waiting.length > 0) {
      const newline = buffer.indexOf(10);
      if (newline === -1) return;
      const header = buffer.subarray(0, newline).toString();
      if (header.endsWith(" missing")) {
        buffer = buffer.subarray(newline + 1);
        waiting.shift()?.(undefined);
        continue;
      }
      const size = Number(header.split(" ")[2]);
      if (buffer.length < newline + 1 + size + 1) return;
      const data = buffer.subarray(newline + 1, newline + 1 + size);
      buffer = buffer.subarray(newline + 1 + size + 1);
      waiting.shift()?.(data);
    }
  };
  return {
    list: () => {
      listed ??= run("git", ["ls-tree", "-r", "-z", "--name-only", ref], {
        cwd: repoDir,
        maxBuffer: 256 * 1024 * 1024,
      }).then(({ stdout }) => stdout.split("\0").filter(Boolean));
      return listed;
    },
    read: (file) => {
      const result = queue.then(
        () =>
          new Promise<string | undefined>((resolve) => {
            waiting.push((data) => resolve(data?.toString("utf8")));
            ensureBatch().stdin?.write(`${ref}:${file}\n`);
          }),
      );
      queue = result.then(() => undefined);
      return result;
    },
    close: () => {
      batch?.stdin?.end();
      batch?.kill();
    },
  };
}
