import { createRequire } from "node:module";
import type { DeploymentStatusCreatedEvent, PushEvent } from "@octokit/webhooks-types";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningShop, type StartShopOptions, startShop } from "../../examples/shop/server.ts";
import { BrowserPool } from "../../shared/capture/index.ts";
import { claudeToolUse } from "../../shared/llm/testing/index.ts";
import type { RunningApp } from "../server/start.ts";
import { countJobs, deliver, githubApi, runJobs, useAppHarness } from "../testing/app-harness.ts";
import { flowYml, perceoFolderAt, REPO, webhookExample } from "../testing/fixtures.ts";

const REPO_PATH = `/repos/${REPO.owner}/${REPO.repo}`;
const PUBLIC_URL = "https://perceo.test";
const SHA = { first: "a".repeat(40), second: "b".repeat(40), third: "c".repeat(40) };
const OLD_HEADLINE = "Light, wood and linen for slow evenings";
const CHECK = "Perceo / Deploy";

let app: RunningApp;
let shop: RunningShop;
let shopPort: number;
const browsers = new BrowserPool({ concurrency: 2 });

/** The example shop, restarted on the same address with other copy: what a deploy does to a live site. */
async function deployShop(options: StartShopOptions = {}): Promise<void> {
  await shop?.close();
  shop = await startShop({ ...options, ...(shopPort ? { port: shopPort } : {}) });
  shopPort = Number(new URL(shop.url).port);
}

beforeAll(async () => {
  await deployShop();
});
afterAll(async () => {
  await Promise.all([shop?.close(), browsers.close()]);
});

useAppHarness(
  {
    app: (a) => {
      app = a;
    },
  },
  () => ({
    browsers,
    settings: {
      deploys: {
        publicUrl: PUBLIC_URL,
        captureAllowedTargets: [shop.url],
        pushDelaySeconds: 120,
        anthropicApiKey: "sk-ant-test",
      },
    },
  }),
);

const configYml = () =>
  [
    "project: shop",
    `baseUrl: ${shop.url}`,
    "pages:",
    `  - url: ${shop.url}/`,
    "    name: Home",
    '    files: ["examples/shop/src/pages/home.ts", "examples/shop/src/copy.ts"]',
    `allowedTargets: ["${shop.url}"]`,
    "",
  ].join("\n");

function deploymentSucceeded(sha: string): DeploymentStatusCreatedEvent {
  const payload = webhookExample<DeploymentStatusCreatedEvent>("deployment_status", "created");
  payload.deployment.sha = sha;
  payload.deployment.environment = "production";
  payload.deployment.production_environment = true;
  Object.assign(payload.deployment_status, {
    state: "success",
    environment: "production",
    environment_url: `${shop.url}/`,
  });
  return payload;
}

/** What every deploy job asks GitHub first: its check run (none yet, or the one found) and `.perceo/` at the sha. */
function deployStart(api: nock.Scope, sha: string, checkId: number, existing = false) {
  api
    .get(`${REPO_PATH}/commits/${sha}/check-runs`)
    .query({ check_name: CHECK, filter: "all", per_page: "100" })
    .reply(
      200,
      existing
        ? { total_count: 1, check_runs: [{ id: checkId, external_id: `deploy:${sha}` }] }
        : { total_count: 0, check_runs: [] },
    );
  if (!existing) api.post(`${REPO_PATH}/check-runs`).reply(201, { id: checkId });
  perceoFolderAt(api, REPO_PATH, sha, {
    config: configYml(),
    flow: { name: "browse", yml: flowYml("browse", ["examples/shop/src/pages/catalog.ts"]) },
  });
}

function compare(api: nock.Scope, base: string, head: string, files: string[]) {
  api
    .get(`${REPO_PATH}/compare/${base}...${head}`)
    .reply(200, { files: files.map((filename) => ({ filename, status: "modified" })) });
}

/** The check run's completion, kept for the test to read. */
function completion(api: nock.Scope, checkId: number) {
  const sent: Array<{ conclusion: string; output: { title: string; summary: string; text?: string } }> = [];
  api
    .patch(`${REPO_PATH}/check-runs/${checkId}`, (body) => {
      sent.push(body);
      return true;
    })
    .reply(200, { id: checkId });
  return sent;
}

async function count(table: string): Promise<number> {
  const { rows } = await app.deps.pool.query<{ n: number }>(`select count(*)::int as n from public.${table}`);
  return rows[0]?.n ?? 0;
}

