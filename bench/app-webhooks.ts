import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { PullRequestOpenedEvent } from "@octokit/webhooks-types";
import pg from "pg";
import { pino } from "pino";
import { Probot, Server } from "probot";
import { startApp } from "../app/server/start.ts";
import { webhookExample } from "../app/testing/fixtures.ts";
import { gzippedTar } from "../app/testing/tarball.ts";
import { migrate, postgresDatabase } from "../shared/store/index.ts";
import { startPostgresServer } from "../shared/store/testing/postgres-server.ts";
import { percentile, resampledRatioInterval } from "./stats.ts";

// Signed `pull_request` deliveries over loopback, 10 connections at a time, to the real App (its
// server, and its job worker on a thread of its own as `npm start` runs it, PostgreSQL 15 with fsync and synchronous commit on, GitHub
// faked at the HTTP edge by this script) and to a minimal Probot app that only acknowledges. Each
// server is its own process; the load comes from this one. Target: the App's p99 time to the 2xx
// is at most 1.25× the peer's, and every delivery is in the database when the App answered.
//   node bench/app-webhooks.ts [--deliveries 2000] [--rounds 5] [--concurrency 10]
// A round's p99 is its 20 slowest answers: one or two stalls of the machine's neighbours, which land
// on either side; the rounds are pooled, and each round's p99 is printed, to show how much that is,
// with the interval the ratio moves in when the rounds are drawn again.
// PERCEO_BENCH_LOG=<level> shows the servers' logs on stderr.
// Nothing this script imports may import nock: it intercepts every socket of the process, the
// servers' database connections included, and made the App's acknowledgements look twice as slow.

const TARGET_RATIO = 1.25;
const SECRET = "perceo-bench-webhook-secret";
const OWNER = "Codertocat";
const REPO = "Hello-World";
let pullRequests = 0;

const { values } = parseArgs({
  options: {
    deliveries: { type: "string", default: "2000" },
    rounds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "10" },
    serve: { type: "string" },
    port: { type: "string" },
    "database-url": { type: "string" },
    "github-url": { type: "string" },
  },
  strict: false,
});

// ─── the servers (child processes) ────────────────────────────────────────────────────────────────

async function serve(kind: string): Promise<void> {
  const port = Number(values.port);
  if (kind === "github") {
    await startFakeGithub(port);
    console.log(JSON.stringify({ ready: true }));
    return;
  }
  // Both servers log what they would log in production (info, JSON) to the same sink;
  // PERCEO_BENCH_LOG=<level> shows it on stderr instead.
  const shown = process.env.PERCEO_BENCH_LOG;
  const log = pino(
    { level: shown ?? "info" },
    pino.destination({ dest: shown ? 2 : "/dev/null", sync: false }),
  );
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const key = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  if (kind === "peer") {
    const server = new Server({
      Probot: Probot.defaults({ appId: 1, privateKey: key, secret: SECRET, log }),
      port,
      host: "127.0.0.1",
      log,
      enableStaticFiles: false,
    });
    await server.load((app) => {
      app.on("pull_request", async () => undefined);
    });
    await server.start();
  } else {
    await startApp(
      {
        appId: 1,
        privateKey: key,
        webhookSecret: SECRET,
        databaseUrl: String(values["database-url"]),
        port,
        host: "127.0.0.1",
        production: true,
        githubApiUrl: String(values["github-url"]),
        oidc: { issuer: "https://oidc.invalid", jwksUrl: "https://oidc.invalid/jwks", audience: "perceo" },
      },
      {
        log,
        logDestination: shown ? 2 : "/dev/null",
        // The fake GitHub has no secondary rate limits: Octokit's throttling (1 write/s, 1 comment
        // per 3 s per process, as GitHub asks) would measure GitHub's pacing, not the App.
        githubThrottle: false,
        // As `npm start` runs it: jobs on a thread of their own.
        worker: { schedule: false, thread: true },
      },
    );
  }
  process.once("SIGTERM", () => process.exit(0));
  console.log(JSON.stringify({ ready: true }));
}

