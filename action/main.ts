import { writeFile } from "node:fs/promises";
import path from "node:path";
import * as core from "@actions/core";
import { ConfigError } from "../shared/config/index.ts";
import { openAiSteps } from "../shared/llm/index.ts";
import { GitError } from "../shared/observer/index.ts";
import {
  loadProjectWithTests,
  mergeRuns,
  PlaywrightSetupError,
  type PlaywrightSuite,
  REPORTER_PATH,
  runPlaywrightTests,
} from "../shared/playwright/index.ts";
import { writeReport } from "../shared/report/index.ts";
import { BrowserNotFoundError, type RunResult, runFlows } from "../shared/runner/index.ts";
import type { RunContext } from "../shared/store/index.ts";
import { CheckRunError, publishFlowsCheckRun } from "./check-run.ts";
import { buildAnnotations, checkConclusion, checkTitle, renderFlowsSummary } from "./flows-report.ts";
import { findMergeBase, listChanges } from "./git-diff.ts";
import { type RunEventContext, readRunEvent } from "./github-event.ts";
import { IngestRejectedError, IngestUnavailableError } from "./ingest-client.ts";
import { ActionInputError, type ActionInputs, readInputs } from "./inputs.ts";
import { baselineLookup, openResultsBackend, recordResults } from "./results-backend.ts";
import { keepShard, selectFlowsForRun } from "./select-flows.ts";
import { RESULTS_FILE, uploadReport } from "./upload-report.ts";
import {
  type BaselineLookup,
  compareScreenshotsWithBaselines,
  type VisualComparison,
} from "./visual-compare.ts";

export const REPORT_DIR = "perceo-report";

/** Something outside the flows went wrong (browser, config, base URL, git): the run could not happen. */
class InfrastructureError extends Error {
  override name = "InfrastructureError";
}

/**
 * The Action, start to end:
 * 1. read the inputs and the event; load `.perceo/`
 * 2. diff the merge base with HEAD (fetching history a shallow checkout lacks) and select flows
 * 3. keep this shard's flows and run them in Chromium against base-url
 * 4. compare screenshots with their baselines; store the run (and new baselines on default-branch pushes)
 * 5. report: check run `Perceo / Flows`, job summary, outputs; fail per fail-on
 */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const event = readRunEvent(process.env);
    const { run: result, visual, refused } = await runPerceo(inputs, event);
    // Told apart from flow failures: the results were fine, where they should go was not.
    if (refused) core.setFailed(`Perceo could not store the results: ${refused}`);
    failPerPolicy(inputs["fail-on"], result, visual);
  } catch (error) {
    core.setFailed(explainFailure(error));
  }
}

