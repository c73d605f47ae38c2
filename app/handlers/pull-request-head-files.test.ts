import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PullRequestOpenedEvent } from "@octokit/webhooks-types";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { claudeToolUse } from "../../shared/llm/testing/index.ts";
import { fileFactsCache } from "../../shared/observer/index.ts";
import { readModuleFacts } from "../../shared/observer/module-facts.ts";
import { factsFile } from "../jobs/pr-impact.ts";
import type { RunningApp } from "../server/start.ts";
import { deliver, githubApi, runJobs, useAppHarness } from "../testing/app-harness.ts";
import { REPO, webhookExample } from "../testing/fixtures.ts";
import { serveTarball } from "../testing/serve-tarball.ts";
import { gzippedTar, REPOSITORY_ROOT, repositoryEntries, tarballTop } from "../testing/tarball.ts";

/*
 * The App predicts from the head commit's files as the CLI does in a checkout: the example shop
 * (`examples/shop`, `.perceo/` in that folder) served as GitHub's tarball, the button's label
 * changed in `src/copy.ts`.
 */

const SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const CHECK_ID = 4;
const REPO_PATH = `/repos/${REPO.owner}/${REPO.repo}`;
const SHOP = "examples/shop";
const COPY = `${SHOP}/src/copy.ts`;
/** What `perceo affected --dir examples/shop` selects for this change (shared/cli/affected-command.test.ts). */
const CLI_SELECTION = ["add-to-cart", "cart-update", "checkout", "checkout-validation", "mobile-add-to-cart"];

let app: RunningApp;
/** Set by a suite's beforeAll, read when each test's App starts. */
let anthropicApiKey: string | undefined;
useAppHarness(
  {
    app: (a) => {
      app = a;
    },
  },
  () => (anthropicApiKey ? { settings: { deploys: { anthropicApiKey } } } : {}),
);

// The job's temporary folder goes here, so a test can see it removed and nothing beside it.
let scratch: string;
let savedTmpdir: string | undefined;
beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "perceo-app-tmp-"));
  savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = scratch;
});
afterEach(async () => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  await rm(scratch, { recursive: true, force: true });
});

const renamed = (file: string, text: string) =>
  file === COPY ? text.replace('addToCart: "Add to cart"', 'addToCart: "Add to bag"') : text;

/** GitHub's patch for the rename: the changed line with three lines of context each side. */
function copyPatch(): string {
  const lines = readFileSync(path.join(REPOSITORY_ROOT, COPY), "utf8").split("\n");
  const at = lines.findIndex((l) => l.includes('addToCart: "Add to cart"'));
  const before = lines.slice(at - 3, at).map((l) => ` ${l}`);
  const after = lines.slice(at + 1, at + 4).map((l) => ` ${l}`);
  return [
    `@@ -${at - 2},7 +${at - 2},7 @@`,
    ...before,
    `-${lines[at]}`,
    `+${renamed(COPY, lines[at] ?? "")}`,
    ...after,
  ].join("\n");
}

function openedEvent() {
  const payload = webhookExample<PullRequestOpenedEvent>("pull_request", "opened");
  Object.assign(payload.pull_request, { draft: false, changed_files: 1 });
  return payload;
}

const file = (filePath: string) => ({
  type: "file",
  path: filePath,
  name: path.posix.basename(filePath),
  content: readFileSync(path.join(REPOSITORY_ROOT, filePath)).toString("base64"),
  encoding: "base64",
});

/**
 * The shop's `.perceo/` through the contents API: none at the root, so the commit's tree finds the
 * one in `examples/shop`.
 */
function shopConfig(api: nock.Scope) {
  const perceo = `${SHOP}/.perceo`;
  const flows = readdirSync(path.join(REPOSITORY_ROOT, perceo, "flows"))
    .sort()
    .map((name) => `${perceo}/flows/${name}`);
  api
    .get(`${REPO_PATH}/contents/.perceo`)
    .query({ ref: SHA })
    .reply(404, { message: "Not Found" })
    .get(`${REPO_PATH}/git/trees/${SHA}`)
    .query({ recursive: "1" })
    .reply(200, {
      sha: SHA,
      truncated: false,
      tree: [
        { type: "blob", path: "README.md", sha: "a" },
        { type: "blob", path: `${perceo}/config.yml`, sha: "b" },
        { type: "blob", path: `node_modules/some-lib/.perceo/config.yml`, sha: "c" },
      ],
    })
    .get(`${REPO_PATH}/contents/${encodeURIComponent(perceo)}`)
    .query({ ref: SHA })
    .reply(200, [
      { type: "file", path: `${perceo}/config.yml`, name: "config.yml" },
      { type: "file", path: `${perceo}/personas.yml`, name: "personas.yml" },
      { type: "dir", path: `${perceo}/flows`, name: "flows" },
    ])
    .get(`${REPO_PATH}/contents/${encodeURIComponent(`${perceo}/flows`)}`)
    .query({ ref: SHA })
    .reply(
      200,
      flows.map((p) => ({ type: "file", path: p, name: path.posix.basename(p) })),
    );
  for (const p of [`${perceo}/config.yml`, `${perceo}/personas.yml`, ...flows]) {
    api
      .get(`${REPO_PATH}/contents/${encodeURIComponent(p)}`)
      .query({ ref: SHA })
      .reply(200, file(p));
  }
}