// ─── the load and the fake GitHub (this process) ──────────────────────────────────────────────────

interface Delivery {
  id: string;
  sha: string;
  /**
   * The JSON, as bytes: held outside the measuring process's JavaScript heap. As strings, 22,000
   * bodies of ~25 KB made a 300 MB heap whose collections (one of 81 ms) landed in the first round,
   * always the peer's, and each send encoded its body again, feeding collections in every round.
   */
  body: Buffer;
  signature: string;
}

interface Sample {
  sha: string;
  sentAt: number;
  ackMs: number;
  status: number;
}

async function main(): Promise<void> {
  const count = Number(values.deliveries);
  const concurrency = Number(values.concurrency);
  const rounds = Number(values.rounds);
  const pgServer = await startPostgresServer({
    settings: { fsync: "on", synchronous_commit: "on", full_page_writes: "on" },
  });
  const databaseUrl = await pgServer.createDatabase("perceo_bench");
  const db = postgresDatabase({ connectionString: databaseUrl, max: 2 });
  await migrate(db);
  await db.close();
  // The measuring process's own look into the App's database: is the queue empty, is every delivery in.
  const appDb = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const children: ChildProcess[] = [];
  // Interrupted: still stop the servers (the PostgreSQL server stops itself on exit).
  process.on("exit", () => {
    for (const child of children) child.kill("SIGKILL");
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));
  const blobs = await mkdtemp(path.join(tmpdir(), "perceo-bench-blobs-"));
  // GitHub is not on the App's machine in production; here it is, but at least not in the process
  // that measures: serving it (tarballs above all) would delay the timing of the App's answers only.
  const githubPort = await freePort();
  children.push(await startChild(["--serve", "github", "--port", String(githubPort)], blobs));
  const github = fakeGithubClient(`http://127.0.0.1:${githubPort}`);
  try {
    const peerPort = await freePort();
    const appPort = await freePort();
    const [peer, app] = await Promise.all([
      startChild(["--serve", "peer", "--port", String(peerPort)], blobs),
      startChild(
        [
          "--serve",
          "app",
          "--port",
          String(appPort),
          "--database-url",
          databaseUrl,
          "--github-url",
          github.url,
        ],
        blobs,
      ),
    ]);
    children.push(peer, app);

    const warmup = 200;
    await load(peerPort, makeDeliveries(warmup, "peer-warm"), concurrency);
    await load(appPort, makeDeliveries(warmup, "app-warm"), concurrency);
    await github.waitForCheckRuns(warmup, 120_000);
    await jobsDone(appDb, 120_000);

    // Rounds of peer, App (and the App's jobs drained), then the peer once more: on a shared
    // machine a stall of the neighbours lands on one round, and both sides get the same share.
    // Every delivery is signed before the first round: building them allocates tens of megabytes,
    // and the collection that follows would land on whichever server is being measured.
    const peerRounds = Array.from({ length: rounds + 1 }, (_, round) =>
      makeDeliveries(count, `peer-${round}`),
    );
    const appRounds = Array.from({ length: rounds }, (_, round) => makeDeliveries(count, `app-${round}`));
    const idleDeliveries = makeDeliveries(50, "app-idle");
    const peerSamples: Sample[] = [];
    const appSamples: Sample[] = [];
    const sides = {
      app: { port: appPort, samples: appSamples, rounds: [] as number[][] },
      peer: { port: peerPort, samples: peerSamples, rounds: [] as number[][] },
    };
    const measure = async (side: keyof typeof sides, deliveries: Delivery[]) => {
      const { port, samples, rounds } = sides[side];
      const round = await load(port, deliveries, concurrency);
      rounds.push(round.map((s) => s.ackMs));
      samples.push(...round);
    };
    let appSeconds = 0;
    let drained = true;
    for (let round = 0; round < rounds; round++) {
      await measure("peer", peerRounds[round] as Delivery[]);
      const started = performance.now();
      await measure("app", appRounds[round] as Delivery[]);
      appSeconds += (performance.now() - started) / 1000;
      // A job creates its check run when it starts: the queue must be empty too, or the last jobs
      // would still be running in the next round, which is the peer's.
      drained &&=
        (await github.waitForCheckRuns(warmup + (round + 1) * count, 300_000)) &&
        (await jobsDone(appDb, 120_000));
    }
    await measure("peer", peerRounds[rounds] as Delivery[]);

    // Unloaded: one delivery at a time, each waiting for its check run.
    const idle: number[] = [];
    for (const delivery of idleDeliveries) {
      const [sample] = await load(appPort, [delivery], 1);
      if (!sample) throw new Error("no sample");
      await github.waitForCheckRuns(warmup + rounds * count + idle.length + 1, 30_000);
      idle.push(((await github.state()).checkRunAt.get(delivery.sha) ?? Number.NaN) - sample.sentAt);
    }

    const { rows } = await appDb.query<{ n: number }>(
      "select count(*)::int as n from perceo_app.webhook_deliveries where delivery_id like 'app-%'",
    );
    const recorded = rows[0]?.n ?? 0;
    const expected = warmup + rounds * count + idleDeliveries.length;

    const failures = [...appSamples, ...peerSamples].filter((s) => s.status !== 200).length;
    const appAck = appSamples.map((s) => s.ackMs);
    const peerAck = peerSamples.map((s) => s.ackMs);
    const { checkRunAt, unexpected } = await github.state();
    const toCheckRun = appSamples.map((s) => (checkRunAt.get(s.sha) ?? Number.NaN) - s.sentAt);
    const ratio = percentile(appAck, 99) / percentile(peerAck, 99);
    const ms = (v: number) => `${v.toFixed(2)} ms`.padStart(11);

    console.log(
      `${count} signed pull_request deliveries per round, ${rounds} rounds, ${concurrency} connections, loopback; PostgreSQL 15 (fsync on)`,
    );
    console.log("                          p50          p99    deliveries/s");
    console.log(
      `  Perceo App          ${ms(percentile(appAck, 50))}  ${ms(percentile(appAck, 99))}    ${((rounds * count) / appSeconds).toFixed(0)}`,
    );
    console.log(
      `  minimal Probot app  ${ms(percentile(peerAck, 50))}  ${ms(percentile(peerAck, 99))}    ` +
        `(peer; ${peerSamples.length} deliveries: a round before each of the App's, and one after)`,
    );
    console.log(
      `  ratio App / peer    p50 ${(percentile(appAck, 50) / percentile(peerAck, 50)).toFixed(2)}   ` +
        `p99 ${ratio.toFixed(2)}   (target p99 ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? "met" : "NOT met"})`,
    );
    const each = (rounds: number[][]) => rounds.map((r) => percentile(r, 99).toFixed(1)).join(", ");
    console.log(`  p99 per round (ms): App ${each(sides.app.rounds)}; peer ${each(sides.peer.rounds)}`);
    const [low, high] = resampledRatioInterval(sides.app.rounds, sides.peer.rounds, 99);
    console.log(
      `  p99 ratio with each side's rounds drawn again (400 draws): 90% of draws between ${low.toFixed(2)} and ${high.toFixed(2)}`,
    );
    console.log(
      `  time to the check-run request, under this load: p50 ${ms(percentile(toCheckRun, 50))}, ` +
        `p99 ${ms(percentile(toCheckRun, 99))}${drained ? "" : " (not all arrived)"}`,
    );
    console.log(
      `  time to the check-run request, one delivery at a time: p50 ${ms(percentile(idle, 50))}, ` +
        `p99 ${ms(percentile(idle, 99))}`,
    );
    console.log(
      `  durably recorded: ${recorded} of ${expected} App deliveries in perceo_app.webhook_deliveries; ` +
        `non-2xx answers: ${failures}; unexpected GitHub requests: ${unexpected.length}`,
    );
    if (recorded !== expected || failures > 0 || unexpected.length > 0) {
      console.log(`  unexpected: ${unexpected.slice(0, 5).join(", ")}`);
      process.exitCode = 1;
    }
  } finally {
    await appDb.end();
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((c) => (c.exitCode === null ? once(c, "exit") : undefined)));
    await pgServer.stop();
    await rm(blobs, { recursive: true, force: true });
  }
}

