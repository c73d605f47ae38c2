import type { PullRequestOpenedEvent, PullRequestReadyForReviewEvent } from "@octokit/webhooks-types";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { fileFactsCache } from "../../shared/observer/index.ts";
import { gitBlobId } from "../github/head-tarball.ts";
import { COMMENT_MARKER } from "../github/sticky-comment.ts";
import { factsFile } from "../jobs/pr-impact.ts";
import type { RunningApp } from "../server/start.ts";
import { countJobs, deliver, githubApi, runJobs, useAppHarness } from "../testing/app-harness.ts";
import { CONFIG_YML, flowYml, INSTALLATION_ID, REPO, webhookExample } from "../testing/fixtures.ts";
import { serveTarball } from "../testing/serve-tarball.ts";
import { gzippedTar, tarballTop } from "../testing/tarball.ts";

const SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const BASE_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
const CHECK_ID = 4;
const REPO_PATH = `/repos/${REPO.owner}/${REPO.repo}`;

let app: RunningApp;

useAppHarness({
  app: (a) => {
    app = a;
  },
});

function openedEvent(changes: Partial<PullRequestOpenedEvent["pull_request"]> = {}) {
  const payload = webhookExample<PullRequestOpenedEvent>("pull_request", "opened");
  Object.assign(payload.pull_request, { draft: false, changed_files: 2 }, changes);
  return payload;
}

const base64 = (text: string) => Buffer.from(text).toString("base64");
const file = (path: string, text: string) => ({
  type: "file",
  path,
  name: path.split("/").pop(),
  content: base64(text),
  encoding: "base64",
});

/** `.perceo/` at the head: a config and two flows, checkout covering src/cart/**. */
function repoConfig(api: nock.Scope, flows: Record<string, string> = defaultFlows()) {
  api
    .get(`${REPO_PATH}/contents/.perceo`)
    .query({ ref: SHA })
    .reply(200, [
      { type: "file", path: ".perceo/config.yml", name: "config.yml" },
      { type: "dir", path: ".perceo/flows", name: "flows" },
    ])
    .get(`${REPO_PATH}/contents/.perceo%2Fflows`)
    .query({ ref: SHA })
    .reply(
      200,
      Object.keys(flows).map((path) => ({ type: "file", path, name: path.split("/").pop() })),
    )
    .get(`${REPO_PATH}/contents/.perceo%2Fconfig.yml`)
    .query({ ref: SHA })
    .reply(200, file(".perceo/config.yml", CONFIG_YML));
  for (const [path, text] of Object.entries(flows)) {
    api
      .get(`${REPO_PATH}/contents/${encodeURIComponent(path)}`)
      .query({ ref: SHA })
      .reply(200, file(path, text));
  }
}

const TOTAL_TS = "export const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);\n";

/** The head commit's files, as GitHub's tarball: the observer reads routes and imports from them. */
async function headFiles(api: nock.Scope) {
  const top = tarballTop(SHA);
  const body = await gzippedTar([
    { name: `${top}/`, type: "directory" },
    { name: `${top}/src/cart/total.ts`, text: TOTAL_TS },
    { name: `${top}/src/search/box.ts`, text: "export const box = 'search';\n" },
    { name: `${top}/README.md`, text: "# Hello World\n" },
  ]);
  serveTarball(api, SHA, { body });
}

/** No `.perceo/` at the root, and none further down the commit's tree. */
function noConfig(api: nock.Scope) {
  api
    .get(`${REPO_PATH}/contents/.perceo`)
    .query({ ref: SHA })
    .reply(404, { message: "Not Found" })
    .get(`${REPO_PATH}/git/trees/${SHA}`)
    .query({ recursive: "1" })
    .reply(200, { sha: SHA, tree: [{ type: "blob", path: "README.md", sha: "a" }], truncated: false });
}

function defaultFlows() {
  return {
    ".perceo/flows/checkout.yml": flowYml("checkout", ["src/cart/**"], "critical"),
    ".perceo/flows/search.yml": flowYml("search", ["src/search/**"], "medium"),
  };
}