/** The requests every run makes around the selection; returns the bodies sent. */
function impactRun(api: nock.Scope) {
  const completed: Array<{ output: { title: string; summary: string } }> = [];
  const comments: Array<{ body: string }> = [];
  api
    .get(`${REPO_PATH}/commits/${SHA}/check-runs`)
    .query(true)
    .reply(200, { total_count: 0, check_runs: [] })
    .post(`${REPO_PATH}/check-runs`)
    .reply(201, { id: CHECK_ID });
  shopConfig(api);
  api
    .get(`${REPO_PATH}/pulls/2/files`)
    .query({ per_page: "100" })
    .reply(200, [{ filename: COPY, status: "modified", patch: copyPatch() }])
    // nock offers other requests' empty bodies to a matcher too; keep the JSON ones.
    .patch(`${REPO_PATH}/check-runs/${CHECK_ID}`, (body) => {
      if (typeof body === "object") completed.push(body);
      return true;
    })
    .reply(200, { id: CHECK_ID })
    .get(`${REPO_PATH}/issues/2/comments`)
    .query({ per_page: "100" })
    .reply(200, [])
    .post(`${REPO_PATH}/issues/2/comments`, (body) => {
      if (typeof body === "object") comments.push(body);
      return true;
    })
    .reply(201, { id: 77 });
  return { completed, comments };
}

async function predictedFlows(): Promise<Array<{ flowName: string; reasoning: string }>> {
  const project = await app.deps.store.getProject(`${REPO.owner}/${REPO.repo}`);
  return app.deps.store.listPredictions(project?.id ?? "", SHA);
}

