import * as core from "@actions/core";
import type { RunResult } from "../shared/runner/index.ts";
import {
  openPostgresStore,
  openStore,
  type RunContext,
  type RunStore,
  StoreError,
} from "../shared/store/index.ts";
import type { RunEventContext } from "./github-event.ts";
import {
  type IngestClient,
  IngestRejectedError,
  IngestUnavailableError,
  ingestClient,
} from "./ingest-client.ts";
import type { ActionInputs } from "./inputs.ts";
import type { BaselineLookup, VisualComparison } from "./visual-compare.ts";

/** The embedded database and its screenshots, under the workspace: what actions/cache must keep. */
export const EMBEDDED_DIRS = [".perceo/data", ".perceo/blobs"] as const;

/** Where this run's results go, or why they go nowhere. */
export type ResultsBackend =
  | { kind: "store"; description: string; store: RunStore; projectId: string; embedded: boolean }
  | { kind: "ingest"; description: string; client: IngestClient }
  | { kind: "none"; description: string; reason: string };

/**
 * Picks the backend: Supabase with a key, else the App's ingest route with an OIDC token, else the
 * embedded database (PGlite, in the bundle) under the workspace. A fork's pull request gets none
 * (its workflow has no secrets and no id-token), and a backend that cannot be reached is a warning: the run goes on and is kept in the report.
 */
export async function openResultsBackend(
  inputs: ActionInputs,
  event: RunEventContext,
): Promise<ResultsBackend> {
  if (event.fromFork) {
    const reason =
      "this pull request comes from a fork: GitHub gives its workflow no secrets and no id-token, so the run is kept only in this job summary and the perceo-report artifact";
    return { kind: "none", description: "nothing (fork pull request)", reason };
  }
  if (!inputs["supabase-url"] && inputs["ingest-url"]) {
    return {
      kind: "ingest",
      description: `the Perceo App at ${inputs["ingest-url"]}`,
      client: ingestClient({ url: inputs["ingest-url"] }),
    };
  }
  const supabase = inputs["supabase-url"] && inputs["supabase-key"];
  const description = supabase
    ? `Supabase at ${inputs["supabase-url"]}`
    : `the embedded database in ${EMBEDDED_DIRS[0]}`;
  try {
    const store = supabase
      ? await openStore({
          env: { SUPABASE_URL: inputs["supabase-url"], SUPABASE_SERVICE_ROLE_KEY: inputs["supabase-key"] },
          cwd: event.workspace,
        })
      : await openPostgresStore({ env: {}, cwd: event.workspace });
    try {
      const project = await store.ensureProject({
        fullName: event.repository,
        ...(event.repositoryId !== undefined ? { repositoryId: event.repositoryId } : {}),
        ...(event.defaultBranch !== undefined ? { defaultBranch: event.defaultBranch } : {}),
      });
      return { kind: "store", description, store, projectId: project.id, embedded: !supabase };
    } catch (error) {
      await store.close();
      throw error;
    }
  } catch (error) {
    if (error instanceof StoreError && error.code !== "unavailable") throw error;
    const reason = `${description} could not be reached (${(error as Error).message}); the results are kept in this job's perceo-report artifact`;
    return { kind: "none", description: `nothing (${description} unreachable)`, reason };
  }
}

/**
 * Baselines from the store, or from the App for the ingest backend (the same resolution, on its
 * side): newest approved on the default branch, the merge base's first.
 */
export function baselineLookup(
  backend: ResultsBackend,
  mergeBaseSha: string | undefined,
): BaselineLookup | undefined {
  if (backend.kind === "ingest") {
    return (flow, shot) => backend.client.findBaseline({ flow, shot, mergeBaseSha });
  }
  if (backend.kind !== "store") return undefined;
  return async (flowName, shot) => {
    const baseline = await backend.store.resolveBaseline({
      projectId: backend.projectId,
      flowName,
      stepName: shot.name,
      viewport: shot.viewport,
      ...(mergeBaseSha ? { mergeBaseSha } : {}),
    });
    if (!baseline?.storagePath) return undefined;
    const png = await backend.store.blobs.get("screenshots", baseline.storagePath);
    return png ? { png, commitSha: baseline.commitSha } : undefined;
  };
}