async function runPerceo(
  inputs: ActionInputs,
  event: RunEventContext,
): Promise<{ run: RunResult; visual: VisualComparison; refused: string | undefined }> {
  const workspace = event.workspace;
  const projectRoot = path.resolve(workspace, inputs.config);
  const project = await loadProjectWithTests(projectRoot, { cwd: workspace, env: process.env });

  // The merge base picks the flows (affected) and the baselines (always): without it, named or all
  // flows still run, compared with the newest baselines on the default branch.
  const mergeBase = event.baseSha
    ? await findMergeBase(workspace, event.baseSha).catch((error: unknown) => {
        if (inputs.flows.kind === "affected" || !(error instanceof GitError)) throw error;
        core.warning(`Perceo: ${error.message}; screenshots are compared with the newest baselines instead`);
        return undefined;
      })
    : undefined;
  const changes =
    mergeBase && inputs.flows.kind === "affected" ? await listChanges(workspace, mergeBase) : undefined;
  const selection = await selectFlowsForRun(project, inputs.flows, {
    changes,
    projectDir: path.relative(workspace, projectRoot).split(path.sep).join("/"),
    ...(project.playwright
      ? { appDir: path.relative(workspace, project.playwright.appDir).split(path.sep).join("/") }
      : {}),
    repositoryRoot: workspace,
    ...(inputs["anthropic-api-key"] ? { anthropicApiKey: inputs["anthropic-api-key"] } : {}),
  });
  const flows = keepShard(selection.selected, inputs.shard);
  core.setOutput("affected-flows", JSON.stringify(selection.selected.map((flow) => flow.name)));
  const shardNote =
    inputs.shard.total > 1 ? `, shard ${inputs.shard.index}/${inputs.shard.total}: ${flows.length} here` : "";
  if (selection.degraded) core.warning(`Perceo: ${selection.basis}`);
  else core.info(`Perceo: ${selection.basis}${shardNote}`);

  const baseUrl = inputs["base-url"] ?? project.config.baseUrl;
  const reportDir = path.join(workspace, REPORT_DIR);
  const runId = `gh-${event.runId}-${event.runAttempt}-shard-${inputs.shard.index}-of-${inputs.shard.total}`;
  // Playwright tests reach the app through their own config (baseURL, webServer); YAML flows need it up now.
  const yamlFlows = flows.filter((flow) => !flow.test);
  const tests = flows.filter((flow) => flow.test);
  if (yamlFlows.length > 0) await assertReachable(baseUrl);
  const backend = await openResultsBackend(inputs, event);
  if (backend.kind === "none") core.warning(`Perceo: ${backend.reason}`);

  const ran = flows.length > 0 ? await runSelectedFlows() : emptyRun();
  const result: RunResult = { ...ran, id: runId };
  await writeReport(result, reportDir);

  const lookup = baselineLookup(backend, mergeBase);
  const compared = lookup ? await compareOrExplain(result, reportDir, lookup) : undefined;
  const visual = compared?.visual ?? { changes: [], unchanged: 0, withoutBaseline: 0 };
  const updateBaselines =
    inputs["update-baselines"] === "true" ||
    (inputs["update-baselines"] === "auto" && event.isDefaultBranchPush);
  const context: RunContext = {
    source: "ci",
    commitSha: event.headSha,
    ...(event.branch ? { branch: event.branch } : {}),
    ...(event.prNumber !== undefined ? { prNumber: event.prNumber } : {}),
    ciRunId: event.runId,
    ciRunAttempt: event.runAttempt,
    reportDir,
  };
  const recorded = await recordResults(backend, { run: result, context, visual, updateBaselines, event });
  if (!recorded.stored) {
    await writeFile(
      path.join(reportDir, RESULTS_FILE),
      `${JSON.stringify({ notStored: recorded.message, run: result, context, visual }, null, 2)}\n`,
    );
  }
  const runUrl = `${event.serverUrl}/${event.repository}/actions/runs/${event.runId}`;
  const artifact = await core.group("Uploading the report as a workflow artifact", () =>
    uploadReport({
      name: `perceo-report-shard-${inputs.shard.index}-of-${inputs.shard.total}-attempt-${event.runAttempt}`,
      reportDir,
      run: result,
      visual,
      includeResults: !recorded.stored,
      runUrl,
    }),
  );
  if (!artifact.uploaded && process.env.ACTIONS_RUNTIME_TOKEN) {
    core.warning(`Perceo: the report was not uploaded as an artifact: ${artifact.reason}`);
  }

  const summary = renderFlowsSummary({
    run: result,
    visual,
    selection: `${selection.basis}${shardNote}`,
    storage: [
      recorded.message,
      recorded.baselinesUpdated > 0 ? `${recorded.baselinesUpdated} screenshots became baselines.` : "",
      recorded.keepNote ?? "",
    ]
      .filter(Boolean)
      .join(" "),
    reportNote: artifact.uploaded
      ? `Screenshots, diffs and traces: the artifact [${artifact.name}](${artifact.url}) (${artifact.files} files${recorded.stored ? "" : ", with the results as run.json and results.json"}).`
      : `Screenshots, diffs and traces: the \`${REPORT_DIR}\` folder on the runner, not uploaded as an artifact: ${artifact.reason}.`,
    ...(visualNote(compared, visual, backend.description) ?? {}),
  });
  await reportCheckRun(inputs, event, result, visual, summary);
  await core.summary.addRaw(summary).write();
  setRunOutputs(result, visual, reportDir);
  return { run: result, visual, refused: recorded.refused };

  async function runSelectedFlows(): Promise<RunResult> {
    const runs: RunResult[] = [];
    if (yamlFlows.length > 0) runs.push(await runYamlFlows());
    if (tests.length > 0 && project.playwright) runs.push(await runTests(project.playwright));
    return runs.length > 0 ? runs.reduce((merged, next) => mergeRuns(merged, next)) : emptyRun();
  }

  async function runTests(suite: PlaywrightSuite): Promise<RunResult> {
    return core.group(
      `Running ${tests.length} Playwright tests with the project's Playwright ${suite.version}`,
      () =>
        runPlaywrightTests({
          suite,
          flows: tests,
          project: project.config.project,
          baseUrl,
          outputDir: reportDir,
          cwd: workspace,
          env: process.env,
          reporterPath: decodeURIComponent(REPORTER_PATH.pathname),
          ...(inputs.workers !== undefined ? { workers: inputs.workers } : {}),
          ...(inputs.retries !== undefined ? { retries: inputs.retries } : {}),
          onOutput: (line) => {
            if (line.startsWith("perceo: ")) core.info(line.slice(8));
          },
        }),
    );
  }

  async function runYamlFlows(): Promise<RunResult> {
    // ai steps replay from the committed .perceo/ai-cache.json; Claude re-resolves only with a key.
    const ai = await openAiSteps({
      projectRoot,
      flows: yamlFlows,
      apiKey: inputs["anthropic-api-key"] || undefined,
      settings: project.config.ai,
    });
    const ran = await core.group(`Running ${yamlFlows.length} flows against ${baseUrl}`, () =>
      runFlows({
        project: project.config.project,
        baseUrl,
        flows: yamlFlows,
        personas: project.personas,
        settings: {
          ...project.config.runner,
          ...(inputs.workers !== undefined ? { workers: inputs.workers } : {}),
          ...(inputs.retries !== undefined ? { retries: inputs.retries } : {}),
        },
        outputDir: reportDir,
        ...(inputs["browser-path"] ? { browserPath: inputs["browser-path"] } : {}),
        env: process.env,
        ...(ai ? { ai: ai.options } : {}),
        onEvent: (e) => {
          if (e.type === "flow-end") core.info(`${e.result.status.padEnd(7)} ${e.result.name}`);
        },
      }),
    );
    const aiSummary = await ai?.finish(ran);
    if (aiSummary?.includes("resolved by Claude"))
      core.warning(
        `${aiSummary}. Resolutions made in CI are not kept: run perceo flows resolve and commit it.`,
      );
    else if (aiSummary) core.info(aiSummary);
    return ran;
  }

  function emptyRun(): RunResult {
    const now = new Date().toISOString();
    return {
      id: runId,
      project: project.config.project,
      baseUrl,
      startedAt: now,
      finishedAt: now,
      durationMs: 0,
      status: "passed",
      browser: { name: "chromium", version: "not started", executablePath: "" },
      flows: [],
      totals: { passed: 0, failed: 0, flaky: 0, skipped: 0 },
    };
  }
}

