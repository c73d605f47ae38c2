import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const repoRoot = path.resolve(import.meta.dirname, "../..");

/** A CLI io that keeps what the command wrote. */
export function capturedIo(cwd: string, env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (c: string) => void out.push(c) },
      stderr: { write: (c: string) => void err.push(c) },
      cwd,
      env,
    },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}

/** The example shop at `examples/shop` of a fresh git repository, committed once on `main`. */
export async function shopRepository(prefix: string) {
  const { repo, git } = await exampleRepository(prefix, ["examples/shop"]);
  return { repo, shopDir: path.join(repo, "examples/shop"), git };
}

/**
 * Folders of this repository (`examples/shop`, …) at the same paths in a fresh git repository,
 * committed once on `main`; `prepare` runs on the copy before the commit.
 */
export async function exampleRepository(
  prefix: string,
  dirs: readonly string[],
  prepare?: (repo: string) => Promise<void>,
) {
  const repo = await mkdtemp(path.join(tmpdir(), prefix));
  for (const dir of dirs) {
    await mkdir(path.dirname(path.join(repo, dir)), { recursive: true });
    await cp(path.join(repoRoot, dir), path.join(repo, dir), {
      recursive: true,
      filter: (src) =>
        !/(perceo-report|test-results|playwright-report|\.perceo\/data|\.perceo\/blobs|\.perceo\/facts)/.test(
          src,
        ),
    });
  }
  await prepare?.(repo);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd: repo,
      encoding: "utf8",
    });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "examples");
  return { repo, git };
}
