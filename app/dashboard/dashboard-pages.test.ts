import nock from "nock";
import { describe, expect, it } from "vitest";
import { pullRequestReviewPath } from "../../shared/dashboard/index.ts";
import { seedReview } from "../../shared/dashboard/testing.ts";
import type { RunningApp } from "../server/start.ts";
import { useAppHarness } from "../testing/app-harness.ts";
import {
  collaboratorPermission,
  DASHBOARD_SETTINGS,
  dashboardClient,
  FULL_NAME,
  LOGIN,
  sessionClaims,
  userSeesRepository,
} from "../testing/dashboard-session.ts";
import { REPO } from "../testing/fixtures.ts";

/*
 * The App serves shared/dashboard's own pages (no stand-in) over its real store and blobs: what
 * a signed-in person sees and may do is what GitHub says, end to end.
 */

let app: RunningApp;
useAppHarness({ app: (a) => (app = a) }, () => ({ settings: { dashboard: DASHBOARD_SETTINGS } }));
const { get, post, signIn } = dashboardClient(() => app);

async function seededPullRequest() {
  const scenario = await seedReview(app.deps.store, { project: FULL_NAME, prNumber: 7 });
  await app.deps.store.ensureProject({ fullName: FULL_NAME, installationId: 1, repositoryId: REPO.id });
  return { ...scenario, review: pullRequestReviewPath("/dashboard", FULL_NAME, 7) };
}

const pending = async (s: { projectId: string; headSha: string }) =>
  app.deps.store.listPendingScreenshots(s.projectId, s.headSha);

describe("the App's dashboard pages", () => {
  it("a writer approves every change of a pull request; the store records who and the pull request says so", async () => {
    const s = await seededPullRequest();
    const session = await signIn();
    userSeesRepository();
    const replies: string[] = [];
    collaboratorPermission("write")
      .post(`/repos/${FULL_NAME}/issues/7/comments`, (body: { body: string }) => {
        replies.push(body.body);
        return true;
      })
      .reply(201, { id: 1 });
    const page = await get(s.review, session);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`action="${s.review}/approve"`);
    const { csrf } = sessionClaims(session);
    expect(html).toContain(csrf);
    const waiting = (await pending(s)).map((shot) => shot.id);
    expect(waiting.length).toBeGreaterThan(0);

    const approved = await post(`${s.review}/approve`, { csrf, all: "1" }, session);
    expect(approved.status).toBe(303);
    expect(approved.headers.get("location")).toBe(s.review);
    expect(await pending(s)).toStrictEqual([]);
    const { rows } = await app.deps.pool.query<{ reviewed_by: string; approval: string }>(
      "select distinct reviewed_by, approval from public.screenshots where id = any($1::uuid[])",
      [waiting],
    );
    expect(rows).toStrictEqual([{ reviewed_by: LOGIN, approval: "approved" }]);
    // The pull request says so, as it does for /perceo approve.
    expect(replies).toStrictEqual([
      `**${LOGIN}** approved ${waiting.length} screenshots of ${s.headSha.slice(0, 7)} as baselines in the Perceo dashboard.`,
    ]);
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("a reply GitHub refuses (an archived repository) leaves the approval stored and answered", async () => {
    const s = await seededPullRequest();
    const session = await signIn();
    userSeesRepository();
    collaboratorPermission("write")
      .post(`/repos/${FULL_NAME}/issues/7/comments`)
      .reply(403, { message: "Repository was archived so is read-only." });
    const approved = await post(
      `${s.review}/approve`,
      { csrf: sessionClaims(session).csrf, all: "1" },
      session,
    );
    expect(approved.status).toBe(303);
    expect(await pending(s)).toStrictEqual([]);
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("a reader sees the review without approve controls, and the endpoint answers 403", async () => {
    const s = await seededPullRequest();
    const session = await signIn();
    userSeesRepository();
    collaboratorPermission("read");
    const page = await get(s.review, session);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain(`${s.review}/approve`);
    const before = (await pending(s)).length;
    const refused = await post(
      `${s.review}/approve`,
      { csrf: sessionClaims(session).csrf, all: "1" },
      session,
    );
    expect(refused.status).toBe(403);
    expect((await pending(s)).length).toBe(before);
  });

  it("someone GitHub does not show the repository gets 404 on every page of the project, pictures included", async () => {
    const s = await seededPullRequest();
    const session = await signIn("mallory");
    userSeesRepository({ installations: [] });
    const project = `/dashboard/projects/${encodeURIComponent(FULL_NAME)}`;
    for (const path of [project, s.review, `${project}/runs/${encodeURIComponent(s.runId)}`]) {
      const answer = await get(path, session);
      expect(answer.status).toBe(404);
      expect(await answer.text()).not.toContain(s.headSha);
    }
    // The home page lists no project this person cannot read.
    const home = await get("/dashboard", session);
    expect(home.status).toBe(200);
    expect(await home.text()).not.toContain(FULL_NAME);
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("the projects page lists only what the person can read, with two GitHub calls for thirty tenants", async () => {
    await seededPullRequest();
    for (let i = 2; i <= 31; i++) {
      await app.deps.store.ensureProject({
        fullName: `tenant${i}/app`,
        installationId: i,
        repositoryId: 10_000 + i,
      });
    }
    const session = await signIn();
    userSeesRepository();
    const home = await get("/dashboard", session);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain(FULL_NAME);
    expect(html).not.toContain("tenant");
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("the pages' answers carry the security headers and show who is signed in", async () => {
    await seededPullRequest();
    const session = await signIn();
    userSeesRepository();
    const overview = await get(`/dashboard/projects/${encodeURIComponent(FULL_NAME)}`, session);
    expect(overview.status).toBe(200);
    expect(await overview.text()).toContain(LOGIN);
    const csp = overview.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(overview.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