async function changes() {
  const project = await app.deps.store.getProject(`${REPO.owner}/${REPO.repo}`);
  return project ? app.deps.store.listDetectedChanges(project.id) : [];
}

/** Claude's vision pass: one line for the one change, or an error the job must survive. */
function vision(answer: { description: string } | { status: number }) {
  const scope = nock("https://api.anthropic.com", { reqheaders: { "x-api-key": "sk-ant-test" } });
  if ("status" in answer) {
    scope
      .post("/v1/messages")
      .reply(answer.status, { type: "error", error: { type: "invalid_request_error", message: "no" } });
    return;
  }
  scope
    .post("/v1/messages", (body) => body.tool_choice?.name === "describe_changes")
    .reply(
      200,
      claudeToolUse("describe_changes", { descriptions: [{ index: 0, description: answer.description }] }),
    );
}

/** Fetches a link from the check run through the App's own server. */
function fetchArtifact(link: string) {
  return fetch(link.replace(PUBLIC_URL, `http://127.0.0.1:${app.port}`));
}

describe("deploy diffs", () => {
  it("sets baselines on the first deploy, names the changed headline on the next, and sees it reverted", async () => {
    // 1. first deploy: nothing to compare with, so every page is captured and becomes its baseline
    let api = githubApi();
    deployStart(api, SHA.first, 11);
    const first = completion(api, 11);
    expect((await deliver(app, "deployment_status", deploymentSucceeded(SHA.first))).status).toBe(200);
    await runJobs(app);
    expect(nock.pendingMocks()).toStrictEqual([]);
    expect(first).toMatchObject([{ conclusion: "success", output: { title: "Baselines set for 1 page" } }]);
    expect(await count("page_baselines")).toBe(2);
    expect(await changes()).toEqual([]);

    // 2. the headline changes
    await deployShop({ copy: { heroTitle: "Ship safely" } });
    api = githubApi({ token: false }); // the installation token is cached
    deployStart(api, SHA.second, 12);
    compare(api, SHA.first, SHA.second, ["examples/shop/src/copy.ts"]);
    const second = completion(api, 12);
    vision({ description: "The hero headline now promises safety." });
    const delivery = await deliver(app, "deployment_status", deploymentSucceeded(SHA.second));
    await runJobs(app);
    expect(nock.pendingMocks()).toStrictEqual([]);
    expect(await changes()).toMatchObject([
      {
        element: `Heading (h1) "${OLD_HEADLINE}"`,
        kind: "text",
        before: OLD_HEADLINE,
        after: "Ship safely",
        status: "watching",
      },
    ]);
    const [check] = second;
    expect(check?.output.title).toBe("1 change detected");
    expect(check?.output.text).toContain(
      `| Heading \\(h1\\) "${OLD_HEADLINE}"<br>The hero headline now promises safety. | “${OLD_HEADLINE}” | “Ship safely” | desktop, mobile |`,
    );
    const links = [...(check?.output.text ?? "").matchAll(/\((https:[^)]+)\)/g)].map((m) => m[1] as string);
    expect(links.length).toBeGreaterThan(0);
    expect(links.every((link) => link.startsWith(`${PUBLIC_URL}/api/perceo/artifacts/`))).toBe(true);
    const diff = links.find((link) => link.endsWith("/desktop-diff.png")) as string;
    const image = await fetchArtifact(diff);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect((await fetchArtifact(diff.replace(/artifacts\/[^/]+/, "artifacts/forged"))).status).toBe(404);

    // 3. the same delivery again queues nothing; a second success status for the commit records nothing twice
    await deliver(app, "deployment_status", deploymentSucceeded(SHA.second), { id: delivery.id });
    expect(await countJobs(app)).toBe(0);
    api = githubApi({ token: false }); // the installation token is cached
    deployStart(api, SHA.second, 12, true);
    compare(api, SHA.first, SHA.second, ["examples/shop/src/copy.ts"]);
    const again = completion(api, 12);
    vision({ status: 400 });
    await deliver(app, "deployment_status", deploymentSucceeded(SHA.second));
    await runJobs(app);
    expect(nock.pendingMocks()).toStrictEqual([]);
    expect(again[0]?.output.title).toBe("1 change detected");
    expect(again[0]?.output.text).toContain(
      `| Heading \\(h1\\) "${OLD_HEADLINE}" | “${OLD_HEADLINE}” | “Ship safely” | desktop, mobile |`,
    );
    expect(await count("detected_changes")).toBe(1);
    expect(await count("deploys")).toBe(2);
    expect(await count("analyses")).toBe(2);
    expect(await count("change_lifecycle_events")).toBe(1);

    // 4. the old headline comes back: the change is reverted
    await deployShop();
    api = githubApi({ token: false }); // the installation token is cached
    deployStart(api, SHA.third, 13);
    compare(api, SHA.second, SHA.third, ["examples/shop/src/copy.ts"]);
    const third = completion(api, 13);
    await deliver(app, "deployment_status", deploymentSucceeded(SHA.third));
    await runJobs(app);
    expect(nock.pendingMocks()).toStrictEqual([]);
    expect(third[0]?.output.title).toBe("No visible changes, 1 reverted");
    expect(third[0]?.output.text).toContain(
      `Reverted: Heading \\(h1\\) "${OLD_HEADLINE}" shows “${OLD_HEADLINE}” again.`,
    );
    expect(await changes()).toMatchObject([{ status: "reverted" }]);
  }, 180_000);

  it("a deploy that changes only backend files captures nothing and says so", async () => {
    const project = await app.deps.store.ensureProject({
      fullName: `${REPO.owner}/${REPO.repo}`,
      repositoryId: REPO.id,
    });
    await app.deps.store.recordDeploy(project.id, { sha: SHA.first, deployedAt: "2026-01-01T00:00:00Z" });
    const launches = browsers.launches;
    const api = githubApi();
    deployStart(api, SHA.second, 21);
    compare(api, SHA.first, SHA.second, ["examples/shop/src/state/orders.ts", "supabase/migrations/x.sql"]);
    const sent = completion(api, 21);
    await deliver(app, "deployment_status", deploymentSucceeded(SHA.second));
    await runJobs(app);
    expect(nock.pendingMocks()).toStrictEqual([]);
    expect(sent).toStrictEqual([
      {
        status: "completed",
        conclusion: "success",
        output: {
          title: "Backend-only deploy: no page captured",
          summary: `2 changed files in bbbbbbb, none of which can change a monitored page, so nothing was captured.\nNot captured: Home.`,
        },
      },
    ]);
    expect(await count("analyses")).toBe(0);
    expect(browsers.launches).toBe(launches);
  });

  it("ignores deployments that did not succeed or are not production", async () => {
    const failed = deploymentSucceeded(SHA.first);
    failed.deployment_status.state = "failure";
    const staging = deploymentSucceeded(SHA.first);
    staging.deployment_status.environment = "staging";
    staging.deployment.environment = "staging";
    staging.deployment.production_environment = false;
    for (const payload of [failed, staging]) {
      expect((await deliver(app, "deployment_status", payload)).status).toBe(200);
    }
    expect(await countJobs(app)).toBe(0);
  });

  it("a push to the default branch waits its delay, then steps aside when the repository reports deployments", async () => {
    const require = createRequire(import.meta.url);
    const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: PushEvent[] }>;
    const push = structuredClone(
      examples
        .find((e) => e.name === "push")
        ?.examples.find((e) => e.ref === "refs/heads/master" && e.installation) as PushEvent,
    );
    push.before = SHA.first;
    push.after = SHA.second;
    const sent = Date.now();
    await deliver(app, "push", push);
    const answered = Date.now();
    // The webhook's job is handed to the queue just after the answer; countJobs waits for that.
    expect(await countJobs(app, "deploy-diff")).toBe(1);
    const { rows } = await app.deps.pool.query<{ runAt: Date }>(
      `select run_at as "runAt" from graphile_worker.jobs where task_identifier = 'deploy-diff'`,
    );
    expect(rows).toHaveLength(1);
    const runAt = rows[0]?.runAt.getTime() ?? 0;
    expect(runAt).toBeGreaterThanOrEqual(sent + 120_000 - 1_000);
    expect(runAt).toBeLessThanOrEqual(answered + 120_000 + 1_000);
    await runJobs(app);
    expect(await countJobs(app, "deploy-diff")).toBe(1); // not due yet

    await app.deps.pool.query("update graphile_worker._private_jobs set run_at = now()");
    const api = githubApi();
    api
      .get(`${REPO_PATH}/deployments`)
      .query({ per_page: "20" })
      .reply(200, [{ id: 1, sha: SHA.second, environment: "production", production_environment: true }]);
    await runJobs(app);
    expect(nock.pendingMocks()).toStrictEqual([]);
    expect(await countJobs(app)).toBe(0);
    expect(await count("deploys")).toBe(0);
  });
});
