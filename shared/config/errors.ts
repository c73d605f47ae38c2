/** One thing wrong in a config or flow file, pointing at where a person must look. */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.col} ${issue.message}`;
}

/** Every problem found in `.perceo/`, all at once, so one edit can fix them all. */
export class ConfigError extends Error {
  readonly code = "PERCEO_CONFIG";
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    const sorted = [...issues].sort(
      (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col,
    );
    const noun = sorted.length === 1 ? "problem" : "problems";
    super(`${sorted.length} ${noun} in .perceo/:\n${sorted.map((i) => `  ${formatIssue(i)}`).join("\n")}`);
    this.name = "ConfigError";
    this.issues = sorted;
  }
}
