import nock from "nock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningShop, startShop } from "../../examples/shop/server.ts";
import { digest } from "../../shared/audit/index.ts";
import { BrowserPool } from "../../shared/capture/index.ts";
import { aFlow, aRunResult } from "../../shared/store/testing/index.ts";
import type { RunningApp } from "../server/start.ts";
import {
  clearGithubEnv,
  countJobs,
  GITHUB,
  githubApi,
  type Harness,
  openHarness,
  runJobs,
} from "../testing/app-harness.ts";
import { contentsFile, perceoFolderAtMain, REPO } from "../testing/fixtures.ts";
import { queueDueWeeklyScans } from "./weekly-scan.ts";

const SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const REPO_PATH = `/repos/${REPO.owner}/${REPO.repo}`;
const POSTHOG = "https://us.posthog.com";
// Monday 23 November 2026, half an hour after the default schedule (Monday 09:00 UTC).
const MONDAY = new Date("2026-11-23T09:30:00Z");
const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64");
const SEEDED = '<h1>Winter sale</h1>\n<img src="/public/images/favicon.svg" width="40" height="40">';

let harness: Harness;
let app: RunningApp;
let shop: RunningShop;
let pool: BrowserPool;
let clock = MONDAY;

beforeAll(async () => {
  harness = await openHarness();
  shop = await startShop({ testChanges: { mainHtml: SEEDED } });
  pool = new BrowserPool({ concurrency: 1 });
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await pool?.close();
  await shop?.close();
});

beforeEach(async () => {
  await harness.reset();
  clearGithubEnv();
  nock.cleanAll();
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  clock = MONDAY;
  app = await harness.start({
    browsers: pool,
    // The operator trusts the local shop; the repository's allowedTargets alone would not be enough.
    settings: { deploys: { captureAllowedTargets: [shop.url] }, encryption: { key: ENCRYPTION_KEY } },
    weeklyScan: { now: () => clock },
  });
  // PostHog Cloud's name, as the analytics requests' SSRF guard resolves it.
  app.deps.capture.resolve = async (host) => (host === "us.posthog.com" ? ["93.184.216.34"] : []);
});

function configYml(): string {
  return [
    "project: hello-world",
    `baseUrl: ${shop.url}`,
    "pages:",
    `  - { url: "${shop.url}/", name: Home }`,
    `allowedTargets: ["${shop.url}"]`,
    // The App reads the stored secret; keyEnv is the CLI's and the Action's.
    "analytics: { provider: posthog, projectId: 4242, secret: posthog-key, keyEnv: SHOP_POSTHOG_KEY }",
    "",
  ].join("\n");
}

const FLOW_YML =
  "name: checkout\ndescription: Buy a lamp\npriority: critical\nsteps:\n  - goto: /products/aurora-lamp\n  - goto: /checkout\n";

/** The default branch's head and its .perceo/ folder. */
function repositoryAt(api: nock.Scope, coverage?: object | "none") {
  perceoFolderAtMain(api, REPO_PATH, SHA, { config: configYml(), flow: { name: "checkout", yml: FLOW_YML } });
  // Read once the scan is due: the recorded coverage, or a 404 when none was committed.
  if (coverage === "none")
    api
      .get(`${REPO_PATH}/contents/.perceo%2Fcoverage.json`)
      .query({ ref: SHA })
      .reply(404, { message: "Not Found" });
  else if (coverage)
    api
      .get(`${REPO_PATH}/contents/.perceo%2Fcoverage.json`)
      .query({ ref: SHA })
      .reply(200, contentsFile(".perceo/coverage.json", JSON.stringify(coverage)));
}

/** `perceo run --coverage` for the checkout flow: it went through the cart on its way to /checkout. */
const COVERAGE = {
  commit: SHA,
  flows: { checkout: { urls: ["/products/aurora-lamp", "/cart", "/checkout"], files: {} } },
};

function day(offset: number): string {
  return new Date(Date.parse("2026-11-01T00:00:00Z") + offset * 86_400_000).toISOString().slice(0, 10);
}

/**
 * PostHog's query API: no events in the funnel window, and the home page's daily traffic around a
 * change on 1 November: bounce rate 40% before, 55% after.
 */
