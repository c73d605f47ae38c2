import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { StoreErrorCode } from "../../errors.ts";
import { aProjectName, aRunResult, aSha } from "../fixtures.ts";
import type { ContractContext } from "./context.ts";

interface Fixture {
  projectId: string;
  otherProjectId: string;
  testRunId: string;
  otherTestRunId: string;
  flowRunId: string;
  attemptId: string;
  pageId: string;
  changeId: string;
  userId: string;
  sha: string;
}

interface Case {
  rule: string;
  sql: string;
  params: (f: Fixture) => unknown[];
  code: StoreErrorCode;
}

const RUN_COLUMNS = `project_id, run_key, status, base_url, started_at, finished_at, duration_ms, browser,
  passed_count, failed_count, flaky_count, skipped_count`;

/** Each database rule, broken once. */
const CASES: Case[] = [
  {
    rule: "project names have no spaces",
    sql: "insert into projects (full_name) values ('acme/my shop')",
    params: () => [],
    code: "invalid",
  },
  {
    rule: "project names are unique",
    sql: "insert into projects (full_name) select full_name from projects where id = $1",
    params: (f) => [f.projectId],
    code: "conflict",
  },
  {
    rule: "repository ids are unique",
    sql: "insert into projects (full_name, repository_id) values ($1, 4242), ($2, 4242)",
    params: () => [aProjectName(), aProjectName()],
    code: "conflict",
  },
  {
    rule: "member roles are known",
    sql: "insert into project_members (project_id, user_id, role) values ($1, $2, 'god')",
    params: (f) => [f.projectId, f.userId],
    code: "invalid",
  },
  {
    rule: "members are real users",
    sql: "insert into project_members (project_id, user_id) values ($1, $2)",
    params: (f) => [f.projectId, randomUUID()],
    code: "invalid",
  },
  {
    rule: "flow priorities are known",
    sql: "insert into flows (project_id, name, file, priority) values ($1, 'x', 'x.yml', 'urgent')",
    params: (f) => [f.projectId],
    code: "invalid",
  },
  {
    rule: "flow names are unique per project",
    sql: "insert into flows (project_id, name, file) values ($1, 'dup', 'a.yml'), ($1, 'dup', 'b.yml')",
    params: (f) => [f.projectId],
    code: "conflict",
  },
  {
    rule: "run ids are unique per project",
    sql: `insert into test_runs (${RUN_COLUMNS}) select ${RUN_COLUMNS} from test_runs where id = $1`,
    params: (f) => [f.testRunId],
    code: "conflict",
  },
  {
    rule: "a run finishes after it starts",
    sql: `insert into test_runs (${RUN_COLUMNS}) values ($1, 'late', 'passed', 'x', '2025-01-02', '2025-01-01', 0, '{}', 0, 0, 0, 0)`,
    params: (f) => [f.projectId],
    code: "invalid",
  },
  {
    rule: "run statuses are known",
    sql: `insert into test_runs (${RUN_COLUMNS}) values ($1, 'odd', 'flaky', 'x', '2025-01-01', '2025-01-01', 0, '{}', 0, 0, 0, 0)`,
    params: (f) => [f.projectId],
    code: "invalid",
  },
  {
    rule: "run counts are not negative",
    sql: `insert into test_runs (${RUN_COLUMNS}) values ($1, 'neg', 'passed', 'x', '2025-01-01', '2025-01-01', 0, '{}', -1, 0, 0, 0)`,
    params: (f) => [f.projectId],
    code: "invalid",
  },
  {
    rule: "commit shas are hex",
    sql: "update test_runs set commit_sha = 'HEAD' where id = $1",
    params: (f) => [f.testRunId],
    code: "invalid",
  },
  {
    rule: "flow run statuses are known",
    sql: "update flow_runs set status = 'broken' where id = $1",
    params: (f) => [f.flowRunId],
    code: "invalid",
  },
  {
    rule: "a flow run belongs to its test run's project",
    sql: "insert into flow_runs (project_id, test_run_id, flow_name, flow_file, priority, status, duration_ms, position) values ($1, $2, 'x', 'x', 'low', 'passed', 0, 0)",
    params: (f) => [f.otherProjectId, f.testRunId],
    code: "invalid",
  },
  {
    rule: "attempts are unique per flow run",
    sql: "insert into flow_run_attempts (project_id, flow_run_id, attempt, status, duration_ms) select project_id, flow_run_id, attempt, status, duration_ms from flow_run_attempts where id = $1",
    params: (f) => [f.attemptId],
    code: "conflict",
  },
  {
    rule: "durations are not negative",
    sql: "update flow_run_attempts set duration_ms = -1 where id = $1",
    params: (f) => [f.attemptId],
    code: "invalid",
  },
  {
    rule: "step statuses are known",
    sql: "update step_results set status = 'flaky' where attempt_id = $1",
    params: (f) => [f.attemptId],
    code: "invalid",
  },
  {
    rule: "a pending screenshot has no reviewer time",
    sql: "update screenshots set reviewed_at = now() where attempt_id = $1",
    params: (f) => [f.attemptId],
    code: "invalid",
  },
  {
    rule: "viewports are positive",
    sql: "update screenshots set viewport_width = 0 where attempt_id = $1",
    params: (f) => [f.attemptId],
    code: "invalid",
  },
  {
    rule: "probabilities are between 0 and 1",
    sql: "insert into predictions (project_id, head_sha, flow_name, probability, confidence) values ($1, $2, 'x', 1.5, 0.5)",
    params: (f) => [f.projectId, f.sha],
    code: "invalid",
  },
  {
    rule: "an outcome comes with its time",
    sql: "insert into predictions (project_id, head_sha, flow_name, probability, confidence, actual_result) values ($1, $2, 'y', 0.5, 0.5, 'passed')",
    params: (f) => [f.projectId, f.sha],
    code: "invalid",
  },
  {
    rule: "predictions are unique per commit and flow",
    sql: "insert into predictions (project_id, head_sha, flow_name, probability, confidence) values ($1, $2, 'z', 0.5, 0.5), ($1, $2, 'z', 0.1, 0.1)",
    params: (f) => [f.projectId, f.sha],
    code: "conflict",
  },
  {
    rule: "insight kinds are known",
    sql: "insert into insights (project_id, fingerprint, kind, title) values ($1, 'f', 'gossip', 't')",
    params: (f) => [f.projectId],
    code: "invalid",
  },
  {
    rule: "metric names are snake_case",
    sql: "insert into flow_metrics (project_id, flow_name, source, metric, day, value) values ($1, 'x', 'synthetic', 'Success Rate', '2025-01-01', 1)",
    params: (f) => [f.projectId],
    code: "invalid",
  },
  {
    rule: "metric values are numbers",
    sql: "insert into flow_metrics (project_id, flow_name, source, metric, day, value) values ($1, 'x', 'synthetic', 'rate', '2025-01-01', 'NaN')",
    params: (f) => [f.projectId],
    code: "invalid",
  },
  {
    rule: "suggestion statuses are known",
    sql: "insert into tracked_suggestions (project_id, fingerprint, source, title, status) values ($1, 'f', 'audit', 't', 'maybe')",
    params: (f) => [f.projectId],
    code: "invalid",
  },
  {
    rule: "feedback verdicts are known",
    sql: "insert into finding_feedback (project_id, finding_fingerprint, verdict, actor) values ($1, 'f', 'meh', 'me')",
    params: (f) => [f.projectId],
    code: "invalid",
  },
  {
    rule: "page urls are http(s)",
    sql: "insert into pages (project_id, url) values ($1, 'ftp://shop.example.com')",
    params: (f) => [f.projectId],
    code: "invalid",
  },
  {
    rule: "pages are unique per project and url",
    sql: "insert into pages (project_id, url) select project_id, url from pages where id = $1",
    params: (f) => [f.pageId],
    code: "conflict",
  },
  {
    rule: "deploys are unique per project and sha",
    sql: "insert into deploys (project_id, sha) values ($1, $2), ($1, $2)",
    params: (f) => [f.projectId, f.sha],
    code: "conflict",
  },
  {
    rule: "deploy statuses are known",
    sql: "insert into deploys (project_id, sha, status) values ($1, $2, 'done')",
    params: (f) => [f.projectId, aSha("other")],
    code: "invalid",
  },
  {
    rule: "analyses are unique per page, kind and commit",
    sql: "insert into analyses (project_id, page_id, kind, commit_sha) values ($1, $2, 'audit', $3), ($1, $2, 'audit', $3)",
    params: (f) => [f.projectId, f.pageId, f.sha],
    code: "conflict",
  },
  {
    rule: "a finished analysis has a finish time",
    sql: "insert into analyses (project_id, page_id, kind, commit_sha, status) values ($1, $2, 'weekly_scan', $3, 'succeeded')",
    params: (f) => [f.projectId, f.pageId, f.sha],
    code: "invalid",
  },
  {
    rule: "a page belongs to the analysis's project",
    sql: "insert into analyses (project_id, page_id, kind, commit_sha) values ($1, $2, 'audit', $3)",
    params: (f) => [f.otherProjectId, f.pageId, f.sha],
    code: "invalid",
  },
  {
    rule: "detected changes are unique per page, element and day",
    sql: "insert into detected_changes (project_id, page_id, element, kind, first_detected_date) select project_id, page_id, element, kind, first_detected_date from detected_changes where id = $1",
    params: (f) => [f.changeId],
    code: "conflict",
  },
  {
    rule: "change kinds are known",
    sql: "insert into detected_changes (project_id, page_id, element, kind) values ($1, $2, 'y', 'vibe')",
    params: (f) => [f.projectId, f.pageId],
    code: "invalid",
  },
  {
    rule: "checkpoints are unique per change and horizon",
    sql: "insert into change_checkpoints (project_id, change_id, horizon_days, verdict) values ($1, $2, 60, 'neutral'), ($1, $2, 60, 'neutral')",
    params: (f) => [f.projectId, f.changeId],
    code: "conflict",
  },
  {
    rule: "checkpoint horizons are 7/14/30/60/90 days",
    sql: "insert into change_checkpoints (project_id, change_id, horizon_days, verdict) values ($1, $2, 45, 'neutral')",
    params: (f) => [f.projectId, f.changeId],
    code: "invalid",
  },
  {
    rule: "analytics properties are objects",
    sql: "insert into analytics_events (project_id, source, event_id, event_name, occurred_at, properties) values ($1, 'posthog', 'e', 'n', now(), '[]')",
    params: (f) => [f.projectId],
    code: "invalid",
  },
  {
    rule: "analytics sources are known",
    sql: "insert into analytics_events (project_id, source, event_id, event_name, occurred_at) values ($1, 'amplitude', 'e', 'n', now())",
    params: (f) => [f.projectId],
    code: "invalid",
  },
  {
    rule: "analytics events need a partition for their month",
    sql: "insert into analytics_events (project_id, source, event_id, event_name, occurred_at) values ($1, 'posthog', 'e', 'n', '1999-01-01')",
    params: (f) => [f.projectId],
    code: "invalid",
  },
];

