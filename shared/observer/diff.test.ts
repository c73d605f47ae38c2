import { describe, expect, it } from "vitest";
import { changedBaseLines, changedLines, changesFromGit, parseNameStatus, splitGitDiff } from "./diff.ts";

describe("diff parsing", () => {
  it("an edited line is that line at head; a pure deletion marks the lines around the gap", () => {
    const edit = "@@ -10,3 +10,3 @@ fn\n a\n-b\n+B\n c";
    expect(changedLines(edit)).toEqual([{ start: 11, end: 11 }]);
    expect(changedBaseLines(edit)).toEqual([{ start: 11, end: 11 }]);
    const deletion = "@@ -10,3 +10,2 @@\n a\n-b\n c";
    expect(changedLines(deletion)).toEqual([{ start: 10, end: 11 }]);
    expect(changedBaseLines(deletion)).toEqual([{ start: 11, end: 11 }]);
  });

  it("reads zero-context hunks as git diff --unified=0 writes them", () => {
    expect(changedLines("@@ -5,0 +6,2 @@\n+x\n+y")).toEqual([{ start: 6, end: 7 }]);
    expect(changedBaseLines("@@ -5,0 +6,2 @@\n+x\n+y")).toEqual([{ start: 5, end: 6 }]);
    expect(changedLines("@@ -7,2 +6,0 @@\n-x\n-y")).toEqual([{ start: 6, end: 7 }]);
  });

  it("parses name-status with renames, copies and deletions, NUL-separated", () => {
    const output = [
      "M",
      "src/a.ts",
      "R087",
      "src/old.ts",
      "src/new.ts",
      "D",
      "src/gone.ts",
      "A",
      "src/b c.ts",
      "",
    ].join("\0");
    expect(parseNameStatus(output)).toEqual([
      { path: "src/a.ts", status: "modified" },
      { path: "src/new.ts", status: "renamed", previousPath: "src/old.ts" },
      { path: "src/gone.ts", status: "removed" },
      { path: "src/b c.ts", status: "added" },
    ]);
  });

  it("splits a git diff into per-file patches and marks binary files and submodules", () => {
    const diff = [
      "diff --git a/src/a.ts b/src/a.ts",
      "index 1111111..2222222 100644",
      "--- a/src/a.ts",
      "+++ b/src/a.ts",
      "@@ -1 +1 @@",
      "-old",
      "+new",
      "diff --git a/logo.png b/logo.png",
      "index 3333333..4444444 100644",
      "Binary files a/logo.png and b/logo.png differ",
      "diff --git a/vendor/kit b/vendor/kit",
      "index 5555555..6666666 160000",
      "--- a/vendor/kit",
      "+++ b/vendor/kit",
      "@@ -1 +1 @@",
      "-Subproject commit 5555555",
      "+Subproject commit 6666666",
    ].join("\n");
    const files = splitGitDiff(diff);
    expect(files.get("src/a.ts")).toMatchObject({
      binary: false,
      submodule: false,
      patch: "@@ -1 +1 @@\n-old\n+new",
    });
    expect(files.get("logo.png")?.binary).toBe(true);
    expect(files.get("vendor/kit")?.submodule).toBe(true);
    const changes = changesFromGit(
      ["M", "src/a.ts", "M", "logo.png", "M", "vendor/kit", ""].join("\0"),
      diff,
    );
    expect(changes).toEqual([
      { path: "src/a.ts", status: "modified", patch: "@@ -1 +1 @@\n-old\n+new" },
      { path: "logo.png", status: "modified", binary: true },
      { path: "vendor/kit", status: "modified", submodule: true },
    ]);
  });
});