/**
 * Compares with the baselines; when the App refuses or cannot be reached for them, the run goes on
 * uncompared and says why (storing the results reports the same problem).
 */
async function compareOrExplain(
  result: RunResult,
  reportDir: string,
  lookup: BaselineLookup,
): Promise<{ visual: VisualComparison } | { visual?: undefined; notCompared: string }> {
  try {
    return { visual: await compareScreenshotsWithBaselines(result, reportDir, lookup) };
  } catch (error) {
    if (!(error instanceof IngestRejectedError) && !(error instanceof IngestUnavailableError)) throw error;
    core.warning(`Perceo: screenshots were not compared: ${error.message}`);
    return { notCompared: error.message };
  }
}

function visualNote(
  compared: Awaited<ReturnType<typeof compareOrExplain>> | undefined,
  visual: VisualComparison,
  backend: string,
): { visualNote: string } | undefined {
  if (!compared)
    return { visualNote: `Screenshots were not compared: no baselines without a store (${backend}).` };
  if (!compared.visual) return { visualNote: `Screenshots were not compared: ${compared.notCompared}.` };
  if (visual.withoutBaseline > 0) {
    return {
      visualNote: `${visual.withoutBaseline} screenshots have no baseline yet; a push to the default branch records them.`,
    };
  }
  return undefined;
}

