import { execFile } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import nock from "nock";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningApp } from "../server/start.ts";
import {
  clearGithubEnv,
  githubApi,
  type Harness,
  openHarness,
  runJobs,
  WEBHOOK_SECRET,
} from "../testing/app-harness.ts";
import { perceoFolderAtMain, REPO } from "../testing/fixtures.ts";
import { queueDueWeeklyScans } from "./weekly-scan.ts";

/*
 * Issue 20: nothing a repository writes selects which of the App's secrets are used or where a
 * secret is sent. The repository here is the attacker: its .perceo/config.yml is all it controls.
 */

const SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const REPO_PATH = `/repos/${REPO.owner}/${REPO.repo}`;
const MONDAY = new Date("2026-11-23T09:30:00Z");
const FLOW_YML = "name: home\ndescription: Open the shop\npriority: high\nsteps:\n  - goto: /\n";
const ENCRYPTION_KEY = Buffer.alloc(32, 9).toString("base64");
// What the App's own environment holds; none of it may leave.
const APP_SECRETS = {
  DATABASE_URL: "postgres://perceo:db-password-7f3a9c@db.internal:5432/perceo",
  SUPABASE_SERVICE_ROLE_KEY: "service-role-key-5b2e81",
  ANTHROPIC_API_KEY: "sk-ant-app-key-c41d07",
};

let harness: Harness;
let app: RunningApp;
let listener: Server;
let listenerUrl: string;
const reached: IncomingMessage[] = [];
const logLines: string[] = [];
const saved = new Map<string, string | undefined>();

beforeAll(async () => {
  harness = await openHarness();
  listener = createServer((req, res) => {
    reached.push(req);
    res.writeHead(200, { "content-type": "application/json" }).end('{"results":[],"columns":[]}');
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const address = listener.address();
  listenerUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await new Promise((resolve) => listener?.close(resolve));
});

beforeEach(async () => {
  for (const [name, value] of Object.entries(APP_SECRETS)) {
    saved.set(name, process.env[name]);
    process.env[name] = value;
  }
  clearGithubEnv();
  nock.cleanAll();
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  reached.length = 0;
  logLines.length = 0;
  app = await harness.start({
    log: pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) }),
    settings: { encryption: { key: ENCRYPTION_KEY } },
    weeklyScan: { now: () => MONDAY },
  });
});

afterEach(async () => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  nock.cleanAll();
  nock.enableNetConnect();
  await harness.reset();
});

/** The repository at its default branch with this config, and the issue the scan opens. */
function repositoryWith(analytics: string): { issues: Array<{ body: string }> } {
  const issues: Array<{ body: string }> = [];
  perceoFolderAtMain(githubApi(), REPO_PATH, SHA, {
    config: `project: hello-world\nbaseUrl: https://shop.example.com\nanalytics: ${analytics}\n`,
    flow: { name: "home", yml: FLOW_YML },
  })
    .get(`${REPO_PATH}/contents/.perceo%2Fcoverage.json`)
    .query({ ref: SHA })
    .reply(404, { message: "Not Found" })
    .get(`${REPO_PATH}/issues`)
    .query(true)
    .reply(200, [])
    .post(`${REPO_PATH}/issues`, (body) => {
      issues.push(body);
      return true;
    })
    .reply(201, { number: 7 });
  return { issues };
}

async function theProject() {
  return app.deps.store.ensureProject({
    fullName: `${REPO.owner}/${REPO.repo}`,
    installationId: 1,
    repositoryId: REPO.id,
  });
}