export function describeConstraints(ctx: () => ContractContext) {
  describe("constraints", () => {
    let fixture: Fixture;
    beforeAll(async () => {
      const { store, db } = ctx();
      const run = aRunResult();
      const { projectId, recordId } = await store.recordRun(run);
      const other = await store.recordRun(aRunResult());
      const [ids] = await db.query<{ flow_run_id: string; attempt_id: string }>(
        `select f.id as flow_run_id, a.id as attempt_id from flow_runs f join flow_run_attempts a on a.flow_run_id = f.id
         where f.test_run_id = $1 and f.flow_name = 'checkout'`,
        [recordId],
      );
      const page = await store.upsertPage(projectId, { url: "https://shop.example.com/constraints" });
      const { change } = await store.recordDetectedChange({
        projectId,
        pageId: page.id,
        element: "#a",
        kind: "text",
      });
      const userId = randomUUID();
      await db.query("insert into auth.users (id, email) values ($1, 'a@example.com')", [userId]);
      if (!ids) throw new Error("fixture run has a checkout flow");
      fixture = {
        projectId,
        otherProjectId: other.projectId,
        testRunId: recordId,
        otherTestRunId: other.recordId,
        flowRunId: ids.flow_run_id,
        attemptId: ids.attempt_id,
        pageId: page.id,
        changeId: change.id,
        userId,
        sha: aSha("constraints"),
      };
    });

    it.each(CASES.map((c) => [c.rule, c] as const))("%s", async (_rule, c) => {
      const { db } = ctx();
      await expect(db.query(c.sql, c.params(fixture))).rejects.toMatchObject({
        name: "StoreError",
        code: c.code,
      });
    });

    // A composite key (parent id, project id) is served by an index leading with the parent id.
    it("every foreign key is backed by an index, so cascades and joins do not scan", async () => {
      const { db } = ctx();
      const unindexed = await db.query<{ constraint: string }>(
        `select c.conrelid::regclass::text || '.' || c.conname as constraint
         from pg_constraint c
         where c.contype = 'f' and c.connamespace = 'public'::regnamespace
           and not exists (
             select from pg_index i
             where i.indrelid = c.conrelid and (i.indkey::int2[])[0] = c.conkey[1])`,
      );
      expect(unindexed).toEqual([]);
    });

    it("every public table has row level security, partitions included", async () => {
      const { db } = ctx();
      const rows = await db.query<{ table: string }>(
        `select c.relname as table from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity`,
      );
      expect(rows).toEqual([]);
    });
  });
}
