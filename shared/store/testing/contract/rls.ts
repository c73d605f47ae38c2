import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../database.ts";
import type { Store } from "../../store.ts";
import { aProjectName, aRunResult, aSha } from "../fixtures.ts";
import type { ContractContext } from "./context.ts";

const TENANT_TABLES = [
  "projects",
  "project_members",
  "personas",
  "flows",
  "test_runs",
  "flow_runs",
  "flow_run_attempts",
  "step_results",
  "screenshots",
  "baselines",
  "predictions",
  "insights",
  "flow_metrics",
  "tracked_suggestions",
  "finding_feedback",
  "pages",
  "deploys",
  "analyses",
  "detected_changes",
  "change_lifecycle_events",
  "change_checkpoints",
  "analytics_events",
] as const;

type Role = "anon" | "authenticated" | "service_role";

/** Runs a query the way PostgREST does for a request: as the JWT's role, with its claims set. */
export function queryAs<Row>(
  db: Database,
  role: Role,
  claims: Record<string, unknown> | undefined,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  return db.transaction(async (tx) => {
    await tx.query(`set local role ${role}`);
    if (claims) await tx.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);
    return tx.query<Row>(sql, params);
  });
}

const claimsFor = (userId: string) => ({ sub: userId, role: "authenticated", aud: "authenticated" });
const projectColumn = (table: string) => (table === "projects" ? "id" : "project_id");

/** A project with a row in every table, and one member. */
async function aPopulatedProject(store: Store, db: Database) {
  const userId = randomUUID();
  await db.query("insert into auth.users (id, email) values ($1, $2)", [userId, `${userId}@example.com`]);
  const project = await store.ensureProject({ fullName: aProjectName("tenant") });
  await store.addProjectMember({ projectId: project.id, userId, role: "member" });
  await db.query("insert into personas (project_id, name) values ($1, 'shopper')", [project.id]);
  await store.syncFlows(project.id, aSha(1), [{ name: "checkout", file: ".perceo/flows/checkout.yml" }]);
  const run = aRunResult({ project: project.fullName });
  const { recordId } = await store.recordRun(run, { commitSha: aSha(2), branch: "main" });
  const [shot] = await db.query<{ id: string }>("select id from screenshots where project_id = $1 limit 1", [
    project.id,
  ]);
  if (!shot) throw new Error("the run has screenshots");
  await store.approveScreenshot(shot.id, "octocat");
  await store.recordPredictions(project.id, [
    { headSha: aSha(3), flowName: "checkout", probability: 0.5, confidence: 0.5 },
  ]);
  await store.upsertInsight({ projectId: project.id, fingerprint: "i", kind: "visual", title: "t" });
  await store.recordFlowMetrics(project.id, [
    { flowName: "checkout", source: "synthetic", metric: "runs", day: "2025-01-01", value: 1 },
  ]);
  await store.upsertTrackedSuggestion({
    projectId: project.id,
    fingerprint: "s",
    source: "audit",
    title: "t",
  });
  await store.recordFeedback({
    projectId: project.id,
    findingFingerprint: "f",
    verdict: "ignore",
    actor: "octocat",
  });
  const page = await store.upsertPage(project.id, { url: "https://shop.example.com/" });
  const { deploy } = await store.recordDeploy(project.id, { sha: aSha(4) });
  await store.startAnalysis({
    projectId: project.id,
    pageId: page.id,
    kind: "deploy_diff",
    commitSha: aSha(4),
    deployId: deploy.id,
  });
  const { change } = await store.recordDetectedChange({
    projectId: project.id,
    pageId: page.id,
    element: "#cta",
    kind: "text",
  });
  await store.recordCheckpoint({ changeId: change.id, horizonDays: 7, verdict: "neutral" });
  await store.insertAnalyticsEvents(project.id, [
    { source: "posthog", eventId: randomUUID(), eventName: "$pageview", occurredAt: new Date() },
  ]);
  await db.query("insert into storage.objects (bucket_id, name) values ('screenshots', $1)", [
    `${project.id}/${run.id}/cart.png`,
  ]);
  return { project, userId, recordId };
}

