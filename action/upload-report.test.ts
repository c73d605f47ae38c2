import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { aRunResult } from "../shared/store/testing/index.ts";
import { ARTIFACT_ENV, RESULTS_URL } from "./testing/artifact-service.ts";
import { reportFiles, uploadReport } from "./upload-report.ts";
import type { VisualComparison } from "./visual-compare.ts";

const visual: VisualComparison = {
  changes: [
    {
      flow: "checkout",
      screenshot: "cart",
      stepIndex: 1,
      path: "checkout/cart.png",
      diffPath: "checkout/cart.diff.png",
      diffRatio: 0.02,
      baselineCommit: "abc1234",
    },
  ],
  unchanged: 0,
  withoutBaseline: 0,
};

describe("the report artifact", () => {
  let reportDir: string;
  beforeAll(async () => {
    nock.disableNetConnect();
    reportDir = await mkdtemp(path.join(tmpdir(), "perceo-upload-"));
    await mkdir(path.join(reportDir, "checkout"));
    await writeFile(path.join(reportDir, "index.html"), "<html></html>");
    await writeFile(path.join(reportDir, "checkout", "cart.png"), "png");
  });
  afterAll(async () => {
    nock.enableNetConnect();
    await rm(reportDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    nock.cleanAll();
    for (const name of Object.keys(process.env))
      if (/^(GITHUB_|ACTIONS_|RUNNER_)/.test(name)) vi.stubEnv(name, undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("holds every attempt's screenshots and traces and the diff images, and the results only when they were stored nowhere", () => {
    const run = aRunResult();
    const pictures = [
      "index.html",
      "checkout/cart.png",
      "signup/failure-1.png",
      "signup/trace-1.zip",
      "checkout/cart.diff.png",
    ];
    expect(reportFiles(run, visual, false)).toEqual(pictures);
    expect(reportFiles(run, visual, true)).toEqual([...pictures, "run.json", "results.json"]);
  });

  it("is not uploaded, and says why, on a runner without the artifact service", async () => {
    const upload = await uploadReport({
      name: "perceo-report-shard-1-of-1-attempt-1",
      reportDir,
      run: aRunResult(),
      visual,
      includeResults: false,
      runUrl: "https://github.com/acme/shop/actions/runs/1",
    });
    expect(upload).toEqual({
      uploaded: false,
      name: "perceo-report-shard-1-of-1-attempt-1",
      reason: expect.stringContaining("ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set"),
    });
  });

  it("reports an upload the artifact service refuses instead of throwing", async () => {
    for (const [name, value] of Object.entries(ARTIFACT_ENV)) vi.stubEnv(name, value);
    nock(RESULTS_URL)
      .post("/twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact")
      .reply(409, { msg: "an artifact with this name already exists on the workflow run" });
    const upload = await uploadReport({
      name: "perceo-report-shard-1-of-1-attempt-1",
      reportDir,
      run: aRunResult(),
      visual,
      includeResults: false,
      runUrl: "https://github.com/acme/shop/actions/runs/1",
    });
    expect(upload).toEqual({
      uploaded: false,
      name: "perceo-report-shard-1-of-1-attempt-1",
      reason: expect.stringContaining("(409) Conflict: an artifact with this name already exists"),
    });
  });
});