function checkRunLookup(api: nock.Scope, runs: unknown[] = []) {
  api
    .get(`${REPO_PATH}/commits/${SHA}/check-runs`)
    .query({ check_name: "Perceo / Impact", filter: "all", per_page: "100" })
    .reply(200, { total_count: runs.length, check_runs: runs });
}

/** Records the JSON bodies sent to a route so the test can compare them exactly. */
function bodies() {
  const sent: unknown[] = [];
  // nock also offers other requests' empty bodies to a matcher; keep only the JSON ones.
  const take = (body: unknown) => {
    if (typeof body === "object") sent.push(body);
    return true;
  };
  return { sent, take };
}

const IMPACT_TABLE = [
  "| Flow | Priority | Risk | Why |",
  "|---|---|---|---|",
  '| `checkout` | critical | medium: the flow\'s own file or a covers glob names the change; logic changed | src/cart/total.ts matches covers glob "src/cart/\\*\\*" in .perceo/flows/checkout.yml |',
  "",
  "Risk: shown as strength: 0 of the 50 predictions with results a calibrated percentage needs are recorded for this project.",
  "",
  "Not affected: `search`.",
].join("\n");
const BASIS =
  "Selected from the head commit's 3 files: routes, the import graph, covers globs and flow files.";

describe("pull_request", () => {
  it("gives a pull request a Perceo / Impact check run and one sticky comment, and keeps the modules it parsed for the next", async () => {
    const created = bodies();
    const completed = bodies();
    const comments = bodies();
    const api = githubApi();
    checkRunLookup(api);
    api.post(`${REPO_PATH}/check-runs`, created.take).reply(201, { id: CHECK_ID });
    repoConfig(api);
    await headFiles(api);
    api
      .get(`${REPO_PATH}/pulls/2/files`)
      .query({ per_page: "100" })
      .reply(200, [
        { filename: "src/cart/total.ts", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" },
        { filename: "README.md", status: "modified" },
      ])
      .patch(`${REPO_PATH}/check-runs/${CHECK_ID}`, completed.take)
      .reply(200, { id: CHECK_ID })
      .get(`${REPO_PATH}/issues/2/comments`)
      .query({ per_page: "100" })
      .reply(200, [])
      .post(`${REPO_PATH}/issues/2/comments`, comments.take)
      .reply(201, { id: 77 });

    const response = await deliver(app, "pull_request", openedEvent());
    expect(response.status).toBe(200);
    expect(await countJobs(app, "pr-impact")).toBe(1);
    await runJobs(app);

    expect(created.sent).toStrictEqual([
      { name: "Perceo / Impact", head_sha: SHA, external_id: `impact:${SHA}`, status: "in_progress" },
    ]);
    expect(completed.sent).toStrictEqual([
      {
        status: "completed",
        conclusion: "success",
        output: { title: "1 of 2 flows affected", summary: `${IMPACT_TABLE}\n\n${BASIS}` },
      },
    ]);
    expect(comments.sent).toStrictEqual([
      {
        body: [
          COMMENT_MARKER,
          "### Perceo",
          "",
          IMPACT_TABLE,
          "",
          "Impact of ec26c3e; results follow when **Perceo / Flows** finishes.",
          "",
          "<sub>Commands: `/perceo run [all|flow…]`, `/perceo approve [flow…]`, `/perceo ignore <flow>`, `/perceo help`.</sub>",
        ].join("\n"),
      },
    ]);
    expect(nock.pendingMocks()).toStrictEqual([]);
    expect(await countJobs(app)).toBe(0);

    const project = await app.deps.store.getProject(`${REPO.owner}/${REPO.repo}`);
    expect(project).toMatchObject({ repositoryId: REPO.id, installationId: INSTALLATION_ID });
    const predictions = await app.deps.store.listPredictions(project?.id ?? "", SHA);
    expect(
      predictions.map((p) => [p.flowName, p.prNumber, Math.round(p.probability * 100), p.reasoning]),
    ).toStrictEqual([
      [
        "checkout",
        2,
        39,
        'src/cart/total.ts matches covers glob "src/cart/**" in .perceo/flows/checkout.yml\n' +
          "risk inputs: covers 1, route 0, hops 0, layout 0, coverage 0, everyPage 0, global 0, advisor 0, logic 1, markup 0, copy 0, styling 0, lines 1, priority 1, failRate 0, flakyRate 0, coFailures 0",
      ],
    ]);

    // The repository's next pull request reads unchanged modules' facts by content instead of parsing them.
    const cache = fileFactsCache(factsFile(app.deps.factsDir ?? "", REPO.id));
    const kept = cache.get(gitBlobId(Buffer.from(TOTAL_TS)), "src/cart/total.ts");
    expect([...(kept?.facts.exports.keys() ?? [])]).toStrictEqual(["total"]);
    expect(cache.get(gitBlobId(Buffer.from("changed")), "src/cart/total.ts")).toBeUndefined();
  });

  it("a redelivered webhook queues no second job", async () => {
    const first = await deliver(app, "pull_request", openedEvent());
    const again = await deliver(app, "pull_request", openedEvent(), { id: first.id });
    expect([first.status, again.status]).toStrictEqual([200, 200]);
    expect(await countJobs(app, "pr-impact")).toBe(1);
  });

  it("concurrent copies of a delivery, and other events for the same head, make one job", async () => {
    const id = crypto.randomUUID();
    const copies = await Promise.all(
      Array.from({ length: 6 }, () => deliver(app, "pull_request", openedEvent(), { id })),
    );
    const ready = webhookExample<PullRequestReadyForReviewEvent>("pull_request", "ready_for_review");
    Object.assign(ready.pull_request, { draft: false, head: { ...ready.pull_request.head, sha: SHA } });
    const other = await deliver(app, "pull_request", ready);
    expect(copies.map((c) => c.status)).toStrictEqual([200, 200, 200, 200, 200, 200]);
    expect(other.status).toBe(200);
    expect(await countJobs(app, "pr-impact")).toBe(1);
  });

  it("a retried job edits its existing check run and comment in place", async () => {
    const completed = bodies();
    const edited = bodies();
    const api = githubApi();
    checkRunLookup(api, [
      { id: 1, external_id: "someone-else" },
      { id: CHECK_ID, external_id: `impact:${SHA}` },
    ]);
    repoConfig(api);
    await headFiles(api);
    api
      .get(`${REPO_PATH}/pulls/2/files`)
      .query({ per_page: "100" })
      .reply(200, [{ filename: "src/cart/total.ts", status: "modified" }])
      .patch(`${REPO_PATH}/check-runs/${CHECK_ID}`, completed.take)
      .reply(200, { id: CHECK_ID })
      .get(`${REPO_PATH}/issues/2/comments`)
      .query({ per_page: "100" })
      .reply(200, [
        { id: 5, body: `${COMMENT_MARKER}\nby a person quoting us`, user: { type: "User" } },
        { id: 9, body: `${COMMENT_MARKER}\nold`, user: { type: "Bot" } },
      ])
      .patch(`${REPO_PATH}/issues/comments/9`, edited.take)
      .reply(200, { id: 9 });

    await deliver(app, "pull_request", openedEvent());
    await runJobs(app);
    expect(completed.sent).toHaveLength(1);
    expect(edited.sent).toHaveLength(1);
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("a bad config fails the check run with annotations at the file and line", async () => {
    const completed = bodies();
    const comments = bodies();
    const api = githubApi();
    checkRunLookup(api);
    api.post(`${REPO_PATH}/check-runs`).reply(201, { id: CHECK_ID });
    repoConfig(api, {
      ".perceo/flows/checkout.yml": flowYml("checkout", ["src/cart/**"]).replace("click:", "clik:"),
    });
    api
      .patch(`${REPO_PATH}/check-runs/${CHECK_ID}`, completed.take)
      .reply(200, { id: CHECK_ID })
      .get(`${REPO_PATH}/issues/2/comments`)
      .query({ per_page: "100" })
      .reply(200, [])
      .post(`${REPO_PATH}/issues/2/comments`, comments.take)
      .reply(201, { id: 78 });

    await deliver(app, "pull_request", openedEvent());
    await runJobs(app);

    const [patch] = completed.sent as Array<{
      conclusion: string;
      output: { title: string; annotations: unknown[] };
    }>;
    expect(patch?.conclusion).toBe("failure");
    expect(patch?.output.title).toBe("The Perceo config has 1 problem");
    expect(patch?.output.annotations).toStrictEqual([
      {
        path: ".perceo/flows/checkout.yml",
        start_line: 8,
        end_line: 8,
        start_column: 5,
        end_column: 5,
        annotation_level: "failure",
        title: "Perceo config",
        message: expect.stringContaining('did you mean "click"'),
      },
    ]);
    expect(JSON.stringify(comments.sent)).toContain("The Perceo config at ec26c3e has 1 problem(s)");
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("a pull request of 4,000 files is compared through the trees of its merge base and head", async () => {
    const completed = bodies();
    const api = githubApi();
    checkRunLookup(api);
    api.post(`${REPO_PATH}/check-runs`).reply(201, { id: CHECK_ID });
    repoConfig(api);
    await headFiles(api);
    const unchanged = Array.from({ length: 4_000 }, (_, i) => ({
      type: "blob",
      path: `gen/f${i}.ts`,
      sha: `a${i}`,
    }));
    const changed = unchanged.map((e) => ({ ...e, sha: `b${e.sha}` }));
    api
      .get(`${REPO_PATH}/compare/${BASE_SHA}...${SHA}`)
      .query({ per_page: "1" })
      .reply(200, { merge_base_commit: { sha: "1111111" }, files: [] })
      .get(`${REPO_PATH}/git/trees/1111111`)
      .query({ recursive: "1" })
      .reply(200, { sha: "1111111", tree: unchanged, truncated: false })
      .get(`${REPO_PATH}/git/trees/${SHA}`)
      .query({ recursive: "1" })
      .reply(200, {
        sha: SHA,
        tree: [...changed, { type: "blob", path: "src/search/box.ts", sha: "c" }],
        truncated: false,
      })
      .patch(`${REPO_PATH}/check-runs/${CHECK_ID}`, completed.take)
      .reply(200, {})
      .get(`${REPO_PATH}/issues/2/comments`)
      .query({ per_page: "100" })
      .reply(200, [])
      .post(`${REPO_PATH}/issues/2/comments`)
      .reply(201, { id: 79 });

    const event = openedEvent({ changed_files: 4_001 });
    event.pull_request.base.sha = BASE_SHA;
    await deliver(app, "pull_request", event);
    await runJobs(app);
    expect(completed.sent).toMatchObject([{ output: { title: "1 of 2 flows affected" } }]);
    expect(JSON.stringify(completed.sent)).toContain("`search`");
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("a job that fails once is retried with backoff and then succeeds", async () => {
    const api = githubApi();
    api.get(`${REPO_PATH}/commits/${SHA}/check-runs`).query(true).reply(502, { message: "Server Error" });
    await deliver(app, "pull_request", openedEvent());
    await runJobs(app);
    expect(nock.pendingMocks()).toStrictEqual([]);

    const { rows } = await app.deps.pool.query<{
      id: string;
      attempts: number;
      wait: number;
      last_error: string;
    }>(
      `select id, attempts, extract(epoch from run_at - now())::float8 as wait, last_error from graphile_worker.jobs`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.attempts).toBe(1);
    expect(rows[0]?.wait).toBeGreaterThan(1.5);
    await app.deps.pool.query("update graphile_worker._private_jobs set run_at = now()");

    checkRunLookup(api, [{ id: CHECK_ID, external_id: `impact:${SHA}` }]);
    noConfig(api);
    const completed = bodies();
    api.patch(`${REPO_PATH}/check-runs/${CHECK_ID}`, completed.take).reply(200, {});
    await runJobs(app);
    expect(completed.sent).toMatchObject([{ conclusion: "neutral", output: { title: "No Perceo config" } }]);
    expect(await countJobs(app)).toBe(0);
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("draft pull requests wait for ready_for_review", async () => {
    const response = await deliver(app, "pull_request", openedEvent({ draft: true }));
    expect(response.status).toBe(200);
    expect(await countJobs(app)).toBe(0);
  });
});
