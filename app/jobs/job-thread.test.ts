import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { PullRequestOpenedEvent } from "@octokit/webhooks-types";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningApp } from "../server/start.ts";
import { countJobs, deliver, type Harness, useAppHarness } from "../testing/app-harness.ts";
import { REPO, webhookExample } from "../testing/fixtures.ts";

const SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const REPO_PATH = `/repos/${REPO.owner}/${REPO.repo}`;

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

/**
 * GitHub Enterprise on a real port (nock does not reach into another thread): answers an impact
 * job for a repository without `.perceo/`, and holds the check run's completion until released.
 */
async function githubServer() {
  const requests: string[] = [];
  let created: () => void = () => undefined;
  const checkRunCreated = new Promise<void>((resolve) => {
    created = resolve;
  });
  let release: () => void = () => undefined;
  const completion = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = http.createServer((req, res) => {
    const route = `${req.method} ${new URL(req.url ?? "/", "http://x").pathname}`;
    requests.push(route);
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    req.resume();
    req.on("end", () => {
      if (route === "POST /api/v3/app/installations/1/access_tokens")
        return json(201, { token: "ghs_thread", expires_at: new Date(Date.now() + 3_600_000).toISOString() });
      if (route === `GET /api/v3${REPO_PATH}/commits/${SHA}/check-runs`)
        return json(200, { total_count: 0, check_runs: [] });
      if (route === `POST /api/v3${REPO_PATH}/check-runs`) {
        created();
        return json(201, { id: 7 });
      }
      if (route === `GET /api/v3${REPO_PATH}/contents/.perceo`) return json(404, { message: "Not Found" });
      if (route === `GET /api/v3${REPO_PATH}/git/trees/${SHA}`)
        return json(200, { sha: SHA, tree: [], truncated: false });
      if (route === `PATCH /api/v3${REPO_PATH}/check-runs/7`) {
        void completion.then(() => json(200, { id: 7 }));
        return;
      }
      return json(404, { message: `unexpected ${route}` });
    });
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
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests, checkRunCreated, release };
}

/** The nice value of each thread of this process (Linux). */
function threadNiceness(): number[] {
  return readdirSync("/proc/self/task").map((task) => {
    const stat = readFileSync(`/proc/self/task/${task}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
  });
}

describe("jobs on a thread of their own", () => {
  it("runs the webhook's job at a lower priority, and stopping lets it finish", async () => {
    const github = await githubServer();
    const threaded = await harness.start({
      settings: { githubApiUrl: `http://${github.host}/api/v3` },
      worker: { thread: true, schedule: false },
    });
    cleanup.push(() => threaded.stop());
    const niceness = threadNiceness();
    const payload = webhookExample<PullRequestOpenedEvent>("pull_request", "opened");
    payload.installation = { id: 1, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
    payload.pull_request.head.sha = SHA;
    expect((await deliver(threaded, "pull_request", payload)).status).toBe(200);

    await github.checkRunCreated;
    if (process.platform === "linux") {
      // The job thread alone runs at nice 10; the server's threads keep their priority.
      expect(niceness.filter((n) => n === 10)).toHaveLength(1);
      expect(niceness.filter((n) => n === 0).length).toBeGreaterThan(1);
    }
    // Stopping waits for the running job: its check run is completed before stop() resolves.
    let stopped = false;
    const stopping = threaded.stop().then(() => {
      stopped = true;
    });
    await sleep(200);
    expect(stopped).toBe(false);
    github.release();
    await stopping;
    expect(github.requests.at(-1)).toBe(`PATCH /api/v3${REPO_PATH}/check-runs/7`);
    expect(await countJobs(app)).toBe(0);
  });
});
