import { type RunResult, runResultSchema } from "../runner/result.ts";
import { type Blobs, uploadRunArtifacts } from "./blobs.ts";
import type { Database, Queryable } from "./database.ts";
import { againOnConflict, StoreError } from "./errors.ts";
import type {
  Analysis,
  AnalyticsEventInput,
  Baseline,
  ChangeCheckpoint,
  ChangeLifecycleEvent,
  Deploy,
  DetectedChange,
  FlowHealth,
  Insight,
  Page,
  PageBaseline,
  PageCapture,
  Prediction,
  Project,
  RecordedRun,
  RunContext,
  RunSummary,
  Screenshot,
  Store,
  StoredSecret,
  TrackedSuggestion,
  WeeklyScan,
  WeeklyScanFinding,
} from "./store.ts";

export interface PostgresStoreOptions {
  blobs: Blobs;
  /** Close the database with the store; default true. */
  ownsDatabase?: boolean;
  /** Rows per INSERT in bulk writes; default 5,000. */
  batchSize?: number;
  /** Bulk INSERTs in flight at once on a connection pool; default 2. */
  bulkConcurrency?: number;
}

// Column lists that read rows in the shapes of store.ts. Timestamps go through private.iso_time so
// that node-postgres and PGlite hand back the same strings.
const PROJECT = `id, full_name as "fullName", installation_id::float8 as "installationId",
  repository_id::float8 as "repositoryId", default_branch as "defaultBranch",
  private.iso_time(created_at) as "createdAt"`;
const RUN_SUMMARY = `r.run_key as id, r.id as "recordId", p.full_name as project, r.status, r.source,
  r.base_url as "baseUrl", private.iso_time(r.started_at) as "startedAt",
  private.iso_time(r.finished_at) as "finishedAt", r.duration_ms as "durationMs",
  json_build_object('passed', r.passed_count, 'failed', r.failed_count, 'flaky', r.flaky_count,
    'skipped', r.skipped_count) as totals,
  r.commit_sha as "commitSha", r.branch, r.pr_number as "prNumber"`;
const SCREENSHOT = `id, project_id as "projectId", flow_name as "flowName", step_name as "stepName",
  step_index as "stepIndex", json_build_object('width', viewport_width, 'height', viewport_height) as viewport,
  path, storage_path as "storagePath", commit_sha as "commitSha", branch, approval,
  private.iso_time(captured_at) as "capturedAt"`;
const PREDICTION = `id, project_id as "projectId", pr_number as "prNumber", head_sha as "headSha",
  flow_name as "flowName", probability, confidence, reasoning, source, actual_result as "actualResult"`;
const PAGE = `id, project_id as "projectId", url, name, active`;
const DEPLOY = `id, project_id as "projectId", sha, environment, url, status,
  private.iso_time(deployed_at) as "deployedAt"`;
const ANALYSIS = `id, project_id as "projectId", page_id as "pageId", deploy_id as "deployId", kind,
  commit_sha as "commitSha", status, summary, error, private.iso_time(finished_at) as "finishedAt"`;
const CHANGE = `id, project_id as "projectId", page_id as "pageId", element, kind, before, after,
  first_detected_date::text as "firstDetectedDate", status,
  private.iso_time(status_changed_at) as "statusChangedAt"`;
const PAGE_CAPTURE = `c.id, c.project_id as "projectId", c.page_id as "pageId", c.analysis_id as "analysisId",
  c.viewport, c.commit_sha as "commitSha", c.screenshot_path as "screenshotPath", c.diff_path as "diffPath",
  c.width, c.height, c.dom_snapshot as dom, c.stable, private.iso_time(c.captured_at) as "capturedAt"`;
const CHANGE_EVENT = `id, change_id as "changeId", from_status as "fromStatus", to_status as "toStatus",
  reason, actor, private.iso_time(occurred_at) as "occurredAt"`;
const CHECKPOINT = `id, project_id as "projectId", change_id as "changeId", horizon_days as "horizonDays",
  verdict, metrics, private.iso_time(measured_at) as "measuredAt"`;
const INSIGHT = `id, project_id as "projectId", fingerprint, kind, severity, title, body, status,
  private.iso_time(first_seen_at) as "firstSeenAt", private.iso_time(last_seen_at) as "lastSeenAt"`;
const SUGGESTION = `id, project_id as "projectId", fingerprint, source, title, body, status,
  private.iso_time(first_seen_at) as "firstSeenAt", private.iso_time(last_seen_at) as "lastSeenAt",
  times_suggested as "timesSuggested", page_id as "pageId", impact,
  private.iso_time(addressed_at) as "addressedAt"`;
const WEEKLY_SCAN = `id, project_id as "projectId", week_start::text as "weekStart", status,
  issue_number as "issueNumber", summary, error, private.iso_time(started_at) as "startedAt",
  private.iso_time(finished_at) as "finishedAt"`;

