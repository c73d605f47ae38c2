import type { AttemptResult, FlowResult, RunResult } from "../runner/index.ts";
import { formatDuration, markdownCell, pluralize, statusLabel } from "./format.ts";

/** `perceo-report/summary.md`: the run in a form GitHub renders (job summaries, comments). */
export function renderSummaryMarkdown(run: RunResult): string {
  const { totals } = run;
  const headline =
    run.status === "passed"
      ? `✅ ${pluralize(totals.passed + totals.flaky, "flow")} passed`
      : `❌ ${pluralize(totals.failed, "flow")} failed`;
  const counts = [
    `${totals.passed} passed`,
    `${totals.failed} failed`,
    `${totals.flaky} flaky`,
    ...(totals.skipped ? [`${totals.skipped} skipped`] : []),
  ].join(" · ");
  const lines = [
    `## Perceo — ${markdownCell(run.project)}`,
    "",
    `**${headline}** (${counts}) in ${formatDuration(run.durationMs)} against ${run.baseUrl}`,
    "",
    "| Flow | Priority | Status | Duration | Attempts |",
    "| --- | --- | --- | ---: | ---: |",
    ...run.flows.map(
      (f) =>
        `| ${markdownCell(f.name)} | ${f.priority} | ${statusLabel(f.status)} | ${formatDuration(f.durationMs)} | ${f.attempts.length} |`,
    ),
  ];
  const problems = run.flows.filter((f) => f.status === "failed" || f.status === "flaky");
  if (problems.length > 0) {
    lines.push("", "### What went wrong", "");
    for (const flow of problems) lines.push(...describeProblem(flow));
  }
  // Resolutions Claude made in this run: they belong in .perceo/ai-cache.json, reviewed like code.
  const resolved = run.flows.flatMap((f) =>
    (f.attempts.at(-1)?.steps ?? []).flatMap((s) =>
      s.note && !s.note.startsWith("replayed")
        ? [`- **${markdownCell(f.name)}** ${markdownCell(s.title)}: ${markdownCell(s.note)}`]
        : [],
    ),
  );
  if (resolved.length > 0) lines.push("", "### ai steps Claude resolved", "", ...resolved);
  lines.push("", `<sub>${run.browser.name} ${run.browser.version} · run ${run.id}</sub>`, "");
  return lines.join("\n");
}

function describeProblem(flow: FlowResult): string[] {
  const failed = flow.attempts.find((a) => a.status === "failed") as AttemptResult | undefined;
  const error = failed?.error;
  const label = flow.status === "flaky" ? "failed once, then passed on retry" : "failed";
  const lines = [
    `- **${markdownCell(flow.name)}** ${label}: ${error ? markdownCell(error.message) : "no error recorded"}`,
  ];
  if (error?.expected !== undefined) lines.push(`  - expected: ${markdownCell(error.expected)}`);
  if (error?.actual !== undefined) lines.push(`  - found: ${markdownCell(error.actual)}`);
  return lines;
}