function postHog() {
  const views: unknown[][] = [];
  const sessions: unknown[][] = [];
  for (let d = -14; d <= 21; d++) {
    if (d === 0) continue;
    views.push([day(d), "/", 400, 280]);
    sessions.push([day(d), "/", 300, d < 0 ? 120 : 165]);
  }
  const answer = (columns: string[], results: unknown[][]) => ({ columns, results, hasMore: false });
  return nock(POSTHOG, { reqheaders: { authorization: "Bearer phx_weeklyTestKey" } })
    .post("/api/projects/4242/query/", (body) => !String(body.name).startsWith("perceo-page"))
    .reply(
      200,
      answer(
        ["uuid", "event", "distinct_id", "timestamp", "$session_id", "$current_url", "$device_type"],
        [],
      ),
    )
    .post("/api/projects/4242/query/", (body) => body.name === "perceo-page-views")
    .reply(200, answer(["day", "path", "pageviews", "visitors"], views))
    .post("/api/projects/4242/query/", (body) => body.name === "perceo-page-sessions")
    .reply(200, answer(["day", "path", "sessions", "bounced"], sessions));
}

async function seedLastWeek() {
  const store = app.deps.store;
  const project = await store.ensureProject({
    fullName: `${REPO.owner}/${REPO.repo}`,
    installationId: 1,
    repositoryId: REPO.id,
  });
  await app.deps.secrets.set(project.id, "posthog-key", "phx_weeklyTestKey", "operator");
  const page = await store.upsertPage(project.id, { url: `${shop.url}/`, name: "Home" });
  await store.recordDetectedChange({
    projectId: project.id,
    pageId: page.id,
    element: 'Heading (h1) "Light for slow mornings"',
    kind: "text",
    before: "Light for slow mornings",
    after: "Light, wood and linen for slow evenings",
    firstDetectedDate: "2026-11-01",
  });
  await store.recordDetectedChange({
    projectId: project.id,
    pageId: page.id,
    element: 'Button "Shop the collection"',
    kind: "added",
    firstDetectedDate: "2026-11-18",
  });
  for (const [startedAt, checkout, signup] of [
    ["2026-11-17T10:00:00.000Z", "passed", "passed"],
    ["2026-11-19T10:00:00.000Z", "passed", "flaky"],
    ["2026-11-20T10:00:00.000Z", "failed", "passed"],
  ] as const) {
    await store.recordRun(
      aRunResult({
        project: project.fullName,
        startedAt,
        finishedAt: startedAt,
        flows: [
          aFlow({ status: checkout, durationMs: 4_200 }),
          aFlow({ name: "signup", file: ".perceo/flows/signup.yml", status: signup, durationMs: 2_100 }),
        ],
      }),
      { projectId: project.id },
    );
  }
  const { scan } = await store.beginWeeklyScan(project.id, "2026-11-16");
  await store.updateWeeklyScan(scan.id, { status: "succeeded", issueNumber: 41 });
  const home = `audit:${digest(`${shop.url}/`)}`;
  await store.recordWeeklyScanFindings(scan.id, [
    // Same evidence as this week (two h1): the 👎 keeps it hidden.
    { fingerprint: `${home}:h1`, evidence: "2", title: "<h1>", commentId: 9001 },
    // Other images lacked alt last week: new evidence brings the finding back despite the 👎.
    { fingerprint: `${home}:image-alt`, evidence: "000000000000", title: "images", commentId: 9002 },
  ]);
  return project;
}

function captureBodies(api: nock.Scope) {
  const issues: Array<Record<string, unknown>> = [];
  const comments: string[] = [];
  api
    .get(`${REPO_PATH}/issues`)
    .query({ labels: "perceo", state: "all", sort: "created", direction: "desc", per_page: 20 })
    .reply(200, [{ number: 41, title: "Perceo weekly scan — 2026-11-16", state: "open" }])
    .post(`${REPO_PATH}/issues`, (body) => {
      issues.push(body);
      return true;
    })
    .reply(201, { number: 42 });
  // As many finding comments as there are findings to react to (at most ten). nock may show a body
  // to several interceptors, so each keeps only the bodies it is for.
  let id = 10_000;
  nock(GITHUB)
    .persist()
    .post(`${REPO_PATH}/issues/42/comments`, (body) => {
      if (typeof body.body === "string" && body.body.startsWith("<!-- perceo:finding")) {
        if (!comments.includes(body.body)) comments.push(body.body);
        return true;
      }
      return false;
    })
    .reply(201, () => ({ id: ++id }));
  return { issues, comments };
}

