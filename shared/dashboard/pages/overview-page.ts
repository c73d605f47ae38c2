import { type Calibration, calibrate } from "../../observer/index.ts";
import { escapeHtml as e, formatDuration } from "../../report/index.ts";
import type { FlowHealth, Insight, Prediction, RunSummary } from "../../store/index.ts";
import { percent, renderPage, shortSha, statusBadge, utcTime } from "../layout.ts";
import type { PageContext } from "../page-context.ts";
import { pullRequestReviewPath, runPath } from "../paths.ts";

const HEALTH_WINDOW_DAYS = 30;
const RECENT_RUNS = 20;
/** Runs read in full to find each flow's last failure. */
const RUNS_FOR_FAILURES = 20;

export interface FlowHealthRow extends FlowHealth {
  /** Flaky over the runs that ran; null when none ran. */
  flakyRate: number | null;
  lastFailure: { runId: string; at: string } | null;
}

export interface Overview {
  flows: FlowHealthRow[];
  /** The flow with the largest median duration. */
  slowest: FlowHealthRow | undefined;
  runs: RunSummary[];
  insights: Insight[];
  calibration: Calibration;
}

/** The numbers the overview page shows, from the Store. */
export async function loadOverview(ctx: PageContext, now = new Date()): Promise<Overview> {
  const { store, project } = ctx;
  const since = new Date(now.getTime() - HEALTH_WINDOW_DAYS * 86_400_000);
  const [health, runs, insights] = await Promise.all([
    store.flowHealth(project.id, { since, until: new Date(now.getTime() + 1000) }),
    store.listRuns({ project: project.fullName, limit: RECENT_RUNS }),
    store.listInsights(project.id, { status: ["open"], limit: 20 }),
  ]);
  const lastFailures = new Map<string, { runId: string; at: string }>();
  for (const summary of runs.slice(0, RUNS_FOR_FAILURES)) {
    if (summary.totals.failed === 0 && summary.totals.flaky === 0) continue;
    const run = await store.getRun(summary.recordId);
    for (const flow of run?.flows ?? []) {
      const failed = flow.status === "failed" || flow.status === "flaky";
      if (failed && !lastFailures.has(flow.name))
        lastFailures.set(flow.name, { runId: summary.id, at: summary.startedAt });
    }
  }
  const flows = health.map((h): FlowHealthRow => {
    const ran = h.passed + h.failed + h.flaky;
    return { ...h, flakyRate: ran ? h.flaky / ran : null, lastFailure: lastFailures.get(h.flowName) ?? null };
  });
  const slowest = flows.reduce<FlowHealthRow | undefined>(
    (max, f) => ((f.medianDurationMs ?? -1) > (max?.medianDurationMs ?? -1) ? f : max),
    undefined,
  );
  // Predictions are kept per head commit: score those of the commits the recent runs tested.
  const shas = [...new Set(runs.flatMap((r) => (r.commitSha ? [r.commitSha] : [])))];
  const predictions: Prediction[] = [];
  for (const sha of shas) predictions.push(...(await store.listPredictions(project.id, sha)));
  return { flows, slowest, runs, insights, calibration: calibrate(predictions) };
}

export async function renderOverviewPage(ctx: PageContext): Promise<string> {
  const overview = await loadOverview(ctx);
  const name = ctx.project.fullName;
  const body = `<h1>${e(name)}</h1>
${healthSection(ctx, overview)}
${runsSection(ctx, overview.runs)}
${insightsSection(overview.insights)}
${calibrationSection(overview.calibration)}`;
  return renderPage({
    base: ctx.basePath,
    title: name,
    project: name,
    current: "overview",
    login: ctx.viewer.login,
    body,
  });
}

