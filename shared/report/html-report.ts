import type { AttemptResult, FlowResult, RunResult, StepResult } from "../runner/index.ts";
import { escapeHtml as e, formatDuration, pluralize } from "./format.ts";

/** `perceo-report/index.html`: one self-contained page; screenshots and traces are linked by relative path. */
export function renderHtmlReport(run: RunResult): string {
  const { totals } = run;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Perceo report — ${e(run.project)}</title>
<style>${STYLES}</style>
</head>
<body>
<header>
  <h1>Perceo report — ${e(run.project)}</h1>
  <p class="meta">${e(run.baseUrl)} · ${e(new Date(run.startedAt).toUTCString())} · ${formatDuration(run.durationMs)} · ${e(run.browser.name)} ${e(run.browser.version)}</p>
  <p class="totals">
    <span class="badge passed">${totals.passed} passed</span>
    <span class="badge failed">${totals.failed} failed</span>
    <span class="badge flaky">${totals.flaky} flaky</span>
    ${totals.skipped ? `<span class="badge skipped">${totals.skipped} skipped</span>` : ""}
  </p>
</header>
<main>
<table class="flows">
  <thead><tr><th>Flow</th><th>Priority</th><th>Status</th><th>Duration</th><th>Attempts</th></tr></thead>
  <tbody>
${run.flows.map(flowRow).join("\n")}
  </tbody>
</table>
${run.flows.map(flowSection).join("\n")}
</main>
</body>
</html>
`;
}

function statusBadge(status: FlowResult["status"]): string {
  return `<span class="badge ${status}">${status}</span>`;
}

function flowRow(flow: FlowResult): string {
  return `    <tr class="${flow.status}"><td><a href="#flow-${e(flow.name)}">${e(flow.name)}</a></td><td>${flow.priority}</td><td>${statusBadge(flow.status)}</td><td>${formatDuration(flow.durationMs)}</td><td>${flow.attempts.length}</td></tr>`;
}

function flowSection(flow: FlowResult): string {
  const last = flow.attempts[flow.attempts.length - 1];
  const earlier = flow.attempts.slice(0, -1);
  return `<section class="flow ${flow.status}" id="flow-${e(flow.name)}">
  <h2>${statusBadge(flow.status)} <span class="name">${e(flow.name)}</span></h2>
  <p class="meta">${e(flow.file)} · ${flow.priority} · ${formatDuration(flow.durationMs)} · ${pluralize(flow.attempts.length, "attempt")}</p>
  ${last ? attemptBlock(last, flow.attempts.length > 1) : "<p>Not run.</p>"}
  ${earlier.map((a) => `<details><summary>Attempt ${a.attempt}: ${a.status}</summary>${attemptBlock(a, true)}</details>`).join("\n")}
</section>`;
}

function attemptBlock(attempt: AttemptResult, numbered: boolean): string {
  const error = attempt.error
    ? `<div class="error"><p>${e(attempt.error.message)}</p>${
        attempt.error.expected !== undefined ? `<p><b>Expected:</b> ${e(attempt.error.expected)}</p>` : ""
      }${attempt.error.actual !== undefined ? `<p><b>Found:</b> ${e(attempt.error.actual)}</p>` : ""}</div>`
    : "";
  const trace = attempt.trace
    ? `<p class="trace">Trace: <a href="${e(attempt.trace)}">${e(attempt.trace)}</a> — open with <code>npx playwright show-trace ${e(attempt.trace)}</code> or drop it on trace.playwright.dev</p>`
    : "";
  const shots = attempt.screenshots
    .map(
      (s) =>
        `<figure><a href="${e(s.path)}"><img src="${e(s.path)}" alt="Screenshot ${e(s.name)}" loading="lazy"></a><figcaption>${e(s.name)} · ${s.viewport.width}×${s.viewport.height}</figcaption></figure>`,
    )
    .join("");
  return `${numbered ? `<h3>Attempt ${attempt.attempt}</h3>` : ""}${error}
  <ol class="steps">${attempt.steps.map(stepItem).join("")}</ol>
  ${shots ? `<div class="shots">${shots}</div>` : ""}${trace}`;
}

function stepItem(step: StepResult): string {
  const where = `${step.location.file}:${step.location.line}`;
  const error = step.error ? `<div class="step-error">${e(step.error.message)}</div>` : "";
  const note = step.note ? `<div class="step-note">${e(step.note)}</div>` : "";
  return `<li class="${step.status}"><span class="title">${e(step.title)}</span> <span class="dur">${
    step.status === "skipped" ? "skipped" : formatDuration(step.durationMs)
  }</span> <span class="where">${e(where)}</span>${note}${error}</li>`;
}

const STYLES = `
:root { color-scheme: light; --ok:#1a7f37; --bad:#cf222e; --warn:#9a6700; --mute:#57606a; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
header, main { max-width: 1100px; margin: 0 auto; padding: 16px 24px; }
header { background: #fff; border-bottom: 1px solid #d0d7de; max-width: none; }
h1 { margin: 0 0 4px; font-size: 22px; }
.meta { color: var(--mute); margin: 0 0 8px; font-size: 13px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; font-size: 13px; margin-right: 6px; }
.badge.passed { background: #dafbe1; color: var(--ok); } .badge.failed { background: #ffebe9; color: var(--bad); }
.badge.flaky { background: #fff8c5; color: var(--warn); } .badge.skipped { background: #eaeef2; color: var(--mute); }
table.flows { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid #d0d7de; margin: 16px 0; }
table.flows th, table.flows td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #eaeef2; }
section.flow { background: #fff; border: 1px solid #d0d7de; border-left: 4px solid var(--ok); border-radius: 6px; padding: 8px 16px; margin: 16px 0; }
section.flow.failed { border-left-color: var(--bad); } section.flow.flaky { border-left-color: var(--warn); }
h2 { font-size: 17px; margin: 6px 0; } h3 { font-size: 14px; }
ol.steps { padding-left: 24px; } ol.steps li { margin: 2px 0; }
li.failed .title { color: var(--bad); font-weight: 600; } li.skipped { color: var(--mute); }
.dur, .where { color: var(--mute); font-size: 12px; } .where { font-family: ui-monospace, monospace; }
.error, .step-error { background: #ffebe9; border-radius: 4px; padding: 6px 10px; margin: 6px 0; font-family: ui-monospace, monospace; font-size: 13px; white-space: pre-wrap; }
.step-note { color: var(--mute); font-size: 13px; margin: 2px 0 4px; }
.shots { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; max-width: 340px; } figure img { max-width: 100%; border: 1px solid #d0d7de; border-radius: 4px; }
figcaption { font-size: 12px; color: var(--mute); }
`;
