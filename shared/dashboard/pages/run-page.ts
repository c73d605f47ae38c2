import { escapeHtml as e, formatDuration, pluralize } from "../../report/index.ts";
import type { AttemptResult, FlowResult, RunResult, StepResult } from "../../runner/index.ts";
import { artifactPath } from "../../store/index.ts";
import { DashboardError } from "../http.ts";
import { renderPage, statusBadge, utcTime } from "../layout.ts";
import { objectUrl, type PageContext } from "../page-context.ts";

/** One run: its flows, every attempt, the steps with file:line, screenshots and traces. */
export async function renderRunPage(ctx: PageContext, runId: string): Promise<string> {
  const run = await ctx.store.getRun(runId, { project: ctx.project.fullName });
  // getRun falls back to any project's run of that id; another project's run is not this page's.
  if (!run || run.project !== ctx.project.fullName)
    throw new DashboardError(404, `no run "${runId}" in this project`);
  const { totals } = run;
  const body = `<h1>Run <code>${e(run.id)}</code></h1>
<p class="meta">${e(run.baseUrl)} · ${utcTime(run.startedAt)} · ${formatDuration(run.durationMs)} · ${e(run.browser.name)} ${e(run.browser.version)}</p>
<p>${statusBadge(run.status)} ${totals.passed} passed · ${totals.failed} failed · ${totals.flaky} flaky${totals.skipped ? ` · ${totals.skipped} skipped` : ""}</p>
<table class="flows"><thead><tr><th scope="col">Flow</th><th scope="col">Priority</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Attempts</th></tr></thead>
<tbody>${run.flows.map(flowRow).join("")}</tbody></table>
${run.flows.map((f, i) => flowSection(ctx, run, f, i)).join("\n")}`;
  return renderPage({
    base: ctx.basePath,
    title: `Run ${run.id}`,
    project: ctx.project.fullName,
    current: "runs",
    login: ctx.viewer.login,
    body,
  });
}

function flowRow(flow: FlowResult, index: number): string {
  return `<tr><th scope="row"><a href="#flow-${index}">${e(flow.name)}</a></th><td>${e(flow.priority)}</td><td>${statusBadge(
    flow.status,
  )}</td><td>${formatDuration(flow.durationMs)}</td><td>${flow.attempts.length}</td></tr>`;
}

function flowSection(ctx: PageContext, run: RunResult, flow: FlowResult, index: number): string {
  const attempts = flow.attempts
    .map((a, i) => {
      const last = i === flow.attempts.length - 1;
      const block = attemptBlock(ctx, run, a);
      return last
        ? `<h3>Attempt ${a.attempt} · ${statusBadge(a.status)} · ${formatDuration(a.durationMs)}</h3>${block}`
        : `<details><summary>Attempt ${a.attempt}: ${e(a.status)} · ${formatDuration(a.durationMs)}</summary>${block}</details>`;
    })
    .join("");
  return `<section class="flow ${e(flow.status)}" id="flow-${index}" aria-labelledby="flow-${index}-name">
<h2 id="flow-${index}-name">${statusBadge(flow.status)} ${e(flow.name)}</h2>
<p class="meta">${e(flow.file)} · ${e(flow.priority)} · ${formatDuration(flow.durationMs)} · ${pluralize(flow.attempts.length, "attempt")}</p>
${attempts || "<p>Not run.</p>"}
</section>`;
}

function attemptBlock(ctx: PageContext, run: RunResult, attempt: AttemptResult): string {
  const error = attempt.error ? `<div class="error">${errorText(attempt.error)}</div>` : "";
  const stored = (bucket: "screenshots" | "traces", reportPath: string) =>
    objectUrl(ctx, bucket, artifactPath(ctx.project.id, run.id, reportPath));
  const shots = attempt.screenshots
    .map((s) => {
      const src = stored("screenshots", s.path);
      const img = src
        ? `<a href="${e(src)}"><img src="${e(src)}" alt="Screenshot ${e(s.name)}" loading="lazy"></a>`
        : "";
      return `<figure>${img}<figcaption>${e(s.name)} · step ${s.stepIndex + 1} · ${s.viewport.width}×${s.viewport.height}</figcaption></figure>`;
    })
    .join("");
  const traceUrl = attempt.trace ? stored("traces", attempt.trace) : undefined;
  const trace =
    attempt.trace && traceUrl
      ? `<p class="trace"><a href="${e(traceUrl)}">Download the trace</a>, then <code>npx playwright show-trace ${e(
          attempt.trace.split("/").pop() ?? attempt.trace,
        )}</code></p>`
      : "";
  return `${error}<ol class="steps">${attempt.steps.map(stepItem).join("")}</ol>${
    shots ? `<div class="shots">${shots}</div>` : ""
  }${trace}`;
}

function errorText(error: NonNullable<AttemptResult["error"]>): string {
  return `<p>${e(error.message)}</p>${error.expected !== undefined ? `<p><b>Expected:</b> ${e(error.expected)}</p>` : ""}${
    error.actual !== undefined ? `<p><b>Found:</b> ${e(error.actual)}</p>` : ""
  }`;
}

function stepItem(step: StepResult): string {
  const where = `${step.location.file}:${step.location.line}`;
  return `<li class="${e(step.status)}"><span class="title">${e(step.title)}</span> <span class="dur">${
    step.status === "skipped" ? "skipped" : formatDuration(step.durationMs)
  }</span> <code class="where">${e(where)}</code>${step.note ? `<div class="step-note">${e(step.note)}</div>` : ""}${
    step.error ? `<div class="step-error">${errorText(step.error)}</div>` : ""
  }</li>`;
}
