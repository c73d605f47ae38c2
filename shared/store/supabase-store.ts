import { type RunResult, runResultSchema } from "../runner/result.ts";
import { type Blobs, uploadRunArtifacts } from "./blobs.ts";
import { againOnConflict, StoreError } from "./errors.ts";
import { artifactsOf, runContextJson } from "./postgres-store.ts";
import type { Baseline, Project, RunStore, RunSummary } from "./store.ts";
import { type HttpOptions, supabaseRequest } from "./supabase-http.ts";

export interface SupabaseStoreOptions extends HttpOptions {
  blobs: Blobs;
}

interface ProjectRow {
  id: string;
  full_name: string;
  installation_id: number | null;
  repository_id: number | null;
  default_branch: string;
  created_at: string;
}

interface TestRunRow {
  id: string;
  run_key: string;
  status: RunSummary["status"];
  source: RunSummary["source"];
  base_url: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  passed_count: number;
  failed_count: number;
  flaky_count: number;
  skipped_count: number;
  commit_sha: string | null;
  branch: string | null;
  pr_number: number | null;
  projects: { full_name: string };
}

interface BaselineRow {
  baseline_id: string;
  screenshot_id: string;
  commit_sha: string;
  branch: string;
  storage_path: string | null;
  path: string | null;
  approved_at: string;
  from_merge_base: boolean | null;
}

const RUN_COLUMNS = [
  "id",
  "run_key",
  "status",
  "source",
  "base_url",
  "started_at",
  "finished_at",
  "duration_ms",
  "passed_count",
  "failed_count",
  "flaky_count",
  "skipped_count",
  "commit_sha",
  "branch",
  "pr_number",
  "projects!inner(full_name)",
].join(",");

/**
 * The operations the Action needs, over Supabase's REST (PostgREST) and Storage APIs with the
 * service role. Multi-row writes go through the same SQL functions as the Postgres adapter
 * (`rpc/record_test_run`, `rpc/approve_run_screenshots`, `rpc/resolve_baseline`), so each one is a single transaction.
 */