function healthSection(ctx: PageContext, overview: Overview): string {
  if (overview.flows.length === 0)
    return `<section aria-labelledby="health"><h2 id="health">Flow health</h2><p>No runs in the last ${HEALTH_WINDOW_DAYS} days.</p></section>`;
  const rows = overview.flows
    .map((f) => {
      const failure = f.lastFailure
        ? `<a href="${e(runPath(ctx.basePath, ctx.project.fullName, f.lastFailure.runId))}">${utcTime(f.lastFailure.at)}</a>`
        : "—";
      const slow = f === overview.slowest ? ' <span class="badge slowest">slowest</span>' : "";
      return `<tr><th scope="row">${e(f.flowName)}${slow}</th><td>${f.runs}</td><td>${percent(f.passRate)}</td><td>${percent(
        f.flakyRate,
      )}</td><td>${f.medianDurationMs === null ? "—" : formatDuration(f.medianDurationMs)}</td><td>${
        f.maxDurationMs === null ? "—" : formatDuration(f.maxDurationMs)
      }</td><td>${failure}</td></tr>`;
    })
    .join("");
  return `<section aria-labelledby="health"><h2 id="health">Flow health <small>last ${HEALTH_WINDOW_DAYS} days</small></h2>
<table class="health"><thead><tr><th scope="col">Flow</th><th scope="col">Runs</th><th scope="col">Pass rate</th><th scope="col">Flaky rate</th><th scope="col">Median</th><th scope="col">Slowest run</th><th scope="col">Last failure</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
}

function runsSection(ctx: PageContext, runs: RunSummary[]): string {
  if (runs.length === 0)
    return `<section aria-labelledby="runs"><h2 id="runs">Recent runs</h2><p>No runs recorded yet.</p></section>`;
  const rows = runs
    .map((r) => {
      const pr = r.prNumber
        ? `<a href="${e(pullRequestReviewPath(ctx.basePath, ctx.project.fullName, r.prNumber))}">#${r.prNumber}</a>`
        : "—";
      return `<tr><td><a href="${e(runPath(ctx.basePath, ctx.project.fullName, r.id))}">${e(r.id)}</a></td><td>${utcTime(
        r.startedAt,
      )}</td><td>${statusBadge(r.status)}</td><td>${r.totals.passed}</td><td>${r.totals.failed}</td><td>${
        r.totals.flaky
      }</td><td>${formatDuration(r.durationMs)}</td><td>${e(r.source)}</td><td>${e(r.branch ?? "—")} ${shortSha(
        r.commitSha,
      )}</td><td>${pr}</td></tr>`;
    })
    .join("");
  return `<section aria-labelledby="runs"><h2 id="runs">Recent runs</h2>
<table class="runs"><thead><tr><th scope="col">Run</th><th scope="col">Started</th><th scope="col">Status</th><th scope="col">Passed</th><th scope="col">Failed</th><th scope="col">Flaky</th><th scope="col">Duration</th><th scope="col">Source</th><th scope="col">Commit</th><th scope="col">Pull request</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
}

function insightsSection(insights: Insight[]): string {
  if (insights.length === 0) return "";
  const items = insights
    .map(
      (i) =>
        `<li><span class="badge ${e(i.severity)}">${e(i.severity)}</span> <strong>${e(i.title)}</strong>${
          i.body ? `<p>${e(i.body)}</p>` : ""
        }</li>`,
    )
    .join("");
  return `<section aria-labelledby="insights"><h2 id="insights">Open insights</h2><ul class="insights">${items}</ul></section>`;
}

function calibrationSection(calibration: Calibration): string {
  const head = `<section aria-labelledby="calibration"><h2 id="calibration">Prediction calibration</h2>`;
  if (calibration.count === 0)
    return `${head}<p>No predictions with results yet: <code>perceo affected --record</code> before a run, or the App on a pull request, makes some.</p></section>`;
  const rows = calibration.bins
    .map(
      (b) =>
        `<tr><td>${e(b.band)}</td><td>${b.count}</td><td>${percent(b.meanPredicted)}</td><td>${percent(
          b.observedRate,
        )}</td><td><meter min="0" max="1" value="${b.observedRate}" aria-label="failed ${percent(b.observedRate)}"></meter></td></tr>`,
    )
    .join("");
  return `${head}
<p>Brier score <strong class="brier">${calibration.brier?.toFixed(3)}</strong> over ${calibration.count} predictions (the base rate alone scores ${calibration.baseline?.toFixed(3)}; lower is better).</p>
<table class="reliability"><thead><tr><th scope="col">Predicted</th><th scope="col">Flows</th><th scope="col">Mean prediction</th><th scope="col">Failed</th><th scope="col"><span class="visually-hidden">Observed</span></th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
}
