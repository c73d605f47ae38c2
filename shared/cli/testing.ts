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
  const repo = await mkdtemp(path.join(tmpdir(), prefix));
  const shopDir = path.join(repo, "examples/shop");
  await mkdir(path.dirname(shopDir), { recursive: true });
  await cp(path.join(repoRoot, "examples/shop"), shopDir, {
    recursive: true,
    filter: (src) => !/(perceo-report|\.perceo\/data|\.perceo\/blobs)/.test(src),
  });
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd: repo,
      encoding: "utf8",
    });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "shop");
  return { repo, shopDir, git };
}