export function supabaseStore(options: SupabaseStoreOptions): RunStore {
  const rest = async <T>(request: Parameters<typeof supabaseRequest>[1]): Promise<T> => {
    const response = await supabaseRequest(options, request);
    if (!response || response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  };

  const store: RunStore = {
    backend: "supabase",
    blobs: options.blobs,

    async ensureProject(input) {
      const row: Record<string, unknown> = { full_name: input.fullName };
      if (input.installationId !== undefined) row.installation_id = input.installationId;
      if (input.repositoryId !== undefined) row.repository_id = input.repositoryId;
      if (input.defaultBranch !== undefined) row.default_branch = input.defaultBranch;
      const rows = await againOnConflict(() =>
        rest<ProjectRow[]>({
          method: "POST",
          path: "/rest/v1/projects",
          query: { on_conflict: "full_name", select: "*" },
          headers: { prefer: "resolution=merge-duplicates,return=representation" },
          body: [row],
        }),
      );
      const project = rows?.[0];
      if (!project) throw new StoreError("unavailable", "Supabase returned no row for the upserted project");
      return toProject(project);
    },

    async recordRun(run, context = {}) {
      const parsed = parseRun(run);
      const projectId = context.projectId ?? (await store.ensureProject({ fullName: parsed.project })).id;
      const artifacts = context.reportDir
        ? await uploadRunArtifacts(options.blobs, {
            projectId,
            runId: parsed.id,
            reportDir: context.reportDir,
            ...artifactsOf(parsed),
          })
        : (context.artifacts ?? {});
      const recordId = await rest<string>({
        method: "POST",
        path: "/rest/v1/rpc/record_test_run",
        body: { p_project_id: projectId, p_run: parsed, p_context: runContextJson(context, artifacts) },
      });
      return { recordId, projectId };
    },

    async listRuns({ project, limit = 20, before } = {}) {
      const query: Record<string, string> = {
        select: RUN_COLUMNS,
        order: "started_at.desc,id.desc",
        limit: String(Math.min(Math.max(1, limit), 500)),
      };
      if (project) query["projects.full_name"] = `eq.${project}`;
      if (before) query.started_at = `lt.${before}`;
      const rows = await rest<TestRunRow[]>({ method: "GET", path: "/rest/v1/test_runs", query });
      return rows.map(toRunSummary);
    },

    async getRun(id, { project } = {}) {
      const query: Record<string, string> = {
        select: "id,projects!inner(full_name)",
        order: "started_at.desc",
        limit: "1",
      };
      query.or = isUuid(id) ? `(run_key.eq.${quote(id)},id.eq.${id})` : `(run_key.eq.${quote(id)})`;
      if (project) query["projects.full_name"] = `eq.${project}`;
      const [row] = await rest<Array<{ id: string }>>({ method: "GET", path: "/rest/v1/test_runs", query });
      if (!row) return undefined;
      const result = await rest<unknown>({
        method: "POST",
        path: "/rest/v1/rpc/test_run_result",
        body: { p_test_run_id: row.id },
      });
      return result ? parseRun(result) : undefined;
    },

    async resolveBaseline(query) {
      const rows = await rest<BaselineRow[]>({
        method: "POST",
        path: "/rest/v1/rpc/resolve_baseline",
        body: {
          p_project_id: query.projectId,
          p_flow_name: query.flowName,
          p_step_name: query.stepName,
          p_viewport_width: query.viewport.width,
          p_viewport_height: query.viewport.height,
          p_merge_base_sha: query.mergeBaseSha ?? null,
        },
      });
      const row = rows[0];
      return row ? toBaseline(row) : undefined;
    },

    async approveRunScreenshots(projectId, runId, reviewedBy) {
      return rest<number>({
        method: "POST",
        path: "/rest/v1/rpc/approve_run_screenshots",
        body: { p_project_id: projectId, p_run_key: runId, p_reviewed_by: reviewedBy ?? null },
      });
    },

    async recordPredictionOutcomes(projectId, headSha, outcomes) {
      // One PATCH per outcome value, each naming its flows: `flow_name=in.("a","b")`.
      const byOutcome = new Map<string, string[]>();
      for (const { flowName, actual } of outcomes)
        byOutcome.set(actual, [...(byOutcome.get(actual) ?? []), flowName]);
      let updated = 0;
      const recordedAt = new Date().toISOString();
      for (const [actual, flows] of byOutcome) {
        const rows = await rest<Array<{ id: string }>>({
          method: "PATCH",
          path: "/rest/v1/predictions",
          query: {
            project_id: `eq.${projectId}`,
            head_sha: `eq.${headSha}`,
            flow_name: `in.(${flows.map(quote).join(",")})`,
            select: "id",
          },
          headers: { prefer: "return=representation" },
          body: { actual_result: actual, actual_recorded_at: recordedAt },
        });
        updated += rows.length;
      }
      return updated;
    },

    async close() {
      // Nothing to release: every call is its own HTTP request.
    },
  };
  return store;
}

function parseRun(value: unknown): RunResult {
  const parsed = runResultSchema.safeParse(value);
  if (!parsed.success) {
    throw new StoreError("invalid", `not a run result: ${parsed.error.issues[0]?.message ?? "invalid"}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** PostgREST's quoting for values inside `in.(…)` and `or=(…)`: double quotes, backslash escapes. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** PostgREST returns timestamptz as `2025-01-02T03:04:05.678+00:00`; the Store speaks toISOString(). */
function iso(value: string): string {
  return new Date(value).toISOString();
}

function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    fullName: row.full_name,
    installationId: row.installation_id,
    repositoryId: row.repository_id,
    defaultBranch: row.default_branch,
    createdAt: iso(row.created_at),
  };
}

function toRunSummary(row: TestRunRow): RunSummary {
  return {
    id: row.run_key,
    recordId: row.id,
    project: row.projects.full_name,
    status: row.status,
    source: row.source,
    baseUrl: row.base_url,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    durationMs: row.duration_ms,
    totals: {
      passed: row.passed_count,
      failed: row.failed_count,
      flaky: row.flaky_count,
      skipped: row.skipped_count,
    },
    commitSha: row.commit_sha,
    branch: row.branch,
    prNumber: row.pr_number,
  };
}

function toBaseline(row: BaselineRow): Baseline {
  return {
    baselineId: row.baseline_id,
    screenshotId: row.screenshot_id,
    commitSha: row.commit_sha,
    branch: row.branch,
    storagePath: row.storage_path,
    path: row.path,
    approvedAt: iso(row.approved_at),
    fromMergeBase: row.from_merge_base ?? false,
  };
}