const SECRET = `project_id as "projectId", name, ciphertext, key_id as "keyId", set_by as "setBy",
  private.iso_time(created_at) as "createdAt", private.iso_time(updated_at) as "updatedAt",
  private.iso_time(rotated_at) as "rotatedAt"`;

/** The Store over Postgres: one SQL implementation for node-postgres and PGlite. */
export function postgresStore(db: Database, options: PostgresStoreOptions): Store {
  const batchSize = options.batchSize ?? 5_000;
  const knownMonths = new Set<string>();

  const one = async <Row>(text: string, params: readonly unknown[], what: string): Promise<Row> => {
    const [row] = await db.query<Row>(text, params);
    if (!row) throw new StoreError("not_found", `${what} not found`);
    return row;
  };

  const store: Store = {
    backend: db.engine,
    blobs: options.blobs,

    async ensureProject(input) {
      return againOnConflict(async () => {
        // A renamed repository keeps its id: follow the id before matching on the name.
        if (input.repositoryId !== undefined) {
          const [renamed] = await db.query<Project>(
            `update public.projects set full_name = $1, installation_id = coalesce($2, installation_id),
             default_branch = coalesce($3, default_branch), updated_at = now()
           where repository_id = $4 returning ${PROJECT}`,
            [input.fullName, input.installationId ?? null, input.defaultBranch ?? null, input.repositoryId],
          );
          if (renamed) return renamed;
        }
        return one<Project>(
          `insert into public.projects as p (full_name, installation_id, repository_id, default_branch)
         values ($1, $2, $3, coalesce($4, 'main'))
         on conflict (full_name) do update set
           installation_id = coalesce(excluded.installation_id, p.installation_id),
           repository_id = coalesce(excluded.repository_id, p.repository_id),
           default_branch = coalesce($4, p.default_branch), updated_at = now()
         returning ${PROJECT}`,
          [
            input.fullName,
            input.installationId ?? null,
            input.repositoryId ?? null,
            input.defaultBranch ?? null,
          ],
          "project",
        );
      });
    },

    async getProject(fullName) {
      const [row] = await db.query<Project>(`select ${PROJECT} from public.projects where full_name = $1`, [
        fullName,
      ]);
      return row;
    },

    async getProjectByRepositoryId(repositoryId) {
      const [row] = await db.query<Project>(
        `select ${PROJECT} from public.projects where repository_id = $1`,
        [repositoryId],
      );
      return row;
    },

    async detachProjects(installationId, repositoryIds) {
      const detached = await db.query<{ n: number }>(
        `with detached as (
           update public.projects set installation_id = null, updated_at = now()
           where installation_id = $1 and ($2::bigint[] is null or repository_id = any($2::bigint[]))
           returning 1)
         select count(*)::int as n from detached`,
        [installationId, repositoryIds ?? null],
      );
      return detached[0]?.n ?? 0;
    },

    async addProjectMember({ projectId, userId, role = "member" }) {
      await db.query(
        `insert into public.project_members (project_id, user_id, role) values ($1, $2, $3)
         on conflict (project_id, user_id) do update set role = excluded.role`,
        [projectId, userId, role],
      );
    },

    syncFlows(projectId, sha, flows) {
      return db.transaction(async (tx) => {
        const names = flows.map((flow) => flow.name);
        const upserted = await tx.query<{ n: number }>(
          `with upserted as (
             insert into public.flows as f (project_id, name, file, priority, definition, synced_sha)
             select $1, name, file, priority, definition, $6
             from unnest($2::text[], $3::text[], $4::text[], $5::jsonb[]) as t(name, file, priority, definition)
             on conflict (project_id, name) do update set file = excluded.file, priority = excluded.priority,
               definition = excluded.definition, synced_sha = excluded.synced_sha, active = true, updated_at = now()
             returning 1)
           select count(*)::int as n from upserted`,
          [
            projectId,
            names,
            flows.map((flow) => flow.file),
            flows.map((flow) => flow.priority ?? "medium"),
            flows.map((flow) => JSON.stringify(flow.definition ?? {})),
            sha,
          ],
        );
        const deactivated = await tx.query<{ n: number }>(
          `with gone as (
             update public.flows set active = false, updated_at = now()
             where project_id = $1 and active and name <> all($2::text[]) returning 1)
           select count(*)::int as n from gone`,
          [projectId, names],
        );
        return { upserted: upserted[0]?.n ?? 0, deactivated: deactivated[0]?.n ?? 0 };
      });
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
      const row = await one<{ id: string }>(
        "select public.record_test_run($1, $2::jsonb, $3::jsonb) as id",
        [projectId, JSON.stringify(parsed), JSON.stringify(runContextJson(context, artifacts))],
        "test run",
      );
      return { recordId: row.id, projectId } satisfies RecordedRun;
    },

    async listRuns({ project, limit = 20, before } = {}) {
      return db.query<RunSummary>(
        `select ${RUN_SUMMARY}
         from public.test_runs r join public.projects p on p.id = r.project_id
         where ($1::text is null or p.full_name = $1) and ($2::timestamptz is null or r.started_at < $2)
         order by r.started_at desc, r.id desc
         limit $3`,
        [project ?? null, before ?? null, Math.min(Math.max(1, limit), 500)],
      );
    },

    async getRun(id, { project } = {}) {
      const [row] = await db.query<{ result: unknown }>(
        `select public.test_run_result(r.id) as result
         from public.test_runs r join public.projects p on p.id = r.project_id
         where (r.run_key = $1 or r.id::text = $1) and ($2::text is null or p.full_name = $2)
         order by r.started_at desc limit 1`,
        [id, project ?? null],
      );
      return row ? parseRun(row.result) : undefined;
    },

    async recordScreenshot(input) {
      return one<Screenshot>(
        `insert into public.screenshots as s (project_id, flow_name, step_name, step_index, viewport_width,
           viewport_height, storage_path, commit_sha, branch)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (project_id, storage_path) where attempt_id is null do update set
           commit_sha = coalesce(excluded.commit_sha, s.commit_sha), branch = coalesce(excluded.branch, s.branch)
         returning ${SCREENSHOT}`,
        [
          input.projectId,
          input.flowName,
          input.stepName,
          input.stepIndex ?? 0,
          input.viewport.width,
          input.viewport.height,
          input.storagePath,
          input.commitSha ?? null,
          input.branch ?? null,
        ],
        "screenshot",
      );
    },

    async approveScreenshot(screenshotId, reviewedBy) {
      const row = await one<{ id: string | null }>(
        "select public.approve_screenshot($1, $2) as id",
        [screenshotId, reviewedBy ?? null],
        "screenshot",
      );
      return { baselineId: row.id };
    },

    async approveRunScreenshots(projectId, runId, reviewedBy) {
      const row = await one<{ n: number }>(
        "select public.approve_run_screenshots($1, $2, $3) as n",
        [projectId, runId, reviewedBy ?? null],
        "test run",
      );
      return row.n;
    },

    listPendingScreenshots(projectId, commitSha, flows = []) {
      return db.query<Screenshot>(
        `select ${SCREENSHOT} from public.screenshots
         where project_id = $1 and commit_sha = $2 and approval = 'pending'
           and (cardinality($3::text[]) = 0 or flow_name = any($3::text[]))
         order by flow_name, step_index, step_name, viewport_width, captured_at`,
        [projectId, commitSha, flows],
      );
    },

    async resolveBaseline(query) {
      const [row] = await db.query<Baseline>(
        `select baseline_id as "baselineId", screenshot_id as "screenshotId", commit_sha as "commitSha",
           branch, storage_path as "storagePath", path, private.iso_time(approved_at) as "approvedAt",
           coalesce(from_merge_base, false) as "fromMergeBase"
         from public.resolve_baseline($1, $2, $3, $4, $5, $6)`,
        [
          query.projectId,
          query.flowName,
          query.stepName,
          query.viewport.width,
          query.viewport.height,
          query.mergeBaseSha ?? null,
        ],
      );
      return row;
    },

    async recordPredictions(projectId, predictions) {
      return db.query<Prediction>(
        `insert into public.predictions as p (project_id, pr_number, head_sha, flow_name, probability,
           confidence, reasoning, source)
         select $1, * from unnest($2::int[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::text[], $8::text[])
         on conflict (project_id, head_sha, flow_name) do update set pr_number = excluded.pr_number,
           probability = excluded.probability, confidence = excluded.confidence,
           reasoning = excluded.reasoning, source = excluded.source
         returning ${PREDICTION}`,
        [
          projectId,
          predictions.map((p) => p.prNumber ?? null),
          predictions.map((p) => p.headSha),
          predictions.map((p) => p.flowName),
          predictions.map((p) => p.probability),
          predictions.map((p) => p.confidence),
          predictions.map((p) => p.reasoning ?? ""),
          predictions.map((p) => p.source ?? "rules"),
        ],
      );
    },

    listPredictions(projectId, headSha) {
      return db.query<Prediction>(
        `select ${PREDICTION} from public.predictions where project_id = $1 and head_sha = $2 order by flow_name`,
        [projectId, headSha],
      );
    },

    listScoredPredictions(projectId, limit = 1000) {
      return db.query<Prediction>(
        `select ${PREDICTION} from public.predictions
         where project_id = $1 and actual_result in ('passed', 'failed', 'flaky')
         order by actual_recorded_at desc, flow_name limit $2`,
        [projectId, limit],
      );
    },

    async recordPredictionOutcomes(projectId, headSha, outcomes) {
      const [row] = await db.query<{ n: number }>(
        `with updated as (
           update public.predictions p set actual_result = o.actual, actual_recorded_at = now()
           from unnest($3::text[], $4::text[]) as o(flow_name, actual)
           where p.project_id = $1 and p.head_sha = $2 and p.flow_name = o.flow_name
           returning 1)
         select count(*)::int as n from updated`,
        [projectId, headSha, outcomes.map((o) => o.flowName), outcomes.map((o) => o.actual)],
      );
      return row?.n ?? 0;
    },

    upsertPage(projectId, input) {
      return one<Page>(
        `insert into public.pages as p (project_id, url, name) values ($1, $2, $3)
         on conflict (project_id, url) do update set name = coalesce(excluded.name, p.name), active = true
         returning ${PAGE}`,
        [projectId, input.url, input.name ?? null],
        "page",
      );
    },

    async recordDeploy(projectId, input) {
      // xmax = 0 only on a row this statement inserted: it tells a new deploy from a redelivery.
      const row = await one<Deploy & { created: boolean }>(
        `insert into public.deploys as d (project_id, sha, environment, url, status, deployed_at)
         values ($1, $2, coalesce($3, 'production'), $4, coalesce($5, 'success'), coalesce($6::timestamptz, now()))
         on conflict (project_id, sha) do update set status = excluded.status, url = coalesce(excluded.url, d.url)
         returning ${DEPLOY}, (xmax = 0) as created`,
        [
          projectId,
          input.sha,
          input.environment ?? null,
          input.url ?? null,
          input.status ?? null,
          input.deployedAt ?? null,
        ],
        "deploy",
      );
      const { created, ...deploy } = row;
      return { deploy, created };
    },

    startAnalysis(input) {
      return one<Analysis>(
        `insert into public.analyses as a (project_id, page_id, deploy_id, kind, commit_sha, status)
         values ($1, $2, $3, $4, $5, 'running')
         on conflict (page_id, kind, commit_sha) do update set deploy_id = coalesce(excluded.deploy_id, a.deploy_id)
         returning ${ANALYSIS}`,
        [input.projectId, input.pageId, input.deployId ?? null, input.kind, input.commitSha],
        "analysis",
      );
    },

    finishAnalysis(analysisId, outcome) {
      return one<Analysis>(
        `update public.analyses set status = $2, summary = coalesce($3::jsonb, summary), error = $4,
           finished_at = now()
         where id = $1 returning ${ANALYSIS}`,
        [
          analysisId,
          outcome.status,
          outcome.summary ? JSON.stringify(outcome.summary) : null,
          outcome.error ?? null,
        ],
        `analysis ${analysisId}`,
      );
    },

    async recordDetectedChange(input) {
      const [inserted] = await db.query<DetectedChange>(
        `insert into public.detected_changes (project_id, page_id, element, kind, before, after, analysis_id,
           deploy_id, first_detected_date)
         values ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9::date, (now() at time zone 'utc')::date))
         on conflict (page_id, element, first_detected_date) do nothing
         returning ${CHANGE}`,
        [
          input.projectId,
          input.pageId,
          input.element,
          input.kind,
          input.before ?? null,
          input.after ?? null,
          input.analysisId ?? null,
          input.deployId ?? null,
          input.firstDetectedDate ?? null,
        ],
      );
      if (inserted) return { change: inserted, created: true };
      const change = await one<DetectedChange>(
        `select ${CHANGE} from public.detected_changes
         where page_id = $1 and element = $2 and first_detected_date = coalesce($3::date, (now() at time zone 'utc')::date)`,
        [input.pageId, input.element, input.firstDetectedDate ?? null],
        "detected change",
      );
      return { change, created: false };
    },

    async getDetectedChange(changeId) {
      const [row] = await db.query<DetectedChange>(
        `select ${CHANGE} from public.detected_changes where id = $1`,
        [changeId],
      );
      return row;
    },

    transitionChange(changeId, to, note = {}) {
      return one<ChangeLifecycleEvent>(
        `select ${CHANGE_EVENT} from public.transition_detected_change($1, $2, $3, $4)`,
        [changeId, to, note.reason ?? null, note.actor ?? null],
        `detected change ${changeId}`,
      );
    },

    listChangeEvents(changeId) {
      return db.query<ChangeLifecycleEvent>(
        `select ${CHANGE_EVENT} from public.change_lifecycle_events where change_id = $1 order by id`,
        [changeId],
      );
    },

    async recordCheckpoint(input) {
      const [inserted] = await db.query<ChangeCheckpoint>(
        `insert into public.change_checkpoints (project_id, change_id, horizon_days, verdict, metrics)
         select c.project_id, c.id, $2, $3, $4::jsonb from public.detected_changes c where c.id = $1
         on conflict (change_id, horizon_days) do nothing
         returning ${CHECKPOINT}`,
        [input.changeId, input.horizonDays, input.verdict, JSON.stringify(input.metrics ?? {})],
      );
      if (inserted) return { checkpoint: inserted, created: true };
      const checkpoint = await one<ChangeCheckpoint>(
        `select ${CHECKPOINT} from public.change_checkpoints where change_id = $1 and horizon_days = $2`,
        [input.changeId, input.horizonDays],
        `detected change ${input.changeId}`,
      );
      return { checkpoint, created: false };
    },

    upsertInsight(input) {
      // Seen again after being resolved means it came back: reopen it. Dismissed stays dismissed.
      return one<Insight>(
        `insert into public.insights as i (project_id, fingerprint, kind, severity, title, body)
         values ($1, $2, $3, coalesce($4, 'info'), $5, coalesce($6, ''))
         on conflict (project_id, fingerprint) do update set kind = excluded.kind, severity = excluded.severity,
           title = excluded.title, body = excluded.body, last_seen_at = greatest(now(), i.first_seen_at),
           status = case when i.status = 'resolved' then 'open' else i.status end
         returning ${INSIGHT}`,
        [
          input.projectId,
          input.fingerprint,
          input.kind,
          input.severity ?? null,
          input.title,
          input.body ?? null,
        ],
        "insight",
      );
    },

    async recordFlowMetrics(projectId, metrics) {
      const [row] = await db.query<{ n: number }>(
        `with upserted as (
           insert into public.flow_metrics as m (project_id, flow_name, source, metric, day, value, samples)
           select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::date[], $6::float8[], $7::int[])
           on conflict (project_id, flow_name, source, metric, day) do update set value = excluded.value,
             samples = excluded.samples
           returning 1)
         select count(*)::int as n from upserted`,
        [
          projectId,
          metrics.map((m) => m.flowName),
          metrics.map((m) => m.source),
          metrics.map((m) => m.metric),
          metrics.map((m) => m.day),
          metrics.map((m) => m.value),
          metrics.map((m) => m.samples ?? 1),
        ],
      );
      return row?.n ?? 0;
    },

    async insertAnalyticsEvents(projectId, events) {
      if (events.length === 0) return 0;
      const times = events.map((event) => toIso(event.occurredAt));
      await ensureMonthlyPartitions(db, knownMonths, times);
      // A few batches in flight keep the server busy while the next one is serialized.
      let next = 0;
      let inserted = 0;
      const worker = async () => {
        while (next < events.length) {
          const start = next;
          next += batchSize;
          const end = start + batchSize;
          const count = await insertEventBatch(
            db,
            projectId,
            events.slice(start, end),
            times.slice(start, end),
          );
          // Added after the await: `inserted += await …` would read the total before another worker adds to it.
          inserted += count;
        }
      };
      const workers = db.engine === "pglite" ? 1 : (options.bulkConcurrency ?? 2);
      await Promise.all(Array.from({ length: workers }, worker));
      return inserted;
    },

    upsertTrackedSuggestion(input) {
      return one<TrackedSuggestion>(
        `insert into public.tracked_suggestions as t (project_id, fingerprint, source, title, body)
         values ($1, $2, $3, $4, coalesce($5, ''))
         on conflict (project_id, fingerprint) do update set source = excluded.source, title = excluded.title,
           body = excluded.body, last_seen_at = greatest(now(), t.first_seen_at)
         returning ${SUGGESTION}`,
        [input.projectId, input.fingerprint, input.source, input.title, input.body ?? null],
        "suggestion",
      );
    },

    async recordFeedback(input) {
      await db.query(
        `insert into public.finding_feedback (project_id, finding_fingerprint, verdict, actor, comment)
         values ($1, $2, $3, $4, $5)
         on conflict (project_id, finding_fingerprint, actor) do update set verdict = excluded.verdict,
           comment = excluded.comment, created_at = now()`,
        [input.projectId, input.findingFingerprint, input.verdict, input.actor, input.comment ?? null],
      );
    },

    async listIgnoredFingerprints(projectId) {
      const rows = await db.query<{ fingerprint: string }>(
        `select distinct finding_fingerprint as fingerprint from public.finding_feedback
         where project_id = $1 and verdict in ('ignore', 'false_positive') order by 1`,
        [projectId],
      );
      return rows.map((row) => row.fingerprint);
    },

    listDetectedChanges(projectId, { pageId, status, since, until, limit = 100 } = {}) {
      const statuses = status === undefined ? null : Array.isArray(status) ? status : [status];
      return db.query<DetectedChange>(
        `select ${CHANGE} from public.detected_changes
         where project_id = $1 and ($2::uuid is null or page_id = $2)
           and ($3::text[] is null or status = any($3::text[]))
           and ($4::timestamptz is null or first_detected_at >= $4)
           and ($5::timestamptz is null or first_detected_at < $5)
         order by first_detected_at desc, id desc
         limit $6`,
        [
          projectId,
          pageId ?? null,
          statuses,
          since?.toISOString() ?? null,
          until?.toISOString() ?? null,
          Math.min(Math.max(1, limit), 1_000),
        ],
      );
    },

    async findPreviousDeploy(projectId, sha) {
      const [row] = await db.query<Deploy>(
        `select ${DEPLOY} from public.deploys d
         where d.project_id = $1 and d.sha <> $2 and d.status = 'success'
           and d.deployed_at <= coalesce(
             (select deployed_at from public.deploys where project_id = $1 and sha = $2), 'infinity')
         order by d.deployed_at desc, d.id desc limit 1`,
        [projectId, sha],
      );
      return row;
    },

    recordPageCapture(input) {
      return one<PageCapture>(
        `with inserted as (
           insert into public.page_captures as c (project_id, page_id, analysis_id, viewport, commit_sha,
             screenshot_path, diff_path, width, height, dom_snapshot, stable, captured_at)
           select a.project_id, a.page_id, a.id, $2, a.commit_sha, $3, $4, $5, $6, $7::jsonb, $8,
             coalesce($9::timestamptz, now())
           from public.analyses a where a.id = $1
           on conflict (analysis_id, viewport) do update set screenshot_path = excluded.screenshot_path,
             diff_path = excluded.diff_path, width = excluded.width, height = excluded.height,
             dom_snapshot = excluded.dom_snapshot, stable = excluded.stable, captured_at = excluded.captured_at
           returning *)
         select ${PAGE_CAPTURE} from inserted c`,
        [
          input.analysisId,
          input.viewport,
          input.screenshotPath,
          input.diffPath ?? null,
          input.width,
          input.height,
          JSON.stringify(input.dom),
          input.stable ?? true,
          input.capturedAt ?? null,
        ],
        `analysis ${input.analysisId}`,
      );
    },

    listPageCaptures(analysisId) {
      return db.query<PageCapture>(
        `select ${PAGE_CAPTURE} from public.page_captures c where c.analysis_id = $1 order by c.viewport`,
        [analysisId],
      );
    },

    async setPageBaseline(captureId, source) {
      await one(
        `insert into public.page_baselines as b (project_id, page_id, viewport, capture_id, source)
         select project_id, page_id, viewport, id, $2 from public.page_captures where id = $1
         on conflict (page_id, viewport) do update set capture_id = excluded.capture_id,
           source = excluded.source, set_at = now()
         returning 1`,
        [captureId, source],
        `page capture ${captureId}`,
      );
    },

    async resolvePageBaseline(pageId, viewport, { now = new Date() } = {}) {
      // Age is the picture's age, not when it was made the baseline.
      const [row] = await db.query<PageCapture & { source: PageBaseline["source"] }>(
        `select * from (
           (select ${PAGE_CAPTURE}, 'stable' as source, 0 as rank
            from public.page_baselines b join public.page_captures c on c.id = b.capture_id
            where b.page_id = $1 and b.viewport = $2 and c.captured_at >= $3::timestamptz - interval '14 days')
           union all
           (select ${PAGE_CAPTURE}, 'previous_capture' as source, 1 as rank
            from public.page_captures c join public.analyses a on a.id = c.analysis_id
            where c.page_id = $1 and c.viewport = $2 and a.status = 'succeeded'
              and c.captured_at <= $3::timestamptz - interval '24 hours'
              and c.captured_at >= $3::timestamptz - interval '14 days'
            order by c.captured_at desc limit 1)
         ) candidates
         order by rank limit 1`,
        [pageId, viewport, now.toISOString()],
      );
      if (!row) return undefined;
      const { source, rank: _rank, ...capture } = row as typeof row & { rank: number };
      return { capture, source };
    },

    // The weekly scan's bookkeeping (issue #8).
    listInstalledProjects() {
      return db.query<Project>(
        `select ${PROJECT} from public.projects where installation_id is not null order by created_at, id`,
        [],
      );
    },

    async beginWeeklyScan(projectId, weekStart) {
      const [inserted] = await db.query<WeeklyScan>(
        `insert into public.weekly_scans (project_id, week_start) values ($1, $2::date)
         on conflict (project_id, week_start) do nothing returning ${WEEKLY_SCAN}`,
        [projectId, weekStart],
      );
      if (inserted) return { scan: inserted, created: true };
      const scan = await one<WeeklyScan>(
        `select ${WEEKLY_SCAN} from public.weekly_scans where project_id = $1 and week_start = $2::date`,
        [projectId, weekStart],
        "weekly scan",
      );
      return { scan, created: false };
    },

    updateWeeklyScan(scanId, patch) {
      return one<WeeklyScan>(
        `update public.weekly_scans set status = coalesce($2, status), issue_number = coalesce($3, issue_number),
           summary = coalesce($4::jsonb, summary), error = coalesce($5, error),
           finished_at = case when coalesce($2, status) in ('succeeded', 'failed', 'skipped') then now() else finished_at end
         where id = $1 returning ${WEEKLY_SCAN}`,
        [
          scanId,
          patch.status ?? null,
          patch.issueNumber ?? null,
          patch.summary ? JSON.stringify(patch.summary) : null,
          patch.error ?? null,
        ],
        `weekly scan ${scanId}`,
      );
    },

    async previousWeeklyScan(projectId, weekStart) {
      const [row] = await db.query<WeeklyScan>(
        `select ${WEEKLY_SCAN} from public.weekly_scans
         where project_id = $1 and week_start < $2::date and issue_number is not null
         order by week_start desc limit 1`,
        [projectId, weekStart],
      );
      return row;
    },

    async listProjectsScannedInWeek(weekStart) {
      const rows = await db.query<{ projectId: string }>(
        `select project_id as "projectId" from public.weekly_scans
         where week_start = $1::date and status in ('succeeded', 'skipped')`,
        [weekStart],
      );
      return rows.map((row) => row.projectId);
    },

    async recordWeeklyScanFindings(scanId, findings) {
      if (findings.length === 0) return;
      await db.query(
        `insert into public.weekly_scan_findings as f (scan_id, project_id, fingerprint, evidence, title, comment_id)
         select s.id, s.project_id, t.fingerprint, t.evidence, t.title, t.comment_id
         from public.weekly_scans s, unnest($2::text[], $3::text[], $4::text[], $5::bigint[])
           as t(fingerprint, evidence, title, comment_id)
         where s.id = $1
         on conflict (scan_id, fingerprint) do update set evidence = excluded.evidence, title = excluded.title,
           comment_id = coalesce(excluded.comment_id, f.comment_id)`,
        [
          scanId,
          findings.map((f) => f.fingerprint),
          findings.map((f) => f.evidence),
          findings.map((f) => f.title.slice(0, 300)),
          findings.map((f) => f.commentId),
        ],
      );
    },

    listWeeklyScanFindings(scanId) {
      return db.query<WeeklyScanFinding>(
        `select fingerprint, evidence, title, comment_id::float8 as "commentId"
         from public.weekly_scan_findings where scan_id = $1 order by fingerprint`,
        [scanId],
      );
    },

    recordWeeklySuggestions(projectId, weekStart, suggestions) {
      if (suggestions.length === 0) return Promise.resolve([]);
      return db.query<TrackedSuggestion>(
        `insert into public.tracked_suggestions as t (project_id, fingerprint, source, title, body, page_id, impact,
           last_suggested_week)
         select $1, * , $8::date from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[])
         on conflict (project_id, fingerprint) do update set source = excluded.source, title = excluded.title,
           body = excluded.body, page_id = coalesce(excluded.page_id, t.page_id), impact = excluded.impact,
           last_seen_at = greatest(now(), t.first_seen_at),
           times_suggested = t.times_suggested
             + case when t.last_suggested_week is distinct from excluded.last_suggested_week then 1 else 0 end,
           last_suggested_week = excluded.last_suggested_week,
           status = case when t.status = 'done' then 'open' else t.status end,
           addressed_at = case when t.status = 'done' then null else t.addressed_at end
         returning ${SUGGESTION}`,
        [
          projectId,
          suggestions.map((s) => s.fingerprint),
          suggestions.map((s) => s.source),
          suggestions.map((s) => s.title.slice(0, 300)),
          suggestions.map((s) => s.body ?? ""),
          suggestions.map((s) => s.pageId ?? null),
          suggestions.map((s) => s.impact ?? null),
          weekStart,
        ],
      );
    },

    markSuggestionsAddressed(projectId, pageIds, stillSeen) {
      return db.query<TrackedSuggestion>(
        `update public.tracked_suggestions set status = 'done', addressed_at = now()
         where project_id = $1 and status = 'open' and page_id = any($2::uuid[])
           and fingerprint <> all($3::text[])
         returning ${SUGGESTION}`,
        [projectId, pageIds, stillSeen],
      );
    },

    listTrackedSuggestions(projectId, { status } = {}) {
      return db.query<TrackedSuggestion>(
        `select ${SUGGESTION} from public.tracked_suggestions
         where project_id = $1 and ($2::text[] is null or status = any($2::text[]))
         order by last_seen_at desc, fingerprint`,
        [projectId, status ?? null],
      );
    },

    listInsights(projectId, { status, limit = 100 } = {}) {
      return db.query<Insight>(
        `select ${INSIGHT} from public.insights
         where project_id = $1 and ($2::text[] is null or status = any($2::text[]))
         order by array_position(array['critical', 'high', 'medium', 'low', 'info'], severity), last_seen_at desc, id
         limit $3`,
        [projectId, status ?? null, Math.min(Math.max(1, limit), 1_000)],
      );
    },

    flowHealth(projectId, { since, until }) {
      return db.query<FlowHealth>(
        `select f.flow_name as "flowName", count(*)::int as runs,
           count(*) filter (where f.status = 'passed')::int as passed,
           count(*) filter (where f.status = 'failed')::int as failed,
           count(*) filter (where f.status = 'flaky')::int as flaky,
           (count(*) filter (where f.status in ('passed', 'flaky'))::float8
             / nullif(count(*) filter (where f.status <> 'skipped'), 0)) as "passRate",
           percentile_cont(0.5) within group (order by f.duration_ms)
             filter (where f.status <> 'skipped') as "medianDurationMs",
           max(f.duration_ms) filter (where f.status <> 'skipped') as "maxDurationMs"
         from public.flow_runs f join public.test_runs r on r.id = f.test_run_id
         where r.project_id = $1 and r.started_at >= $2 and r.started_at < $3
         group by f.flow_name order by f.flow_name`,
        [projectId, since.toISOString(), until.toISOString()],
      );
    },

    listChangeCheckpoints(changeIds) {
      if (changeIds.length === 0) return Promise.resolve([]);
      return db.query<ChangeCheckpoint>(
        `select ${CHECKPOINT} from public.change_checkpoints where change_id = any($1::uuid[])
         order by change_id, horizon_days`,
        [changeIds],
      );
    },

    async putProjectSecret(input) {
      const [row] = await db.query<{ created: boolean }>(
        `insert into public.project_secrets as s (project_id, name, ciphertext, key_id, set_by)
         values ($1, $2, $3, $4, $5)
         on conflict (project_id, name) do update set ciphertext = excluded.ciphertext,
           key_id = excluded.key_id, set_by = excluded.set_by, updated_at = now()
         returning (xmax = 0) as created`,
        [input.projectId, input.name, input.ciphertext, input.keyId, input.setBy],
      );
      return { created: row?.created ?? false };
    },

    async getProjectSecret(projectId, name) {
      const [row] = await db.query<StoredSecret>(
        `select ${SECRET} from public.project_secrets where project_id = $1 and name = $2`,
        [projectId, name],
      );
      return row;
    },

    listProjectSecrets(projectId) {
      return db.query<StoredSecret>(
        `select ${SECRET} from public.project_secrets where $1::uuid is null or project_id = $1
         order by project_id, name`,
        [projectId ?? null],
      );
    },

    async deleteProjectSecret(projectId, name) {
      const rows = await db.query(
        "delete from public.project_secrets where project_id = $1 and name = $2 returning 1",
        [projectId, name],
      );
      return rows.length > 0;
    },

    async resealProjectSecrets(reseal) {
      // The caller's error (a secret no key opens) comes back as itself, not as a database error.
      let refused: unknown;
      const attempt = (row: StoredSecret) => {
        try {
          return reseal(row);
        } catch (error) {
          refused = error;
          throw error;
        }
      };
      return db
        .transaction(async (tx) => {
          const rows = await tx.query<StoredSecret>(
            `select ${SECRET} from public.project_secrets order by project_id, name for update`,
          );
          let changed = 0;
          for (const row of rows) {
            const next = attempt(row);
            if (!next) continue;
            await tx.query(
              `update public.project_secrets set ciphertext = $3, key_id = $4, rotated_at = now(), updated_at = now()
             where project_id = $1 and name = $2`,
              [row.projectId, row.name, next.ciphertext, next.keyId],
            );
            changed++;
          }
          return changed;
        })
        .catch((error: unknown) => {
          throw refused ?? error;
        });
    },

    async close() {
      if (options.ownsDatabase ?? true) await db.close();
    },
  };
  return store;
}