function makeDeliveries(n: number, prefix: string): Delivery[] {
  const template = webhookExample<PullRequestOpenedEvent>("pull_request", "opened");
  template.installation = { id: 1, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  return Array.from({ length: n }, (_, i) => {
    // One pull request head per delivery, so each becomes its own job and its own check run.
    const sha = createHmac("sha1", prefix).update(String(i)).digest("hex");
    template.number = ++pullRequests;
    template.pull_request.number = pullRequests;
    template.pull_request.head.sha = sha;
    const body = Buffer.from(JSON.stringify(template));
    const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    return { id: `${prefix}-${i}-${randomUUID()}`, sha, body, signature };
  });
}

/**
 * Sends the deliveries with `concurrency` requests in flight, on keep-alive connections of this
 * call's own: a connection left idle between rounds can be closed by the server just as it is reused.
 * Returns one sample per delivery.
 */
async function load(port: number, deliveries: Delivery[], concurrency: number): Promise<Sample[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const samples: Sample[] = [];
  let next = 0;
  const worker = async () => {
    while (next < deliveries.length) {
      const delivery = deliveries[next++] as Delivery;
      const sentAt = now();
      const status = await post(port, delivery, agent);
      samples.push({ sha: delivery.sha, sentAt, ackMs: now() - sentAt, status });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return samples;
}

function post(port: number, delivery: Delivery, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/api/github/webhooks",
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": delivery.body.length,
          "user-agent": "GitHub-Hookshot/bench",
          "x-github-event": "pull_request",
          "x-github-delivery": delivery.id,
          "x-hub-signature-256": delivery.signature,
        },
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      },
    );
    request.on("error", reject);
    request.end(delivery.body);
  });
}

