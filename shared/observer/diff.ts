import type { ChangedFile, ChangeStatus, LineRange } from "./types.ts";

/**
 * Lines a patch touched at head: added or edited lines, and for a deletion the lines on either side
 * of the gap (code around a removed line is what its removal changes).
 */
export function changedLines(patch: string): LineRange[] {
  const lines: number[] = [];
  let head = 0;
  let inHunk = false;
  // A run of removed lines with no added line after it is a pure deletion: mark the lines around the gap.
  let deletedAt: number | undefined;
  const settle = () => {
    if (deletedAt !== undefined) lines.push(Math.max(1, deletedAt - 1), deletedAt);
    deletedAt = undefined;
  };
  for (const raw of patch.split("\n")) {
    const header = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(raw);
    if (header) {
      settle();
      // With zero context, "+12,0" means the deletion sits after line 12.
      head = Number(header[1]) + (header[2] === "0" ? 1 : 0);
      inHunk = true;
      continue;
    }
    if (!inHunk || raw.startsWith("\\")) continue;
    if (raw.startsWith("+")) {
      deletedAt = undefined;
      lines.push(head);
      head++;
    } else if (raw.startsWith("-")) {
      deletedAt ??= head;
    } else {
      settle();
      head++;
    }
  }
  settle();
  return toRanges(lines);
}

/** Lines a patch touched at base: removed or edited lines, and for an insertion the lines around it. */
export function changedBaseLines(patch: string): LineRange[] {
  const lines: number[] = [];
  let base = 0;
  let inHunk = false;
  let removing = false;
  for (const raw of patch.split("\n")) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/.exec(raw);
    if (header) {
      base = Number(header[1]) + (header[2] === "0" ? 1 : 0);
      inHunk = true;
      removing = false;
      continue;
    }
    if (!inHunk || raw.startsWith("\\")) continue;
    if (raw.startsWith("-")) {
      lines.push(base);
      base++;
      removing = true;
    } else if (raw.startsWith("+")) {
      if (!removing) lines.push(Math.max(1, base - 1), base);
    } else {
      base++;
      removing = false;
    }
  }
  return toRanges(lines);
}

export function toRanges(lines: number[]): LineRange[] {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const ranges: LineRange[] = [];
  for (const line of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && line <= last.end + 1) last.end = Math.max(last.end, line);
    else ranges.push({ start: line, end: line });
  }
  return ranges;
}

export function overlaps(ranges: readonly LineRange[], start: number, end: number): boolean {
  return ranges.some((r) => r.start <= end && r.end >= start);
}

export function formatRanges(ranges: readonly LineRange[] | undefined): string {
  if (!ranges || ranges.length === 0) return "";
  const shown = ranges.slice(0, 4).map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`));
  return `${ranges.length > 4 ? `${shown.join(", ")}, …` : shown.join(", ")}`;
}

const STATUS: Record<string, ChangeStatus> = {
  A: "added",
  M: "modified",
  D: "removed",
  R: "renamed",
  C: "added",
  T: "modified",
};

/** `git diff --name-status -M -z` output (NUL separated), or the newline form for paths without tabs. */
export function parseNameStatus(output: string): ChangedFile[] {
  const changes: ChangedFile[] = [];
  const zero = output.includes("\0");
  const fields = zero ? output.split("\0") : output.split("\n").flatMap((line) => line.split("\t"));
  for (let i = 0; i < fields.length; ) {
    const code = fields[i++]?.trim();
    if (!code) continue;
    const status = STATUS[code[0] ?? ""];
    if (!status) continue;
    if (code[0] === "R" || code[0] === "C") {
      const previous = fields[i++] ?? "";
      const current = fields[i++] ?? "";
      changes.push(
        code[0] === "R"
          ? { path: current, status, previousPath: previous }
          : { path: current, status: "added" },
      );
    } else {
      changes.push({ path: fields[i++] ?? "", status });
    }
  }
  return changes.filter((c) => c.path);
}

interface FilePatch {
  path: string;
  patch: string;
  binary: boolean;
  submodule: boolean;
}

/** Splits `git diff` output into each file's hunks; marks binary files and submodule pointers. */
export function splitGitDiff(diff: string): Map<string, FilePatch> {
  const files = new Map<string, FilePatch>();
  let current: FilePatch | undefined;
  let body: string[] = [];
  const flush = () => {
    if (current) {
      current.patch = body.join("\n");
      files.set(current.path, current);
    }
    body = [];
  };
  for (const line of diff.split("\n")) {
    if (line.startsWith("diff --git ")) {
      flush();
      const match = /^diff --git "?a\/(.+?)"? "?b\/(.+?)"?$/.exec(line);
      current = { path: match?.[2] ?? "", patch: "", binary: false, submodule: false };
      continue;
    }
    if (!current) continue;
    if (line.startsWith("Binary files ") || line === "GIT binary patch") current.binary = true;
    else if (/^(new file mode|deleted file mode|index [0-9a-f]+\.\.[0-9a-f]+) 160000/.test(line))
      current.submodule = true;
    else if (line.startsWith("+Subproject commit ") || line.startsWith("-Subproject commit "))
      current.submodule = true;
    if (line.startsWith("@@") || body.length > 0) body.push(line);
  }
  flush();
  return files;
}

/** Name-status plus patches, merged: what `selectAffectedFlows` takes. */
export function changesFromGit(nameStatus: string, diff: string): ChangedFile[] {
  const patches = splitGitDiff(diff);
  return parseNameStatus(nameStatus).map((change) => {
    const found = patches.get(change.path);
    if (!found) return change;
    const result: ChangedFile = { ...change };
    if (found.binary) result.binary = true;
    if (found.submodule) result.submodule = true;
    else if (found.patch && !found.binary) result.patch = found.patch;
    return result;
  });
}