function parseRun(value: unknown): RunResult {
  const parsed = runResultSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "run"}: ${issue.message}`);
    throw new StoreError("invalid", `not a run result: ${issues.join("; ")}`, { cause: parsed.error });
  }
  return parsed.data;
}

export function artifactsOf(run: RunResult): { screenshots: string[]; traces: string[] } {
  const attempts = run.flows.flatMap((flow) => flow.attempts);
  return {
    screenshots: attempts.flatMap((attempt) => attempt.screenshots.map((shot) => shot.path)),
    traces: attempts.flatMap((attempt) => (attempt.trace ? [attempt.trace] : [])),
  };
}

/** The `p_context` argument of public.record_test_run. */
export function runContextJson(
  context: RunContext,
  artifacts: Record<string, string>,
): Record<string, unknown> {
  return {
    source: context.source ?? "local",
    commitSha: context.commitSha ?? null,
    branch: context.branch ?? null,
    prNumber: context.prNumber ?? null,
    ciRunId: context.ciRunId ?? null,
    ciRunAttempt: context.ciRunAttempt ?? null,
    artifacts,
  };
}

function toIso(value: string | Date): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new StoreError("invalid", `invalid event time ${String(value)}`);
  return date.toISOString();
}

async function ensureMonthlyPartitions(db: Queryable, known: Set<string>, times: string[]): Promise<void> {
  const months = new Set(times.map((time) => time.slice(0, 7)));
  const missing = [...months].filter((month) => !known.has(month)).sort();
  for (const month of missing) {
    await db.query("select public.create_analytics_event_partitions($1::date, 1)", [`${month}-01`]);
    known.add(month);
  }
}

async function insertEventBatch(
  db: Queryable,
  projectId: string,
  events: AnalyticsEventInput[],
  times: string[],
): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `with inserted as (
       insert into public.analytics_events (project_id, source, event_id, event_name, distinct_id, occurred_at,
         properties)
       select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::jsonb[])
       on conflict do nothing
       returning 1)
     select count(*)::int as n from inserted`,
    [
      projectId,
      events.map((event) => event.source),
      events.map((event) => event.eventId),
      events.map((event) => event.eventName),
      events.map((event) => event.distinctId ?? null),
      times,
      events.map((event) => JSON.stringify(event.properties ?? {})),
    ],
  );
  return row?.n ?? 0;
}