describe("the weekly scan job", () => {
  it("opens this week's issue from the database, hides a 👎'd finding, records the reactions and closes last week's", async () => {
    const project = await seedLastWeek();
    const api = githubApi();
    repositoryAt(api, COVERAGE);
    api
      .get(`${REPO_PATH}/issues/comments/9001/reactions`)
      .query({ per_page: 100 })
      .reply(200, [
        { id: 1, content: "-1", user: { login: "octocat", type: "User" } },
        { id: 2, content: "+1", user: { login: "perceo[bot]", type: "Bot" } },
      ])
      .get(`${REPO_PATH}/issues/comments/9002/reactions`)
      .query({ per_page: 100 })
      .reply(200, [
        { id: 3, content: "-1", user: { login: "octocat", type: "User" } },
        { id: 4, content: "+1", user: { login: "hubot", type: "User" } },
      ]);
    const sent = captureBodies(api);
    const closing: unknown[] = [];
    api
      .get(`${REPO_PATH}/issues/41`)
      .reply(200, { number: 41, state: "open" })
      .post(`${REPO_PATH}/issues/41/comments`, (body) => {
        closing.push(body);
        return true;
      })
      .reply(201, { id: 1 })
      .patch(`${REPO_PATH}/issues/41`, (body) => {
        closing.push(body);
        return true;
      })
      .reply(200, { number: 41, state: "closed" });
    const analytics = postHog();

    expect(await queueDueWeeklyScans(app.deps, app.deps.log)).toBe(1);
    await runJobs(app);

    expect(nock.pendingMocks()).toStrictEqual([]);
    expect(analytics.pendingMocks()).toStrictEqual([]);
    expect(sent.issues).toHaveLength(1);
    if (process.env.PERCEO_WEEKLY_ISSUE_OUT) {
      const { writeFile } = await import("node:fs/promises");
      await writeFile(
        process.env.PERCEO_WEEKLY_ISSUE_OUT,
        `${(sent.issues[0] as { body: string }).body}\n---\n${sent.comments.join("\n---\n")}`,
      );
    }
    const issue = sent.issues[0] as { title: string; body: string; labels: string[] };
    expect(issue.title).toBe("Perceo weekly scan — 2026-11-23");
    expect(issue.labels).toStrictEqual(["perceo"]);
    const body = issue.body;
    // Summary first, then the sections in order.
    const sections = [...body.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
    expect(sections).toStrictEqual([
      "Summary",
      "Changes of the week",
      "Audit findings",
      "Flow health (last 7 days)",
      "Coverage gaps",
      "Open insights",
    ]);
    expect(body).toContain("1 hidden after a 👎.");
    expect(body).not.toMatch(/· h1/);
    expect(body).toMatch(/\*\*Home\*\* · alt text: `image \/public\/images\/favicon.svg`/);
    // The old change's 14-day checkpoint regressed on bounce rate; the new one waits for its first.
    expect(body).toContain(
      '| Home | Button "Shop the collection" added | 18 Nov | 👀 watching | first at 26 Nov |',
    );
    expect(body).toMatch(/Heading \\\(h1\\\) .*\| 1 Nov \| 📉 regressed \| 7 d worsened, 14 d worsened \|/);
    expect(body).toMatch(/- \*\*medium\*\* · Heading \\\(h1\\\) .* on .* regressed bounce rate/);
    expect(body).toContain("  - bounce rate: 40.0% → 55.0% \\(+15.0 pts\\) regressed");
    expect(body).toContain("| ❌ `checkout` | 3 | 66.7% | 0 | 1 | 4.2 s |");
    expect(body).toContain("| ⚠️ `signup` | 3 | 100.0% | 1 | 0 | 2.1 s |");
    expect(body).toContain("- **Flows:** 0 of 2 passed every run; failing: `checkout`; flaky: `signup`.");
    // Each shown finding of the top ten is its own comment, for reactions.
    expect(sent.comments.length).toBeGreaterThan(2);
    expect(sent.comments.every((c) => c.startsWith("<!-- perceo:finding -->"))).toBe(true);
    expect(closing).toStrictEqual([
      { body: "This week's scan is #42." },
      { state: "closed", state_reason: "completed" },
    ]);

    const { rows: feedback } = await app.deps.pool.query(
      `select finding_fingerprint, verdict, actor from public.finding_feedback where project_id = $1 order by actor, finding_fingerprint`,
      [project.id],
    );
    expect(feedback.map((f) => [f.verdict, f.actor, f.finding_fingerprint.split(":").pop()])).toStrictEqual([
      ["confirm", "hubot", "image-alt#000000000000"],
      ["false_positive", "octocat", "h1#2"],
      ["false_positive", "octocat", "image-alt#000000000000"],
    ]);
    const suggestions = await app.deps.store.listTrackedSuggestions(project.id, { status: ["open"] });
    expect(suggestions.length).toBe(Number(body.match(/\*\*(\d+) findings\*\*/)?.[1]));
    expect(suggestions.every((s) => s.timesSuggested === 1)).toBe(true);
  }, 300_000);

  it("creates the week's issue once however often the job and the tick run", async () => {
    await seedLastWeek();
    const api = githubApi();
    repositoryAt(api, "none");
    api
      .get(/\/issues\/comments\/900[12]\/reactions/)
      .query(true)
      .times(2)
      .reply(200, [])
      .get(`${REPO_PATH}/issues/41`)
      .reply(200, { number: 41, state: "closed" });
    const sent = captureBodies(api);
    postHog();
    await queueDueWeeklyScans(app.deps, app.deps.log);
    await queueDueWeeklyScans(app.deps, app.deps.log);
    expect(await countJobs(app, "weekly-scan")).toBe(1);
    await runJobs(app);
    expect(sent.issues).toHaveLength(1);

    // Later the same week: the tick finds the scan done and queues nothing; a stray job does nothing.
    clock = new Date("2026-11-25T12:00:00Z");
    const unexpected: string[] = [];
    const noMatch = (req: Request) => {
      unexpected.push(req.url);
    };
    nock.emitter.on("no match", noMatch);
    expect(await queueDueWeeklyScans(app.deps, app.deps.log)).toBe(0);
    await app.deps.queue.enqueue({
      task: "weekly-scan",
      key: "weekly-scan:stray",
      payload: {
        installationId: 1,
        owner: REPO.owner,
        repo: REPO.repo,
        repositoryId: REPO.id,
        weekStart: "2026-11-23",
      },
    });
    await runJobs(app);
    nock.emitter.removeListener("no match", noMatch);
    expect(unexpected).toStrictEqual([]);
    expect(sent.issues).toHaveLength(1);
    expect(await countJobs(app, "weekly-scan")).toBe(0);
  }, 300_000);

  it("waits for the configured day and hour, and the hourly tick keeps that time", async () => {
    await seedLastWeek();
    // A Monday still ahead of the database's clock, before the default 09:00 UTC.
    clock = new Date("2030-01-07T07:15:00Z");
    const api = githubApi();
    repositoryAt(api);
    await queueDueWeeklyScans(app.deps, app.deps.log);
    await runJobs(app);
    expect(nock.pendingMocks()).toStrictEqual([]);
    const runAt = async () =>
      (
        await app.deps.pool.query<{ run_at: Date }>(
          "select run_at from graphile_worker.jobs where task_identifier = 'weekly-scan'",
        )
      ).rows.map((r) => r.run_at.toISOString());
    expect(await runAt()).toStrictEqual(["2030-01-07T09:00:00.000Z"]);
    clock = new Date("2030-01-07T08:00:00Z");
    await queueDueWeeklyScans(app.deps, app.deps.log);
    expect(await runAt()).toStrictEqual(["2030-01-07T09:00:00.000Z"]);
  }, 60_000);
});
