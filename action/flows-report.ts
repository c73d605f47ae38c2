import { formatDuration, markdownCell, pluralize, statusLabel } from "../shared/report/index.ts";
import type { FlowResult, RunResult } from "../shared/runner/index.ts";
import type { VisualChange, VisualComparison } from "./visual-compare.ts";

/** The check run's name; users filter and require it by this name, so it stays stable. */
export const FLOWS_CHECK_NAME = "Perceo / Flows";

/** An annotation as GitHub's check-run API takes it. */
export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  title: string;
  message: string;
}

export type CheckConclusion = "success" | "failure" | "neutral";

/** Failures fail the check; visual changes fail it only with `fail-on: visual`, else they are neutral. */
export function checkConclusion(run: RunResult, visual: VisualComparison, failOn: string): CheckConclusion {
  if (run.totals.failed > 0) return "failure";
  if (visual.changes.length > 0) return failOn === "visual" ? "failure" : "neutral";
  return "success";
}

export function checkTitle(run: RunResult, visual: VisualComparison): string {
  const { totals } = run;
  const parts = [
    totals.failed > 0
      ? `${pluralize(totals.failed, "flow")} failed`
      : `${pluralize(totals.passed + totals.flaky, "flow")} passed`,
    ...(totals.flaky > 0 ? [`${totals.flaky} flaky`] : []),
    ...(visual.changes.length > 0 ? [pluralize(visual.changes.length, "visual change")] : []),
  ];
  return run.flows.length === 0 ? "No flows affected" : parts.join(", ");
}

/** One row per flow: status, duration, visual changes (with the diff image's report path). */
export function renderFlowsTable(run: RunResult, visual: VisualComparison): string[] {
  const byFlow = new Map<string, VisualChange[]>();
  for (const change of visual.changes) byFlow.set(change.flow, [...(byFlow.get(change.flow) ?? []), change]);
  return [
    "| Flow | Status | Duration | Visual changes |",
    "| --- | --- | ---: | --- |",
    ...run.flows.map((flow) => {
      const changes = byFlow.get(flow.name) ?? [];
      const visualCell =
        changes.length === 0
          ? "—"
          : changes
              .map(
                (c) =>
                  `${markdownCell(c.screenshot)} (${formatRatio(c.diffRatio)}, \`${c.diffPath ?? c.path}\`)`,
              )
              .join("<br>");
      return `| ${markdownCell(flow.name)} | ${statusLabel(flow.status)} | ${formatDuration(flow.durationMs)} | ${visualCell} |`;
    }),
  ];
}

export interface SummaryInput {
  run: RunResult;
  visual: VisualComparison;
  /** Why these flows were selected, and the shard. */
  selection: string;
  /** Where the run was stored, or why it was not. */
  storage: string;
  /** Where the report lives (the artifact). */
  reportNote: string;
  visualNote?: string;
}

/** The job summary and the check run's text: the same table, then what went wrong. */
export function renderFlowsSummary(input: SummaryInput): string {
  const { run, visual } = input;
  const lines = [
    `## ${FLOWS_CHECK_NAME}: ${checkTitle(run, visual)}`,
    "",
    `${input.selection} · ${run.totals.passed} passed · ${run.totals.failed} failed · ${run.totals.flaky} flaky · against ${run.baseUrl}`,
    "",
  ];
  if (run.flows.length > 0) lines.push(...renderFlowsTable(run, visual), "");
  const problems = run.flows.filter((flow) => flow.status === "failed" || flow.status === "flaky");
  if (problems.length > 0) {
    lines.push("### What went wrong", "");
    for (const flow of problems) lines.push(describeFailure(flow));
    lines.push("");
  }
  if (input.visualNote) lines.push(input.visualNote, "");
  lines.push(input.storage, "", input.reportNote, "");
  return lines.join("\n");
}

function describeFailure(flow: FlowResult): string {
  const failed = flow.attempts.find((attempt) => attempt.status === "failed");
  const error = failed?.error;
  const where = error?.location ? ` (${error.location.file}:${error.location.line})` : "";
  const label = flow.status === "flaky" ? "failed once, then passed on retry" : "failed";
  return `- **${markdownCell(flow.name)}** ${label}${where}: ${error ? markdownCell(error.message) : "no error recorded"}`;
}

/** A failure annotation at the failing step's line of each failed flow; a warning for flaky ones and visual changes. */
export function buildAnnotations(run: RunResult, visual: VisualComparison): CheckAnnotation[] {
  const annotations: CheckAnnotation[] = [];
  for (const flow of run.flows) {
    if (flow.status !== "failed" && flow.status !== "flaky") continue;
    const attempt = flow.attempts.find((a) => a.status === "failed");
    const step = attempt?.steps.find((s) => s.status === "failed" && s.error);
    const location = attempt?.error?.location ?? step?.location;
    if (!attempt || !location) continue;
    const error = attempt.error ?? step?.error;
    const details = [
      error?.message ?? "failed",
      ...(error?.expected !== undefined ? [`expected: ${error.expected}`] : []),
      ...(error?.actual !== undefined ? [`found: ${error.actual}`] : []),
    ];
    annotations.push({
      path: flow.file,
      start_line: location.line,
      end_line: location.line,
      start_column: location.col,
      end_column: location.col,
      annotation_level: flow.status === "failed" ? "failure" : "warning",
      title: `${flow.name}: ${step?.title ?? "step failed"}${flow.status === "flaky" ? " (flaky)" : ""}`,
      message: details.join("\n"),
    });
  }
  for (const change of visual.changes) {
    const flow = run.flows.find((f) => f.name === change.flow);
    const step = flow?.attempts.at(-1)?.steps.find((s) => s.index === change.stepIndex);
    if (!flow || !step) continue;
    annotations.push({
      path: flow.file,
      start_line: step.location.line,
      end_line: step.location.line,
      annotation_level: "warning",
      title: `${flow.name}: screenshot ${change.screenshot} changed`,
      message: `${formatRatio(change.diffRatio)} of the pixels differ from the baseline of ${change.baselineCommit.slice(0, 7)}; diff image: ${change.diffPath ?? "sizes differ"}`,
    });
  }
  return annotations;
}

function formatRatio(ratio: number): string {
  return ratio >= 1 ? "size changed" : `${(ratio * 100).toFixed(2)}%`;
}
