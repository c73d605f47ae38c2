import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { PullRequestOpenedEvent } from "@octokit/webhooks-types";
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningApp } from "../server/start.ts";
import {
  countJobs,
  deliver,
  githubApi,
  type Harness,
  PRIVATE_KEY,
  runJobs,
  useAppHarness,
  WEBHOOK_SECRET,
} from "../testing/app-harness.ts";
import { REPO, webhookExample } from "../testing/fixtures.ts";
import { releaseJobsOfDeadWorkers } from "./stalled-jobs.ts";

const SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const REPO_PATH = `/repos/${REPO.owner}/${REPO.repo}`;
const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

let app: RunningApp;
let harness: Harness;
const cleanup: Array<() => Promise<void> | void> = [];

useAppHarness({
  app: (a) => {
    app = a;
  },
  harness: (h) => {
    harness = h;
  },
});

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** GitHub Enterprise as the first App process sees it: the job's first lookup never gets an answer. */
async function stallingGithub() {
  let stalled: () => void = () => undefined;
  const jobInProgress = new Promise<void>((resolve) => {
    stalled = resolve;
  });
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    if (req.method === "POST" && req.url === "/api/v3/app/installations/1/access_tokens") {
      res.writeHead(201, { "content-type": "application/json" }).end(
        JSON.stringify({
          token: "ghs_child",
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
          permissions: { checks: "write" },
          repository_selection: "all",
        }),
      );
      return;
    }
    held.push(res);
    stalled();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, jobInProgress, held };
}

/** `npm start` in a process of its own, against the same database. */
async function startAppProcess(githubHost: string): Promise<{ child: ChildProcess; port: number }> {
  const { createServer } = await import("node:net");
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      APP_ID: "1",
      PRIVATE_KEY,
      WEBHOOK_SECRET,
      DATABASE_URL: harness.databaseUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      GHE_HOST: githubHost,
      GHE_PROTOCOL: "http",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanup.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the App process exited with ${code}:\n${output}`)));
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Perceo App listening")) resolve();
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
  });
  return { child, port };
}

async function lockedJobs() {
  const { rows } = await app.deps.pool.query<{ attempts: number; locked: boolean }>(
    "select attempts, locked_by is not null as locked from graphile_worker.jobs",
  );
  return rows;
}

describe("an App process killed mid-job", () => {
  it("leaves its job to another process, which finishes it", async () => {
    const github = await stallingGithub();
    const first = await startAppProcess(github.host);
    const payload = webhookExample<PullRequestOpenedEvent>("pull_request", "opened");
    payload.installation = { id: 1, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
    payload.pull_request.head.sha = SHA;
    expect((await deliver(first, "pull_request", payload)).status).toBe(200);
    await github.jobInProgress;
    expect(await lockedJobs()).toStrictEqual([{ attempts: 1, locked: true }]);
    // While the process lives, its job is its own.
    expect(await releaseJobsOfDeadWorkers(app.deps.pool, { minLockedMs: 0 })).toStrictEqual([]);

    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    // graphile-worker alone would leave the job locked for 4 hours.
    await runJobs(app);
    expect(await lockedJobs()).toStrictEqual([{ attempts: 1, locked: true }]);

    // Postgres ends the dead process's sessions, and with them its liveness lock, as it notices.
    await expect
      .poll(() => releaseJobsOfDeadWorkers(app.deps.pool, { minLockedMs: 0 }), { timeout: 10_000 })
      .toHaveLength(1);
    expect(await lockedJobs()).toStrictEqual([{ attempts: 1, locked: false }]);

    const completed: unknown[] = [];
    githubApi()
      .get(`${REPO_PATH}/commits/${SHA}/check-runs`)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] })
      .post(`${REPO_PATH}/check-runs`)
      .reply(201, { id: 7 })
      .get(`${REPO_PATH}/contents/.perceo`)
      .query({ ref: SHA })
      .reply(404, { message: "Not Found" })
      .get(`${REPO_PATH}/git/trees/${SHA}`)
      .query({ recursive: "1" })
      .reply(200, { sha: SHA, tree: [], truncated: false })
      .patch(`${REPO_PATH}/check-runs/7`, (body) => {
        if (typeof body === "object") completed.push(body);
        return true;
      })
      .reply(200, { id: 7 });
    await runJobs(app);
    expect(completed).toMatchObject([{ status: "completed", conclusion: "neutral" }]);
    expect(nock.pendingMocks()).toStrictEqual([]);
    expect(await countJobs(app)).toBe(0);
  });
});
