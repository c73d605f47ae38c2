import { mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { directoryBlobs, postgresStore, type Store } from "../store/index.ts";
import {
  aFlow,
  aProjectName,
  aRunResult,
  aSha,
  openMigratedDatabase,
  type TestDatabase,
} from "../store/testing/index.ts";
import { createDashboard, pullRequestReviewPath, type Viewer } from "./index.ts";
import type { ReviewAction } from "./review.ts";
import { type ReviewScenario, seedReview } from "./testing.ts";

let database: TestDatabase;
let store: Store;
let server: Server;
let origin: string;
let viewer: Viewer;
const reviews: ReviewAction[] = [];

const CSRF = "token-of-this-session";
const fullAccess = (): Viewer => ({
  canRead: async () => true,
  canWrite: async () => true,
  csrfToken: CSRF,
  login: "octocat",
});

beforeAll(async () => {
  database = await openMigratedDatabase("pglite");
  const blobs = directoryBlobs(await mkdtemp(path.join(tmpdir(), "perceo-dashboard-blobs-")));
  store = postgresStore(database.db, { blobs });
  const handle = createDashboard({
    store,
    blobs,
    basePath: "/dashboard",
    viewer: async () => viewer,
    onReview: async (action) => void reviews.push(action),
  });
  server = createServer((req, res) => {
    void handle(req, res).then((handled) => {
      if (!handled) res.writeHead(418).end("not the dashboard's");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  // Migrating PGlite takes a while on a loaded machine.
}, 180_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await database.close();
});

beforeEach(() => {
  viewer = fullAccess();
  reviews.length = 0;
});

const get = (p: string) => fetch(`${origin}${p}`);
const post = (p: string, body: Record<string, string>, json = true) =>
  fetch(`${origin}${p}`, {
    method: "POST",
    redirect: "manual",
    headers: json
      ? { "content-type": "application/json", accept: "application/json" }
      : { "content-type": "application/x-www-form-urlencoded" },
    body: json ? JSON.stringify(body) : new URLSearchParams(body).toString(),
  });
const reviewUrl = (s: ReviewScenario) => pullRequestReviewPath("/dashboard", s.project, s.prNumber);

describe("the dashboard's pages", () => {
  it("answers only under its base path, and every page carries the security headers", async () => {
    expect((await get("/elsewhere")).status).toBe(418);
    for (const p of ["/dashboard/", "/dashboard/assets/review.js", "/dashboard/projects/nope%2Fnope"]) {
      const res = await get(p);
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(res.headers.get("content-security-policy")).not.toContain("unsafe-inline");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    expect((await get("/dashboard/assets/review.js")).headers.get("content-type")).toMatch(
      /^text\/javascript/,
    );
    const page = await (await get("/dashboard/")).text();
    // No inline script: every <script> has a src under the dashboard's assets.
    expect(page.match(/<script(?![^>]*\ssrc="\/dashboard\/assets\/)[^>]*>/g) ?? []).toEqual([]);
  });

  it("shows a project's flow health, recent runs and prediction calibration", async () => {
    const project = aProjectName();
    const sha = aSha(`${project}-calibrated`);
    const now = Date.now();
    const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
    const failing = aRunResult({
      project,
      status: "failed",
      startedAt: at(30),
      finishedAt: at(29),
      flows: [
        aFlow({ name: "checkout", status: "failed", durationMs: 9_000 }),
        aFlow({ name: "search", durationMs: 500 }),
      ],
    });
    const passing = aRunResult({
      project,
      startedAt: at(10),
      finishedAt: at(9),
      flows: [aFlow({ name: "checkout", durationMs: 8_000 }), aFlow({ name: "search", durationMs: 400 })],
    });
    const { projectId } = await store.recordRun(failing, { commitSha: sha });
    await store.recordRun(passing, { commitSha: sha });
    await store.recordPredictions(projectId, [
      { headSha: sha, flowName: "checkout", probability: 0.9, confidence: 0.8 },
      { headSha: sha, flowName: "search", probability: 0.2, confidence: 0.8 },
    ]);
    await store.recordPredictionOutcomes(projectId, sha, [
      { flowName: "checkout", actual: "failed" },
      { flowName: "search", actual: "passed" },
    ]);

    const res = await get(`/dashboard/projects/${encodeURIComponent(project)}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const checkoutRow = html.match(/<tr><th scope="row">checkout.*?<\/tr>/)?.[0] ?? "";
    expect(checkoutRow).toContain("slowest");
    expect(checkoutRow).toContain("<td>2</td><td>50%</td><td>0%</td>");
    expect(checkoutRow).toContain(failing.id);
    expect(html).toContain(passing.id);
    // (0.9-1)² and (0.2-0)² averaged: 0.025.
    expect(html).toContain('<strong class="brier">0.025</strong> over 2 predictions');
    expect(html).toContain("<td>0.9–1.0</td><td>1</td><td>90%</td><td>100%</td>");
  });

  it("shows a run's flows, attempts, steps with file:line and its screenshots, all escaped", async () => {
    const s = await seedReview(store, { project: aProjectName() });
    const run = await store.getRun(s.runId);
    const hostile = aRunResult({
      project: s.project,
      flows: [aFlow({ name: '<img src=x onerror="alert(1)">' })],
    });
    await store.recordRun(hostile);
    const hostileHtml = await (
      await get(`/dashboard/projects/${encodeURIComponent(s.project)}/runs/${hostile.id}`)
    ).text();
    expect(hostileHtml).not.toContain("<img src=x");
    expect(hostileHtml).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");

    const res = await get(`/dashboard/projects/${encodeURIComponent(s.project)}/runs/${s.runId}`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(run?.flows.map((f) => f.name)).toEqual(["checkout", "signup", "search", "about"]);
    expect(html).toContain('<code class="where">.perceo/flows/checkout.yml:6</code>');
    const src = html.match(/<img src="([^"]+checkout\/page\.png)"/)?.[1];
    expect(src).toBe(
      `/dashboard/projects/${encodeURIComponent(s.project)}/artifacts/screenshots/${s.runId}/checkout/page.png`,
    );
    const image = await get(src as string);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(
      Buffer.from(await image.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
  });

  it("serves a project's objects only under that project", async () => {
    const a = await seedReview(store);
    const b = await seedReview(store);
    const own = `/dashboard/projects/${encodeURIComponent(a.project)}/artifacts/screenshots/${a.runId}/checkout/page.png`;
    expect((await get(own)).status).toBe(200);
    // b's object asked for under a's project: the path is read under a's id, so it is not there.
    const other = `/dashboard/projects/${encodeURIComponent(a.project)}/artifacts/screenshots/${b.runId}/checkout/page.png`;
    expect((await get(other)).status).toBe(404);
    const climbing = `/dashboard/projects/${encodeURIComponent(a.project)}/artifacts/screenshots/..%2F${b.projectId}%2F${b.runId}%2Fcheckout%2Fpage.png`;
    expect((await get(climbing)).status).toBe(404);
  });
});

describe("the deploys and weekly scans pages", () => {
  it("shows each detected change with its status, checkpoints and history", async () => {
    const project = await store.ensureProject({ fullName: aProjectName() });
    const page = await store.upsertPage(project.id, { url: "https://shop.example/checkout" });
    const { change } = await store.recordDetectedChange({
      projectId: project.id,
      pageId: page.id,
      element: 'button "Place order"',
      kind: "text",
      before: "Place order",
      after: "<b>Buy now</b>",
    });
    await store.recordCheckpoint({ changeId: change.id, horizonDays: 7, verdict: "improved" });
    await store.transitionChange(change.id, "validated", { reason: "conversion up 4%", actor: "perceo" });
    const html = await (
      await get(`/dashboard/projects/${encodeURIComponent(project.fullName)}/deploys`)
    ).text();
    const row = html.match(/<tr><td>\d{4}-\d{2}-\d{2}<\/td>.*?<\/tr>/)?.[0] ?? "";
    expect(row).toContain("<code>button &quot;Place order&quot;</code>");
    expect(row).toContain("&lt;b&gt;Buy now&lt;/b&gt;");
    expect(row).toContain('<span class="badge validated">validated</span>');
    expect(row).toContain('<li>7 days: <span class="badge improved">improved</span></li>');
    expect(row).toContain("watching → validated — conversion up 4% (perceo)");
  });

  it("lists the weekly scans that opened an issue, linked, and the open suggestions", async () => {
    const project = await store.ensureProject({ fullName: aProjectName() });
    const { scan } = await store.beginWeeklyScan(project.id, "2026-11-30");
    await store.updateWeeklyScan(scan.id, { status: "succeeded", issueNumber: 12 });
    await store.recordWeeklySuggestions(project.id, "2026-11-30", [
      {
        fingerprint: "lcp-home",
        source: "weekly_scan",
        title: "The home page's hero image loads late",
        impact: "high",
      },
    ]);
    const html = await (
      await get(`/dashboard/projects/${encodeURIComponent(project.fullName)}/weekly`)
    ).text();
    expect(html).toContain(
      `<tr><th scope="row">2026-11-30</th><td><span class="badge succeeded">succeeded</span></td><td><a href="https://github.com/${project.fullName}/issues/12">#12</a></td>`,
    );
    expect(html).toContain(
      "<strong>The home page&#39;s hero image loads late</strong> <small>suggested 1×</small>",
    );
  });
});

describe("the pull request review", () => {
  it("lists every changed screenshot with before, after and diff, identical changes grouped", async () => {
    const s = await seedReview(store);
    const html = await (await get(reviewUrl(s))).text();
    expect(html).toContain("3 changed screenshots in 2 groups · 1 unchanged");
    const sections = html.match(/<section class="change"[\s\S]*?<\/section>/g) ?? [];
    expect(sections).toHaveLength(2);
    const banner = sections.find((x) => x.includes("checkout · page")) ?? "";
    expect(banner).toContain("The same change in <span>signup · page</span>");
    expect(banner).toMatch(
      /<button type="button" class="zoom" data-x="0" data-y="0" data-w="320" data-h="24">/,
    );
    const search = sections.find((x) => x.includes("search · page")) ?? "";
    expect(search).toContain("15% changed");
    for (const kind of ["before", "after", "diff"]) expect(banner).toContain(`<figure class="${kind}">`);
    const diffSrc = banner.match(/<img src="([^"]+\/diffs\/[^"]+\.png)"/)?.[1] as string;
    const diff = await get(diffSrc.replaceAll("&amp;", "&"));
    expect(diff.status).toBe(200);
    expect(diff.headers.get("content-type")).toBe("image/png");
    expect(html).toContain(`<meta name="perceo-csrf" content="${CSRF}">`);
  });

  it("the same change on a short and a long page is one group", async () => {
    const s = await seedReview(store, { signupHeight: 260 });
    const html = await (await get(reviewUrl(s))).text();
    expect(html).toContain("3 changed screenshots in 2 groups");
    expect(html).toContain("The same change in <span>signup · page</span>");
  });

  it("approving one group makes its screenshots the baselines and reports it to the host", async () => {
    const s = await seedReview(store);
    const html = await (await get(reviewUrl(s))).text();
    const ids =
      html.match(/<section class="change"[^>]*data-ids="([^"]+)"[^>]*>\s*<h2[^>]*>checkout/)?.[1] ?? "";
    expect(ids.split(",")).toHaveLength(2);
    const res = await post(`${reviewUrl(s)}/approve`, {
      csrf: CSRF,
      screenshots: ids.split(",")[0] as string,
    });
    expect(res.status).toBe(200);
    const action = (await res.json()) as ReviewAction;
    expect(action.screenshotIds.sort()).toEqual(ids.split(",").sort());
    expect(reviews).toEqual([
      expect.objectContaining({ kind: "approve", actor: "octocat", headSha: s.headSha }),
    ]);
    const pending = await store.listPendingScreenshots(s.projectId, s.headSha);
    expect(pending.map((p) => p.flowName).sort()).toEqual(["about", "search"]);
    // Recorded with who and when, and made the baseline of the head commit (as the command does).
    const rows = await database.db.query<{
      approval: string;
      reviewed_by: string;
      reviewed: boolean;
      baselines: number;
    }>(
      `select approval, reviewed_by, reviewed_at is not null as reviewed,
         (select count(*)::int from public.baselines b where b.screenshot_id = s.id and b.commit_sha = $2) as baselines
       from public.screenshots s where s.id = any($1::uuid[])`,
      [ids.split(","), s.headSha],
    );
    expect(rows).toEqual([
      { approval: "approved", reviewed_by: "octocat", reviewed: true, baselines: 1 },
      { approval: "approved", reviewed_by: "octocat", reviewed: true, baselines: 1 },
    ]);
    expect(await (await get(reviewUrl(s))).text()).toContain("1 changed screenshot · 1 unchanged");
  });

  it("approve all approves every pending screenshot of the head commit, as /perceo approve does", async () => {
    const s = await seedReview(store);
    const res = await post(`${reviewUrl(s)}/approve`, { csrf: CSRF, all: "1" }, false);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(reviewUrl(s));
    expect(await store.listPendingScreenshots(s.projectId, s.headSha)).toEqual([]);
    expect(reviews[0]?.screenshotIds).toHaveLength(4);
  });

  it("ignoring remembers the change by its fingerprint and marks it next time", async () => {
    const s = await seedReview(store);
    const html = await (await get(reviewUrl(s))).text();
    const ids = html.match(/data-ids="([^"]+)"[^>]*>\s*<h2[^>]*>search/)?.[1] as string;
    const res = await post(`${reviewUrl(s)}/ignore`, { csrf: CSRF, screenshots: ids });
    expect(res.status).toBe(200);
    const ignored = await store.listIgnoredFingerprints(s.projectId);
    expect(ignored).toHaveLength(1);
    expect(ignored[0]).toMatch(/^visual:[0-9a-f]{32}$/);
    const again = await (await get(reviewUrl(s))).text();
    expect(again.match(/<section[^>]*>\s*<h2[^>]*>search[^\n]*/)?.[0]).toContain("ignored before");
    // Ignoring is not approving: the screenshot still waits.
    expect((await store.listPendingScreenshots(s.projectId, s.headSha)).length).toBe(4);
  });

  it("refuses a state change without the session's CSRF token", async () => {
    const s = await seedReview(store);
    const bodies: Record<string, string>[] = [{ all: "1" }, { all: "1", csrf: "forged" }];
    for (const body of bodies) {
      const res = await post(`${reviewUrl(s)}/approve`, body);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toContain("reload the page");
    }
    expect(await store.listPendingScreenshots(s.projectId, s.headSha)).toHaveLength(4);
    expect((await get(`${reviewUrl(s)}/approve`)).status).toBe(405);
  });

  it("a reader without write access sees no approve control and gets 403 from the endpoint", async () => {
    const s = await seedReview(store);
    viewer = { ...fullAccess(), canWrite: async () => false };
    const html = await (await get(reviewUrl(s))).text();
    expect(html).toContain("2 groups");
    expect(html).not.toContain('class="approve"');
    expect(html).not.toContain("Approve all");
    expect(html).toContain("approving needs write access");
    const res = await post(`${reviewUrl(s)}/approve`, { csrf: CSRF, all: "1" });
    expect(res.status).toBe(403);
    expect(await store.listPendingScreenshots(s.projectId, s.headSha)).toHaveLength(4);
  });

  it("another tenant's project answers 404 on every page, like one that does not exist", async () => {
    const s = await seedReview(store);
    viewer = { ...fullAccess(), canRead: async (name) => name !== s.project };
    const p = encodeURIComponent(s.project);
    for (const url of [
      `/dashboard/projects/${p}`,
      `/dashboard/projects/${p}/runs/${s.runId}`,
      reviewUrl(s),
      `/dashboard/projects/${p}/artifacts/screenshots/${s.runId}/checkout/page.png`,
      "/dashboard/projects/nobody%2Fnothing",
    ]) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(await res.text()).not.toContain(s.runId);
    }
    expect((await post(`${reviewUrl(s)}/approve`, { csrf: CSRF, all: "1" })).status).toBe(404);
    expect(await (await get("/dashboard/")).text()).not.toContain(p);
  });

  it("a screenshot of another pull request cannot be approved through this one", async () => {
    const a = await seedReview(store, { prNumber: 1 });
    const b = await seedReview(store, { project: a.project, prNumber: 2 });
    const [foreign] = await store.listPendingScreenshots(b.projectId, b.headSha);
    const res = await post(`${reviewUrl(a)}/approve`, { csrf: CSRF, screenshots: foreign?.id as string });
    expect(res.status).toBe(404);
  });
});