/** A fork's token cannot write checks, and without a token there is nothing to write with. */
async function reportCheckRun(
  inputs: ActionInputs,
  event: RunEventContext,
  result: RunResult,
  visual: VisualComparison,
  summary: string,
): Promise<void> {
  if (event.fromFork || !inputs["github-token"]) return;
  try {
    await publishFlowsCheckRun({
      apiUrl: event.apiUrl,
      token: inputs["github-token"],
      repository: event.repository,
      headSha: event.headSha,
      conclusion: checkConclusion(result, visual, inputs["fail-on"]),
      startedAt: result.startedAt,
      completedAt: result.finishedAt,
      detailsUrl: `${event.serverUrl}/${event.repository}/actions/runs/${event.runId}`,
      externalId: result.id,
      title: checkTitle(result, visual),
      summary,
      annotations: buildAnnotations(result, visual),
    });
  } catch (error) {
    if (!(error instanceof CheckRunError)) throw error;
    core.warning(`Perceo: the check run was not written: ${error.message}`);
  }
}

function setRunOutputs(result: RunResult, visual: VisualComparison, reportDir: string): void {
  core.setOutput("passed", result.totals.passed);
  core.setOutput("failed", result.totals.failed);
  core.setOutput("flaky", result.totals.flaky);
  core.setOutput("visual-changes", visual.changes.length);
  core.setOutput("report-path", reportDir);
  core.setOutput("run-id", result.id);
}

function failPerPolicy(failOn: ActionInputs["fail-on"], result: RunResult, visual: VisualComparison): void {
  if (failOn === "never") return;
  const failed = result.flows.filter((flow) => flow.status === "failed").map((flow) => flow.name);
  if (failed.length > 0) {
    core.setFailed(
      `${failed.length} flows failed: ${failed.join(", ")} — see the Perceo / Flows check run and the job summary`,
    );
    return;
  }
  if (failOn === "visual" && visual.changes.length > 0) {
    core.setFailed(
      `${visual.changes.length} screenshots changed (fail-on: visual) — review the diffs in the job summary; a push to the default branch makes them the baselines`,
    );
  }
}

async function assertReachable(baseUrl: string): Promise<void> {
  try {
    await fetch(baseUrl, { method: "GET", redirect: "manual", signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    const cause =
      (error as Error).cause instanceof Error
        ? ((error as Error).cause as Error).message
        : (error as Error).message;
    throw new InfrastructureError(
      `base-url ${baseUrl} is unreachable (${cause}) — start the app before this step and wait for it, or set base-url to a preview URL`,
    );
  }
}

/** One line that says what to fix; infrastructure problems are told apart from flow failures. */
function explainFailure(error: unknown): string {
  if (error instanceof ConfigError) return `Perceo could not load its config:\n${error.message}`;
  if (error instanceof BrowserNotFoundError) {
    return `Perceo could not start a browser: ${error.message} — set browser-path or run \`npx playwright-core install chromium\` before this step`;
  }
  if (error instanceof PlaywrightSetupError)
    return `Perceo could not run the Playwright tests: ${error.message}`;
  if (
    error instanceof ActionInputError ||
    error instanceof InfrastructureError ||
    error instanceof GitError ||
    error instanceof IngestRejectedError
  ) {
    return `Perceo could not run: ${error.message}`;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `Perceo failed unexpectedly (infrastructure error, not a flow failure): ${message}`;
}