export interface RecordOutcome {
  stored: boolean;
  /** What a person reads in the summary: where the run went, or why it went nowhere. */
  message: string;
  baselinesUpdated: number;
  /** Where the stored run lives when only this runner holds it, and how to keep it for the next run. */
  keepNote?: string;
  /** The backend refused the results (a setup problem, not an outage): the job fails after reporting. */
  refused?: string;
}

/** Stores the run (idempotent on its id: workflow run, attempt and shard) and, when asked, its new baselines. */
export async function recordResults(
  backend: ResultsBackend,
  input: {
    run: RunResult;
    context: RunContext;
    visual: VisualComparison;
    updateBaselines: boolean;
    event: RunEventContext;
  },
): Promise<RecordOutcome> {
  if (backend.kind === "none")
    return { stored: false, message: `Not stored: ${backend.reason}.`, baselinesUpdated: 0 };
  try {
    if (backend.kind === "ingest") {
      const sent = await backend.client.sendRun({
        run: input.run,
        context: input.context,
        reportDir: input.context.reportDir ?? "",
        updateBaselines: input.updateBaselines,
      });
      if (sent.baselinesRefused) {
        core.warning(`Perceo: update-baselines: ${sent.baselinesRefused}; the baselines stay as they were`);
      }
      const pictures = sent.screenshots > 0 ? ` with ${sent.screenshots} screenshots` : "";
      return {
        stored: true,
        message: `Sent to ${backend.description}${pictures}.`,
        baselinesUpdated: sent.baselinesUpdated,
      };
    }
    await backend.store.recordRun(input.run, { ...input.context, projectId: backend.projectId });
    const baselinesUpdated = input.updateBaselines
      ? await promoteBaselines(backend, input.run, input.context)
      : 0;
    return {
      stored: true,
      message: `Stored in ${backend.description} as run ${input.run.id}.`,
      baselinesUpdated,
      ...(backend.embedded ? { keepNote: embeddedNote(input.event.workspace) } : {}),
    };
  } catch (error) {
    if (error instanceof IngestRejectedError) {
      return {
        stored: false,
        message: `Not stored: ${error.message}.`,
        baselinesUpdated: 0,
        refused: error.message,
      };
    }
    if (error instanceof StoreError && error.code !== "unavailable") throw error;
    if (!(error instanceof StoreError) && !(error instanceof IngestUnavailableError)) throw error;
    const message = `Not stored: ${backend.description} could not be reached (${error.message}); the results are kept in this job's perceo-report artifact.`;
    core.warning(message);
    return { stored: false, message, baselinesUpdated: 0 };
  } finally {
    if (backend.kind === "store") await backend.store.close();
  }
}

/**
 * Makes this run's screenshots the baselines of their (flow, step, viewport) at this commit, in one
 * transaction in the store: every backend (embedded, Postgres, Supabase) approves them the same way.
 */
async function promoteBaselines(
  backend: Extract<ResultsBackend, { kind: "store" }>,
  run: RunResult,
  context: RunContext,
): Promise<number> {
  if (!context.commitSha || !context.branch) {
    core.warning(
      "update-baselines: this run has no commit or branch to record baselines on; none were updated",
    );
    return 0;
  }
  return backend.store.approveRunScreenshots(backend.projectId, run.id, "perceo/action");
}

/**
 * A runner's workspace is thrown away after the job: the embedded database outlives it only in
 * actions/cache, which is what carries the default branch's baselines to the next pull request.
 */
function embeddedNote(workspace: string): string {
  const [data, blobs] = EMBEDDED_DIRS;
  return `The embedded database lives in \`${data}\` (runs, baselines) and \`${blobs}\` (screenshots) under the workspace (${workspace}), which the runner discards after the job: keep both between runs with actions/cache — restore before this step, save after it on pushes to the default branch (see examples/workflows/perceo.yml) — or the next run starts with no baselines.`;
}