describe("the impact of a pull request, read from the head commit's files", () => {
  it("selects the flows the CLI selects for the same change, with the chain from the changed line to each route", async () => {
    const api = githubApi();
    const sent = impactRun(api);
    serveTarball(api, SHA, { body: await gzippedTar(repositoryEntries(SHA, SHOP, renamed)) });

    await deliver(app, "pull_request", openedEvent());
    await runJobs(app);

    expect(nock.pendingMocks()).toStrictEqual([]);
    const predictions = await predictedFlows();
    expect(predictions.map((p) => p.flowName)).toStrictEqual(CLI_SELECTION);
    for (const p of predictions) expect(p.reasoning).toContain(`${COPY} (lines `);
    // The risk model's inputs travel with each prediction, for the project's refit.
    for (const p of predictions) expect(p.reasoning).toMatch(/\nrisk inputs: covers \d, route \d, hops \d/);
    const [check] = sent.completed;
    expect(check?.output.title).toBe("5 of 17 flows affected");
    const summary = check?.output.summary ?? "";
    expect(summary).toContain(
      // Markdown-escaped: the text comes from the pull request's files.
      "examples/shop/src/copy.ts\\#defaultCopy.addToCart → .addToCart → examples/shop/src/components/add-to-cart-button.ts\\#renderAddToCart",
    );
    expect(summary).toContain("reaches route /products/:slug \\(examples/shop/src/routes.ts:");
    expect(summary).toMatch(
      /Selected from the head commit's \d+ files: routes, the import graph, covers globs/,
    );
    expect(sent.comments[0]?.body).toContain("\\#defaultCopy.addToCart → .addToCart →");
    // The job's folder is gone once the check run is written.
    expect(readdirSync(scratch)).toStrictEqual([]);
  });

  it("follows the coverage recorded in .perceo/coverage.json and names it", async () => {
    const api = githubApi();
    const sent = impactRun(api);
    const coverage = {
      commit: SHA,
      flows: { login: { urls: ["/login"], files: { [COPY]: true } } },
    };
    const entries = [
      ...repositoryEntries(SHA, SHOP, renamed),
      { name: `${tarballTop(SHA)}/${SHOP}/.perceo/coverage.json`, text: JSON.stringify(coverage) },
    ];
    serveTarball(api, SHA, { body: await gzippedTar(entries) });

    await deliver(app, "pull_request", openedEvent());
    await runJobs(app);

    expect(nock.pendingMocks()).toStrictEqual([]);
    const login = (await predictedFlows()).find((p) => p.flowName === "login");
    expect(login?.reasoning).toContain(`the recorded run of login at ec26c3e executed ${COPY}`);
    expect(sent.completed[0]?.output.summary).toContain(
      "the coverage recorded in examples/shop/.perceo/coverage.json",
    );
  });

  for (const failure of [
    { name: "GitHub refuses the tarball (404)", api: 404 },
    { name: "codeload fails (500)", codeload: 500 },
  ]) {
    it(`${failure.name}: falls back to covers globs, says so in the check run, and keeps the facts kept before`, async () => {
      // What an earlier pull request of the repository parsed: this one reads no module, so must not wipe it.
      const file = factsFile(app.deps.factsDir ?? "", REPO.id);
      const kept = {
        kind: "code" as const,
        facts: readModuleFacts("src/x.ts", "export const x = 1;\n"),
        routeHint: false,
      };
      const seeded = fileFactsCache(file);
      seeded.set("1".repeat(40), "src/x.ts", kept);
      seeded.save();
      const api = githubApi();
      const sent = impactRun(api);
      if (failure.api) api.get(`${REPO_PATH}/tarball/${SHA}`).reply(failure.api, { message: "Not Found" });
      else serveTarball(api, SHA, { status: failure.codeload ?? 500 });

      await deliver(app, "pull_request", openedEvent());
      await runJobs(app);

      expect(nock.pendingMocks()).toStrictEqual([]);
      // copy.ts is in no flow's covers: without the import graph nothing reaches it.
      expect(await predictedFlows()).toStrictEqual([]);
      const summary = sent.completed[0]?.output.summary ?? "";
      expect(sent.completed[0]?.output.title).toBe("No flows affected");
      expect(summary).toContain(
        "Selected from covers globs and flow files only: the head commit's files could not be read \\(",
      );
      expect(summary).toContain(
        failure.api ? "GitHub answered 404 for the tarball of ec26c3e" : "the tarball download answered 500",
      );
      expect(readdirSync(scratch)).toStrictEqual([]);
      expect(fileFactsCache(file).get("1".repeat(40), "src/x.ts")?.facts.exports).toStrictEqual(
        new Map([["x", "x"]]),
      );
    });
  }

  it("a redirect away from GitHub is not followed", async () => {
    const api = githubApi();
    const sent = impactRun(api);
    api.get(`${REPO_PATH}/tarball/${SHA}`).reply(302, "", { location: "https://evil.test/shop.tar.gz" });

    await deliver(app, "pull_request", openedEvent());
    await runJobs(app);

    expect(nock.pendingMocks()).toStrictEqual([]);
    expect(sent.completed[0]?.output.summary).toContain(
      "the tarball redirected to https:&#8203;//evil.test, which is not GitHub",
    );
  });

  it("hostile entries are skipped: nothing is written outside the job's folder, and the rest still counts", async () => {
    const api = githubApi();
    impactRun(api);
    const top = tarballTop(SHA);
    const entries = [
      ...repositoryEntries(SHA, SHOP, renamed),
      { name: `${top}/../escaped.ts`, text: "export const x = 1;\n" },
      { name: `${top}/${SHOP}/../../../escaped-deeper.ts`, text: "export const x = 1;\n" },
      { name: "/tmp/absolute.ts", text: "export const x = 1;\n" },
      { name: `${top}/${SHOP}/src/linked.ts`, type: "symlink" as const, linkname: "/etc/passwd" },
      { name: `${top}/${SHOP}/src/hard.ts`, type: "link" as const, linkname: "../../etc/passwd" },
    ];
    serveTarball(api, SHA, { body: await gzippedTar(entries) });

    await deliver(app, "pull_request", openedEvent());
    await runJobs(app);

    expect(nock.pendingMocks()).toStrictEqual([]);
    expect((await predictedFlows()).map((p) => p.flowName)).toStrictEqual(CLI_SELECTION);
    expect(readdirSync(scratch)).toStrictEqual([]);
    expect(existsSync(path.join(tmpdir(), "escaped.ts"))).toBe(false);
    expect(existsSync(path.join(scratch, "..", "escaped.ts"))).toBe(false);
    expect(existsSync("/tmp/absolute.ts")).toBe(false);
  });
});

describe("with ANTHROPIC_API_KEY", () => {
  beforeAll(() => {
    anthropicApiKey = "sk-ant-test";
  });
  afterAll(() => {
    anthropicApiKey = undefined;
  });

  it("Claude adds a flow with its reasoning to the ones the observer selected, and removes none", async () => {
    const api = githubApi();
    const sent = impactRun(api);
    serveTarball(api, SHA, { body: await gzippedTar(repositoryEntries(SHA, SHOP, renamed)) });
    let asked = "";
    nock("https://api.anthropic.com", { reqheaders: { "x-api-key": "sk-ant-test" } })
      .post("/v1/messages", (body: { messages: Array<{ content: Array<{ text: string }> }> }) => {
        asked = body.messages[0]?.content.map((part) => part.text).join("\n") ?? "";
        return true;
      })
      .reply(
        200,
        claudeToolUse("report_affected_flows", {
          flows: [
            { flow: "sold-out", probability: 0.4, reasoning: "the sold-out page shows the same button" },
          ],
        }),
      );

    await deliver(app, "pull_request", openedEvent());
    await runJobs(app);

    expect(nock.pendingMocks()).toStrictEqual([]);
    expect(asked).toContain('addToCart: "Add to bag"');
    const predictions = await predictedFlows();
    expect(predictions.map((p) => p.flowName).sort()).toStrictEqual([...CLI_SELECTION, "sold-out"].sort());
    expect(predictions.find((p) => p.flowName === "sold-out")?.reasoning).toContain(
      "the sold-out page shows the same button",
    );
    expect(sent.completed[0]?.output.title).toBe("6 of 17 flows affected");
  });
});