export function describeRowLevelSecurity(ctx: () => ContractContext) {
  describe("row level security", () => {
    let a: Awaited<ReturnType<typeof aPopulatedProject>>;
    let b: Awaited<ReturnType<typeof aPopulatedProject>>;
    beforeAll(async () => {
      const { store, db } = ctx();
      a = await aPopulatedProject(store, db);
      b = await aPopulatedProject(store, db);
    });

    it.each(TENANT_TABLES)("a member of project A reads A's %s and nothing of B's", async (table) => {
      const { db } = ctx();
      const column = projectColumn(table);
      const rows = await queryAs<{ project: string; n: number }>(
        db,
        "authenticated",
        claimsFor(a.userId),
        `select ${column}::text as project, count(*)::int as n from public.${table}
         where ${column} in ($1, $2) group by 1`,
        [a.project.id, b.project.id],
      );
      expect(rows).toEqual([{ project: a.project.id, n: expect.any(Number) }]);
    });

    it.each(TENANT_TABLES)("the service role reads every project's %s", async (table) => {
      const { db } = ctx();
      const column = projectColumn(table);
      const rows = await queryAs<{ n: number }>(
        db,
        "service_role",
        { role: "service_role" },
        `select count(distinct ${column})::int as n from public.${table} where ${column} in ($1, $2)`,
        [a.project.id, b.project.id],
      );
      expect(rows).toEqual([{ n: 2 }]);
    });

    it.each(TENANT_TABLES)("anon reads nothing of %s", async (table) => {
      const { db } = ctx();
      await expect(
        queryAs(db, "anon", { role: "anon" }, `select * from public.${table}`),
      ).rejects.toMatchObject({
        sqlState: "42501",
      });
    });

    it("a signed-in user who belongs to no project reads nothing", async () => {
      const { db } = ctx();
      for (const table of TENANT_TABLES) {
        const rows = await queryAs(
          db,
          "authenticated",
          claimsFor(randomUUID()),
          `select 1 from public.${table}`,
        );
        expect(rows, table).toEqual([]);
      }
    });

    it("a member cannot write, not even to their own project", async () => {
      const { db } = ctx();
      await expect(
        queryAs(
          db,
          "authenticated",
          claimsFor(a.userId),
          "update public.projects set default_branch = 'x' where id = $1",
          [a.project.id],
        ),
      ).rejects.toMatchObject({ sqlState: "42501" });
      await expect(
        queryAs(db, "authenticated", claimsFor(a.userId), "select public.record_test_run($1, $2::jsonb)", [
          a.project.id,
          JSON.stringify(aRunResult()),
        ]),
      ).rejects.toMatchObject({ sqlState: "42501" });
      await expect(
        queryAs(db, "authenticated", claimsFor(a.userId), "select public.approve_run_screenshots($1, $2)", [
          a.project.id,
          "any-run",
        ]),
      ).rejects.toMatchObject({ sqlState: "42501" });
    });

    it("a member reads their own run result through the RPC, and gets nothing for another project's", async () => {
      const { db } = ctx();
      const read = (recordId: string) =>
        queryAs<{ result: { id: string } | null }>(
          db,
          "authenticated",
          claimsFor(a.userId),
          "select public.test_run_result($1) as result",
          [recordId],
        );
      expect((await read(a.recordId))[0]?.result).toMatchObject({ project: a.project.fullName });
      expect(await read(b.recordId)).toEqual([{ result: null }]);
    });

    it("auth.uid() also reads the older request.jwt.claim.sub setting", async () => {
      const { db } = ctx();
      const rows = await db.transaction(async (tx) => {
        await tx.query("set local role authenticated");
        await tx.query("select set_config('request.jwt.claim.sub', $1, true)", [b.userId]);
        return tx.query<{ id: string }>("select id from public.projects where id in ($1, $2)", [
          a.project.id,
          b.project.id,
        ]);
      });
      expect(rows).toEqual([{ id: b.project.id }]);
    });

    it("storage objects are readable by their project's members only", async () => {
      const { db } = ctx();
      const objects = (role: Role, claims: Record<string, unknown>) =>
        queryAs<{ name: string }>(
          db,
          role,
          claims,
          "select name from storage.objects where name like any($1)",
          [[`${a.project.id}/%`, `${b.project.id}/%`]],
        );
      const ofA = await objects("authenticated", claimsFor(a.userId));
      expect(ofA.map((o) => o.name.split("/")[0])).toEqual([a.project.id]);
      expect(await objects("anon", { role: "anon" })).toEqual([]);
    });
  });
}
