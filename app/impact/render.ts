import { type ConfigError, formatIssue } from "../../shared/config/index.ts";
import { riskStrength } from "../../shared/observer/index.ts";
import type { FlowStatus } from "../../shared/runner/index.ts";
import type { Prediction, PredictionOutcome } from "../../shared/store/index.ts";
import type { Annotation, CheckRunResult } from "../github/check-run.ts";
import { inlineCode, percent, plainText } from "./markdown.ts";
import type { Impact } from "./select-flows.ts";

const HELP_LINE =
  "Commands: `/perceo run [all|flow…]`, `/perceo approve [flow…]`, `/perceo ignore <flow>`, `/perceo help`.";

export function renderImpactCheck(impact: Impact): CheckRunResult {
  const count = impact.affected.length;
  const total = count + impact.unaffected.length;
  return {
    conclusion: "success",
    title:
      count === 0 ? "No flows affected" : `${count} of ${total} ${total === 1 ? "flow" : "flows"} affected`,
    summary: [
      renderImpactBody(impact),
      plainText(impact.basis),
      ...(impact.warnings ?? []).map((warning) => `**Warning:** ${plainText(warning)}`),
    ].join("\n\n"),
  };
}

function renderImpactBody(impact: Impact): string {
  const lines: string[] = [];
  const fileNoun = impact.changedFiles === 1 ? "file" : "files";
  if (impact.affected.length === 0) {
    lines.push(`This change (${impact.changedFiles} ${fileNoun}) touches none of the flows.`);
    return lines.join("\n");
  }
  if (impact.selectAllReason) lines.push(`Every flow is selected: ${plainText(impact.selectAllReason)}.`, "");
  lines.push("| Flow | Priority | Risk | Why |", "|---|---|---|---|");
  for (const flow of impact.affected) {
    const why = flow.reasons.map(plainText).join("; ");
    const risk = impact.risk.calibrated ? percent(flow.risk) : `${flow.strength}: ${flow.strengthWhy}`;
    lines.push(`| ${inlineCode(flow.name)} | ${flow.priority} | ${risk} | ${why} |`);
  }
  lines.push("", `Risk: ${impact.risk.basis}.`);
  if (impact.unaffected.length > 0) {
    lines.push("", `Not affected: ${impact.unaffected.map((name) => inlineCode(name)).join(", ")}.`);
  }
  return lines.join("\n");
}

export function renderConfigErrorCheck(error: ConfigError): CheckRunResult {
  const noun = error.issues.length === 1 ? "problem" : "problems";
  const summary = [
    `Perceo could not read \`.perceo/\` at this commit: ${error.issues.length} ${noun}.`,
    "Fix each one at the file and line shown (run `perceo flows check` locally to see them all), then push.",
    "",
    ...error.issues.map((issue) => `- ${plainText(formatIssue(issue))}`),
  ].join("\n");
  const annotations: Annotation[] = error.issues.map((issue) => ({
    path: issue.file,
    start_line: issue.line,
    end_line: issue.line,
    start_column: issue.col,
    end_column: issue.col,
    annotation_level: "failure",
    title: "Perceo config",
    message: issue.message,
  }));
  return {
    conclusion: "failure",
    title: `The Perceo config has ${error.issues.length} ${noun}`,
    summary,
    annotations,
  };
}

export function renderMissingConfigCheck(): CheckRunResult {
  return {
    conclusion: "neutral",
    title: "No Perceo config",
    summary:
      "This repository has no `.perceo/config.yml` at this commit, so there are no flows to select. " +
      "Run `npx perceo init` (or add `.perceo/config.yml` and `.perceo/flows/*.yml`) to start.",
  };
}

export interface PrCommentInput {
  headSha: string;
  impact?: Impact;
  configError?: ConfigError;
  /** Predictions with their outcomes, once the Action's run is known. */
  results?: {
    predictions: Prediction[];
    actual: Array<{ flowName: string; status: FlowStatus }>;
    /** The predicted risk as a percentage only when the project's model was calibrated; else as strength. */
    calibrated?: boolean;
  };
}

export function renderPrComment(input: PrCommentInput): string {
  const lines = ["### Perceo", ""];
  const sha = input.headSha.slice(0, 7);
  if (input.configError) {
    lines.push(
      `❌ The Perceo config at ${sha} has ${input.configError.issues.length} problem(s); see the **Perceo / Impact** check run for each file and line.`,
    );
  } else if (input.results) {
    lines.push(...renderResults(input.results), "", `Results for ${sha}.`);
  } else if (input.impact) {
    lines.push(
      renderImpactBody(input.impact),
      "",
      `Impact of ${sha}; results follow when **Perceo / Flows** finishes.`,
    );
  }
  lines.push("", `<sub>${HELP_LINE}</sub>`);
  return lines.join("\n");
}

const OUTCOME_LABEL: Record<PredictionOutcome, string> = {
  passed: "✅ passed",
  failed: "❌ failed",
  flaky: "⚠️ flaky",
  skipped: "⏭️ skipped",
  not_run: "— not run",
};

function renderResults(results: NonNullable<PrCommentInput["results"]>): string[] {
  const actual = new Map(results.actual.map((a) => [a.flowName, a.status]));
  const predicted = new Map(results.predictions.map((p) => [p.flowName, p]));
  const names = [...new Set([...predicted.keys(), ...actual.keys()])].sort();
  const failed = results.actual.filter((a) => a.status === "failed").length;
  const lines = [
    failed > 0 ? `❌ ${failed} ${failed === 1 ? "flow" : "flows"} failed.` : "✅ Every flow that ran passed.",
    "",
    "| Flow | Predicted risk | Actual |",
    "|---|---|---|",
  ];
  for (const name of names) {
    const p = predicted.get(name);
    const status = actual.get(name);
    const risk = p
      ? results.calibrated
        ? percent(p.probability)
        : riskStrength(p.probability)
      : "not predicted";
    lines.push(`| ${inlineCode(name)} | ${risk} | ${OUTCOME_LABEL[status ?? "not_run"]} |`);
  }
  return lines;
}

export { HELP_LINE };
