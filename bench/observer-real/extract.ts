import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { bundlePath, loadCorpus, pinTag } from "./corpus.ts";

/*
 * Builds the corpus bundles the real-app benchmark reads, from local copies of the apps' public
 * histories (bare git directories, e.g. what the `fetch` tool brings to /work/.mirror/<owner>+<name>/repo):
 *
 *   node bench/observer-real/extract.ts [--mirrors DIR] [app…]
 *
 * For each pinned commit the bundle holds two commits: its parent's tree, and the commit's tree on
 * top of it, tagged pin-<sha>. Blobs the copy lacks (a snapshot leaves out files of 4 MiB and more)
 * are left out of both trees, so the diff between them is the commit's own. Nothing else of the
 * history is kept; the benchmark needs no network and no mirror once the bundles exist. It also
 * writes <app>/pins.yml (each commit's parent, date, subject and changed paths), which is committed.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { mirrors: { type: "string", default: "/work/.mirror" } },
});

for (const app of loadCorpus().filter((a) => positionals.length === 0 || positionals.includes(a.name))) {
  const mirror = path.join(values.mirrors, app.repository.replace("/", "+"), "repo");
  if (!existsSync(mirror)) throw new Error(`${app.name}: no copy of ${app.repository} at ${mirror}`);
  const work = mkdtempSync(path.join(tmpdir(), `perceo-corpus-${app.name}-`));
  try {
    const git = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      execFileSync("git", args, {
        cwd: work,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, ...env },
      }).trim();
    git(["init", "-q", "--bare", "."]);
    writeFileSync(path.join(work, "objects", "info", "alternates"), `${path.join(mirror, "objects")}\n`);
    const ident = {
      GIT_AUTHOR_NAME: "perceo corpus",
      GIT_AUTHOR_EMAIL: "corpus@perceo.invalid",
      GIT_COMMITTER_NAME: "perceo corpus",
      GIT_COMMITTER_EMAIL: "corpus@perceo.invalid",
    };
    let dropped = 0;
    const pins: Array<{ sha: string; parent: string; date: string; subject: string; files: string[] }> = [];
    /** The commit's tree without the blobs the copy lacks. */
    const tree = (rev: string): string => {
      const index = path.join(work, `index-${rev.replace(/\W/g, "_")}`);
      const env = { GIT_INDEX_FILE: index };
      git(["read-tree", `${rev}^{tree}`], env);
      const entries = git(["ls-files", "-s", "-z"], env).split("\0").filter(Boolean);
      const blobs = entries.map((e) => e.split(/\s+/)[1] as string);
      const present = new Set(
        execFileSync("git", ["cat-file", "--batch-check=%(objectname)"], {
          cwd: work,
          input: `${blobs.join("\n")}\n`,
          encoding: "utf8",
          maxBuffer: 64 * 1024 * 1024,
        })
          .split("\n")
          .filter((l) => /^[0-9a-f]{40}$/.test(l)),
      );
      for (const entry of entries) {
        const [meta, file] = entry.split("\t") as [string, string];
        if (meta.startsWith("160000") || present.has(meta.split(/\s+/)[1] as string)) continue;
        git(["update-index", "--force-remove", "--", file], env);
        dropped++;
      }
      const id = git(["write-tree"], env);
      rmSync(index, { force: true });
      return id;
    };
    for (const commit of app.commits) {
      const subject = git(["log", "-1", "--format=%s", commit.sha]);
      const date = git(["log", "-1", "--format=%aI", commit.sha]);
      const stamp = { ...ident, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
      const parent = git(["commit-tree", tree(`${commit.sha}^`), "-m", `parent of ${commit.sha}`], stamp);
      const head = git(
        [
          "commit-tree",
          tree(commit.sha),
          "-p",
          parent,
          "-m",
          `${subject}\n\npinned from ${app.repository}@${commit.sha}`,
        ],
        stamp,
      );
      git(["tag", pinTag(commit.sha), head]);
      const files = git(["diff", "--name-status", "--no-renames", `${commit.sha}^`, commit.sha])
        .split("\n")
        .map((l) => l.replace("\t", " "));
      pins.push({ sha: commit.sha, parent: git(["rev-parse", `${commit.sha}^`]), date, subject, files });
    }
    writeFileSync(
      path.join(app.dir, "pins.yml"),
      `# Written by extract.ts from ${app.repository}'s history: what each pinned commit changed.\n${stringify(pins, { lineWidth: 0 })}`,
    );
    const out = bundlePath(app.name);
    mkdirSync(path.dirname(out), { recursive: true });
    git(["bundle", "create", "-q", out, "--tags"]);
    console.log(
      `${app.name}: ${app.commits.length} commits → ${out} (${(statSync(out).size / 1024 / 1024).toFixed(1)} MB${dropped ? `, ${dropped} files absent from the copy left out` : ""})`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