async function startChild(args: string[], cwd: string): Promise<ChildProcess> {
  const script = fileURLToPath(import.meta.url);
  // PERCEO_BENCH_PROF=<dir> writes a CPU profile of the App's process there.
  const profile = process.env.PERCEO_BENCH_PROF;
  const flags = profile && args[1] === "app" ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...flags, script, ...args], {
    cwd,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${args[1]} server exited with ${code}`)));
    lines.on("line", (line) => {
      if (line.includes('"ready"')) resolve();
    });
  });
  return child;
}

const FLOW = [
  "name: checkout",
  "description: A person buys what is in the cart.",
  "priority: critical",
  "covers:",
  "  - src/cart/**",
  "steps:",
  "  - goto: /cart",
  "  - click: { role: button, name: Checkout }",
  "",
].join("\n");

/** Milliseconds on a clock every process of the benchmark shares. */
const now = () => performance.timeOrigin + performance.now();

/**
 * Answers the requests an impact job makes, and notes when each commit's check run is created;
 * `GET /_bench/state` tells the measuring process.
 */
async function startFakeGithub(port: number): Promise<void> {
  const checkRunAt = new Map<string, number>();
  const unexpected: string[] = [];
  let checkRunId = 0;
  const repo = `/repos/${OWNER}/${REPO}`;
  const file = (p: string, text: string) => ({
    type: "file",
    path: p,
    encoding: "base64",
    content: Buffer.from(text).toString("base64"),
  });
  // The head commit as GitHub's tarball: the flow, the config and the file the pull request changes.
  const headCommit = (sha: string) =>
    gzippedTar(
      [
        [".perceo/config.yml", "project: hello-world\nbaseUrl: http://localhost:3000\n"],
        [".perceo/flows/checkout.yml", FLOW],
        [
          "src/cart/total.ts",
          "export const total = (prices: number[]) => prices.reduce((a, b) => a + b, 0);\n",
        ],
        ["README.md", "# Hello World\n"],
      ].map(([name, text]) => ({
        name: `${OWNER}-${REPO}-${sha.slice(0, 7)}/${name}`,
        text: text as string,
      })),
    );
  let origin = "";
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://github.test");
      const route = `${req.method} ${decodeURIComponent(url.pathname)}`;
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      if (route === "GET /_bench/state") return json(200, { checkRunAt: [...checkRunAt], unexpected });
      if (route === "GET /_bench/check-runs") return json(200, checkRunAt.size);
      if (/^POST \/app\/installations\/1\/access_tokens$/.test(route)) {
        return json(201, {
          token: "ghs_bench",
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
          permissions: { checks: "write", pull_requests: "write", issues: "write", contents: "read" },
          repository_selection: "all",
        });
      }
      if (route.startsWith(`GET ${repo}/commits/`) && route.endsWith("/check-runs")) {
        return json(200, { total_count: 0, check_runs: [] });
      }
      if (route === `POST ${repo}/check-runs`) {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { head_sha: string };
        checkRunAt.set(body.head_sha, now());
        return json(201, { id: ++checkRunId });
      }
      if (route.startsWith(`PATCH ${repo}/check-runs/`)) return json(200, {});
      if (route === `GET ${repo}/contents/.perceo`) {
        return json(200, [
          { type: "file", path: ".perceo/config.yml" },
          { type: "dir", path: ".perceo/flows" },
        ]);
      }
      if (route === `GET ${repo}/contents/.perceo/flows`) {
        return json(200, [{ type: "file", path: ".perceo/flows/checkout.yml" }]);
      }
      if (route === `GET ${repo}/contents/.perceo/config.yml`) {
        return json(
          200,
          file(".perceo/config.yml", "project: hello-world\nbaseUrl: http://localhost:3000\n"),
        );
      }
      if (route === `GET ${repo}/contents/.perceo/flows/checkout.yml`) {
        return json(200, file(".perceo/flows/checkout.yml", FLOW));
      }
      const tarball = route.match(/^GET \/repos\/[^/]+\/[^/]+\/tarball\/(\w+)$/);
      if (tarball) {
        res.writeHead(302, { location: `${origin}/_codeload/${tarball[1]}.tar.gz` }).end();
        return;
      }
      const download = route.match(/^GET \/_codeload\/(\w+)\.tar\.gz$/);
      if (download) {
        void headCommit(download[1] as string).then((body) =>
          res.writeHead(200, { "content-type": "application/x-gzip" }).end(body),
        );
        return;
      }
      if (/^GET \/repos\/[^/]+\/[^/]+\/pulls\/\d+\/files$/.test(route)) {
        return json(200, [
          { filename: "src/cart/total.ts", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" },
          { filename: "README.md", status: "modified", patch: "@@ -1 +1 @@\n-x\n+y" },
        ]);
      }
      if (/^GET \/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/.test(route)) return json(200, []);
      if (/^POST \/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/.test(route)) return json(201, { id: 1 });
      unexpected.push(route);
      return json(404, { message: "Not Found" });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  origin = `http://127.0.0.1:${port}`;
  process.once("SIGTERM", () => process.exit(0));
}

/** Resolves true once the App has no job left to hand over or run, false when `timeoutMs` passes first. */
async function jobsDone(pool: pg.Pool, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      `select (select count(*)::int from graphile_worker._private_jobs where attempts < max_attempts)
            + (select count(*)::int from perceo_app.webhook_deliveries where pending) as n`,
    );
    if (rows[0]?.n === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The measuring process's view of the fake GitHub. */
function fakeGithubClient(url: string) {
  const state = async () => {
    const response = await fetch(`${url}/_bench/state`);
    const body = (await response.json()) as { checkRunAt: Array<[string, number]>; unexpected: string[] };
    return { checkRunAt: new Map(body.checkRunAt), unexpected: body.unexpected };
  };
  return {
    url,
    state,
    /** Resolves true once `n` check runs were created, false when `timeoutMs` passes first. */
    async waitForCheckRuns(n: number, timeoutMs: number): Promise<boolean> {
      const deadline = Date.now() + timeoutMs;
      while (((await (await fetch(`${url}/_bench/check-runs`)).json()) as number) < n) {
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return true;
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

if (values.serve) await serve(String(values.serve));
else await main();
