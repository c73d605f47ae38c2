import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import nock from "nock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { aRunResult } from "../../shared/store/testing/index.ts";
import { encodePng } from "../../shared/visual/index.ts";
import type { RunningApp } from "../server/start.ts";
import { OIDC_JWKS, useAppHarness } from "../testing/app-harness.ts";
import { REPO } from "../testing/fixtures.ts";
import {
  assertPng,
  assertRunOfToken,
  IngestError,
  matchIngestRequest,
  parseBaselineQuery,
  screenshotReportPath,
} from "./visual-routes.ts";

const SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const png = (shade: number) =>
  encodePng({ width: 4, height: 3, data: new Uint8Array(4 * 3 * 4).fill(shade) });

function refusal(action: () => unknown): { status: number; message: string } | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (!(error instanceof IngestError)) throw error;
    return { status: error.status, message: error.message };
  }
}

describe("reading an ingest request from its raw path", () => {
  it("tells the run, a screenshot, a baseline lookup and a promotion apart, and leaves other paths alone", () => {
    expect(matchIngestRequest("/api/perceo/runs")).toEqual({ kind: "run", method: "POST" });
    expect(
      matchIngestRequest("/api/perceo/runs/gh-1-1-shard-1-of-1/artifacts/screenshots/a%20b.png"),
    ).toEqual({
      kind: "artifact",
      method: "PUT",
      runId: "gh-1-1-shard-1-of-1",
      reportPath: ["screenshots", "a b.png"],
    });
    expect(matchIngestRequest("/api/perceo/runs/gh-1-1/baselines")).toEqual({
      kind: "promote",
      method: "POST",
      runId: "gh-1-1",
    });
    const lookup = matchIngestRequest("/api/perceo/baselines?flow=home&step=hero&width=1280&height=800");
    expect(lookup?.kind === "baseline" && lookup.query.get("flow")).toBe("home");
    for (const other of ["/healthz", "/api/perceo/runs/", "/api/perceo/runs/x/other", "/api/github/webhooks"])
      expect(matchIngestRequest(other)).toBeUndefined();
  });

  it("keeps an encoded `..` visible instead of resolving it, so the path check refuses it", () => {
    const request = matchIngestRequest("/api/perceo/runs/gh-1-1/artifacts/%2E%2E/%2e%2e/x.png");
    expect(request).toMatchObject({ kind: "artifact", reportPath: ["..", "..", "x.png"] });
    const segments = request?.kind === "artifact" ? request.reportPath : [];
    expect(refusal(() => screenshotReportPath(segments))).toMatchObject({ status: 400 });
  });
});

describe("the checks on an uploaded screenshot", () => {
  it("accepts the report paths the runner writes and refuses escapes, odd segments and other files", () => {
    expect(screenshotReportPath(["screenshots", "home", "attempt-1", "hero.png"])).toBe(
      "screenshots/home/attempt-1/hero.png",
    );
    for (const bad of [
      ["..", "x.png"],
      [".", "x.png"],
      ["a", "", "x.png"],
      ["a\\..\\x.png"],
      ["trace.zip"],
    ]) {
      expect(refusal(() => screenshotReportPath(bad))?.status).toBe(400);
    }
  });

  it("binds a run to the token's workflow run and attempt", () => {
    const claims = { run_id: "4242", run_attempt: "2" };
    expect(refusal(() => assertRunOfToken("gh-4242-2-shard-1-of-1", claims))).toBeUndefined();
    expect(refusal(() => assertRunOfToken("gh-4242-2", claims))).toBeUndefined();
    for (const other of ["gh-4242-1-shard-1-of-1", "gh-42421-2", "gh-4242-2-../x", "run-1"]) {
      expect(refusal(() => assertRunOfToken(other, claims))).toMatchObject({
        status: 403,
        message: expect.stringContaining("a token of run 4242 attempt 2 writes runs named gh-4242-2-…"),
      });
    }
  });

  it("takes a PNG and refuses anything else with 415", () => {
    expect(refusal(() => assertPng(png(10)))).toBeUndefined();
    expect(refusal(() => assertPng(new TextEncoder().encode("<svg/>")))?.status).toBe(415);
    expect(refusal(() => assertPng(png(10).subarray(0, 10)))?.status).toBe(415);
  });

  it("reads a baseline query and refuses an incomplete one", () => {
    const query = (q: string) => parseBaselineQuery(new URLSearchParams(q));
    expect(query(`flow=home&step=hero&width=1280&height=800&mergeBase=${SHA}`)).toEqual({
      flowName: "home",
      stepName: "hero",
      viewport: { width: 1280, height: 800 },
      mergeBaseSha: SHA,
    });
    expect(query("flow=home&step=hero&width=390&height=844")).not.toHaveProperty("mergeBaseSha");
    expect(refusal(() => query("flow=home&width=1280&height=800"))?.status).toBe(400);
    expect(refusal(() => query("flow=home&step=hero&width=-1&height=800"))?.status).toBe(400);
    expect(refusal(() => query("flow=home&step=hero&width=1&height=1&mergeBase=main"))?.status).toBe(400);
  });
});