async function pgDump(): Promise<string> {
  const { stdout } = await promisify(execFile)(
    join("/usr/lib/postgresql/15/bin", "pg_dump"),
    ["--data-only", harness.databaseUrl],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return stdout;
}

function expectNoAppSecret(text: string) {
  for (const value of Object.values(APP_SECRETS)) expect(text).not.toContain(value);
  expect(text).not.toContain("db-password-7f3a9c");
}

describe("tenant isolation in the App", () => {
  it("keyEnv: DATABASE_URL with a selfHostedUrl at a loopback listener sends nothing there, and the issue says the key is not set", async () => {
    await theProject();
    const sent = repositoryWith(
      `{ provider: posthog, projectId: 1, keyEnv: DATABASE_URL, selfHostedUrl: "${listenerUrl}" }`,
    );
    await queueDueWeeklyScans(app.deps, app.deps.log);
    await runJobs(app);
    expect(nock.pendingMocks()).toStrictEqual([]);
    expect(reached).toHaveLength(0);
    const body = sent.issues[0]?.body ?? "";
    expect(body).toContain("PostHog could not be read:** the analytics key is not set for the App.");
    expect(body).toContain("The App does not read analytics.keyEnv \\(DATABASE\\_URL\\)");
    expect(body).toContain(`perceo secrets set --repo ${REPO.owner}/${REPO.repo} --name posthog-key`);
    expectNoAppSecret(body);
    expectNoAppSecret(logLines.join("\n"));
    expect(logLines.join("\n")).toContain("analytics not read");
    expectNoAppSecret(await pgDump());
  }, 60_000);

  it("project B's scan cannot read project A's secret of the same name", async () => {
    // A: another repository of the operator's, with its key stored; not installed, so not scanned.
    const a = await app.deps.store.ensureProject({ fullName: "acme/shop" });
    await app.deps.secrets.set(a.id, "posthog-key", "phx_projectA-key-9d1e", "operator");
    const b = await theProject();
    const sent = repositoryWith("{ provider: posthog, projectId: 1, secret: posthog-key }");
    const posthog = nock("https://us.posthog.com").post(/.*/).reply(200, {});
    await queueDueWeeklyScans(app.deps, app.deps.log);
    await runJobs(app);

    expect(posthog.isDone()).toBe(false);
    const body = sent.issues[0]?.body ?? "";
    expect(body).toContain(`no secret "posthog-key" is stored for ${b.fullName}`);
    expect(body).not.toContain("phx_projectA");
    expect(logLines.join("\n")).not.toContain("phx_projectA");
    expect(await pgDump()).not.toContain("phx_projectA");
  }, 60_000);

  it("a stored key goes to PostHog Cloud only through the SSRF guard: a cloud name resolving to a private address gets nothing", async () => {
    const project = await theProject();
    await app.deps.secrets.set(project.id, "posthog-key", "phx_projectKey-31f0", "operator");
    app.deps.capture.resolve = async () => ["10.0.0.5"];
    const sent = repositoryWith("{ provider: posthog, projectId: 1, secret: posthog-key }");
    const posthog = nock("https://us.posthog.com").post(/.*/).reply(200, {});
    await queueDueWeeklyScans(app.deps, app.deps.log);
    await runJobs(app);

    expect(posthog.isDone()).toBe(false);
    expect(sent.issues[0]?.body).toMatch(
      /could not reach us\.posthog\.com: Refused to capture .*10\.0\.0\.5 is a private address/,
    );
  }, 60_000);

  it("a selfHostedUrl the operator did not list is refused even with a stored key", async () => {
    const project = await theProject();
    await app.deps.secrets.set(project.id, "posthog-key", "phx_projectKey-31f0", "operator");
    const sent = repositoryWith(
      `{ provider: posthog, projectId: 1, secret: posthog-key, selfHostedUrl: "${listenerUrl}" }`,
    );
    await queueDueWeeklyScans(app.deps, app.deps.log);
    await runJobs(app);

    expect(reached).toHaveLength(0);
    expect(sent.issues[0]?.body).toContain("is not a host this App sends keys to");
  }, 60_000);

  it("in production the App refuses to start without PERCEO_ENCRYPTION_KEY once a secret is stored", async () => {
    const project = await theProject();
    await app.deps.secrets.set(project.id, "posthog-key", "phx_projectKey-31f0", "operator");
    const production = { production: true, webhookSecret: WEBHOOK_SECRET };
    await expect(harness.start({ settings: { ...production, encryption: {} } })).rejects.toThrow(
      /1 project secret\(s\) are stored and PERCEO_ENCRYPTION_KEY is not set/,
    );
    const other = Buffer.alloc(32, 4).toString("base64");
    await expect(harness.start({ settings: { ...production, encryption: { key: other } } })).rejects.toThrow(
      /sealed with key [0-9a-f]{16}, which neither PERCEO_ENCRYPTION_KEY nor PERCEO_ENCRYPTION_KEY_PREVIOUS is/,
    );
    await expect(
      harness.start({ settings: { ...production, encryption: { key: ENCRYPTION_KEY } } }),
    ).resolves.toBeDefined();
  }, 60_000);
});