describe("the pictures routes of a running App", () => {
  let app: RunningApp;
  let blobsDir: string;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  const RUN_ID = "gh-99-1-shard-1-of-1";
  /** Where aRunResult's checkout flow says its screenshot is. */
  const SHOT = "checkout/cart.png";

  const dirs: string[] = [];

  beforeAll(async () => {
    keys = await generateKeyPair("RS256");
  });
  // Each test's App keeps its pictures in a directory of its own.
  beforeEach(async () => {
    blobsDir = await mkdtemp(path.join(tmpdir(), "perceo-ingest-blobs-"));
    dirs.push(blobsDir);
  });
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  useAppHarness(
    {
      app: (a) => {
        app = a;
      },
    },
    () => ({ blobsDir }),
  );

  async function token(claims: Record<string, unknown>) {
    return new SignJWT({
      repository: `${REPO.owner}/${REPO.repo}`,
      repository_id: String(REPO.id),
      sha: SHA,
      run_id: "99",
      run_attempt: "1",
      ...claims,
    })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer("https://token.actions.githubusercontent.com")
      .setAudience("perceo")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(keys.privateKey);
  }

  async function setUp() {
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    nock(new URL(OIDC_JWKS).origin)
      .get(new URL(OIDC_JWKS).pathname)
      .reply(200, { keys: [jwk] });
    return app.deps.store.ensureProject({
      fullName: `${REPO.owner}/${REPO.repo}`,
      installationId: 1,
      repositoryId: REPO.id,
      defaultBranch: "main",
    });
  }

  const send = (method: string, route: string, bearer: string, body?: Uint8Array | string) =>
    fetch(`http://127.0.0.1:${app.port}${route}`, {
      method,
      headers: { authorization: `Bearer ${bearer}` },
      ...(body !== undefined ? { body: typeof body === "string" ? body : new Uint8Array(body) } : {}),
    });
  const baselineQuery = "/api/perceo/baselines?flow=checkout&step=cart&width=1280&height=720";

  it("a default-branch run's screenshot, sent before the run, is recorded and becomes the baseline it then serves", async () => {
    const project = await setUp();
    const push = await token({ ref: "refs/heads/main" });
    expect((await send("GET", baselineQuery, push)).status).toBe(404);

    const put = await send("PUT", `/api/perceo/runs/${RUN_ID}/artifacts/${SHOT}`, push, png(200));
    expect(put.status).toBe(201);
    expect(await put.json()).toEqual({ reportPath: SHOT });
    const run = aRunResult({ id: RUN_ID });
    const posted = await send("POST", "/api/perceo/runs", push, JSON.stringify({ run }));
    expect(posted.status).toBe(201);
    expect(await posted.json()).toMatchObject({ screenshots: 1 });
    const pending = await app.deps.store.listPendingScreenshots(project.id, SHA);
    // The flaky flow's failure picture was not sent: recorded without a storage path.
    expect(pending.map((s) => [s.flowName, s.storagePath, s.branch])).toEqual([
      ["checkout", `${project.id}/${RUN_ID}/${SHOT}`, "main"],
      ["signup", null, "main"],
    ]);

    const promoted = await send("POST", `/api/perceo/runs/${RUN_ID}/baselines`, push);
    expect(promoted.status).toBe(200);
    expect(await promoted.json()).toEqual({ baselinesUpdated: 1 });
    const baseline = await send("GET", `${baselineQuery}&mergeBase=${SHA}`, push);
    expect(baseline.status).toBe(200);
    expect(baseline.headers.get("content-type")).toBe("image/png");
    expect(baseline.headers.get("x-perceo-baseline-commit")).toBe(SHA);
    const got = Buffer.from(await baseline.arrayBuffer());
    expect(got.equals(Buffer.from(png(200)))).toBe(true);
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("a pull request's token records its run but cannot make its screenshots the baselines", async () => {
    const project = await setUp();
    const pr = await token({ ref: "refs/pull/2/merge" });
    expect((await send("PUT", `/api/perceo/runs/${RUN_ID}/artifacts/${SHOT}`, pr, png(5))).status).toBe(201);
    const run = aRunResult({ id: RUN_ID });
    expect((await send("POST", "/api/perceo/runs", pr, JSON.stringify({ run, prNumber: 2 }))).status).toBe(
      201,
    );
    const promoted = await send("POST", `/api/perceo/runs/${RUN_ID}/baselines`, pr);
    expect(promoted.status).toBe(403);
    expect((await promoted.json()).error).toBe(
      "baselines are set only by a workflow on main; this token is for refs/pull/2/merge — approve a pull request's screenshots with /perceo approve",
    );
    expect((await send("GET", baselineQuery, pr)).status).toBe(404);
    const pending = await app.deps.store.listPendingScreenshots(project.id, SHA);
    expect(pending.map((s) => [s.flowName, s.storagePath, s.branch])).toEqual([
      ["checkout", `${project.id}/${RUN_ID}/${SHOT}`, null],
      ["signup", null, null],
    ]);
  });

  it("a token cannot write another workflow run's pictures or run, nor promote a run not recorded", async () => {
    await setUp();
    const push = await token({ ref: "refs/heads/main" });
    const other = "gh-98-1-shard-1-of-1";
    const put = await send("PUT", `/api/perceo/runs/${other}/artifacts/${SHOT}`, push, png(1));
    expect(put.status).toBe(403);
    const run = aRunResult({ id: other });
    expect((await send("POST", "/api/perceo/runs", push, JSON.stringify({ run }))).status).toBe(403);
    expect(await app.deps.store.listRuns({})).toEqual([]);
    const promoted = await send("POST", `/api/perceo/runs/${RUN_ID}/baselines`, push);
    expect(promoted.status).toBe(404);
    expect(await readdir(blobsDir)).toEqual([]);
  });
});
