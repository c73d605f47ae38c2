import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ANNOTATIONS_PER_REQUEST,
  CheckRunError,
  type FlowsCheckRun,
  publishFlowsCheckRun,
} from "./check-run.ts";
import type { CheckAnnotation } from "./flows-report.ts";
import { requestBodySchema, validateAgainstGitHub } from "./testing/github-schema.ts";

const API = "https://api.github.com";
const REPO = "acme/shop";

function annotations(count: number): CheckAnnotation[] {
  return Array.from({ length: count }, (_, i) => ({
    path: ".perceo/flows/checkout.yml",
    start_line: i + 1,
    end_line: i + 1,
    annotation_level: "failure",
    title: `checkout: step ${i + 1} failed`,
    message: `expected the total, got $${i}`,
  }));
}

function aCheck(overrides: Partial<FlowsCheckRun> = {}): FlowsCheckRun {
  return {
    apiUrl: API,
    token: "ghs_token",
    repository: REPO,
    headSha: "a".repeat(40),
    conclusion: "failure",
    startedAt: "2026-11-23T10:00:00.000Z",
    completedAt: "2026-11-23T10:01:00.000Z",
    detailsUrl: `https://github.com/${REPO}/actions/runs/1`,
    externalId: "gh-1-1-shard-1-of-1",
    title: "1 flow failed",
    summary: "| flow | status |",
    annotations: [],
    ...overrides,
  };
}

describe("the Perceo / Flows check run", () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => nock.cleanAll());
  afterEach(() => {
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("sends 120 annotations as 50 on create, then 50 and 20 on updates, each body valid for GitHub", async () => {
    const bodies: Array<{ method: string; body: Record<string, unknown> }> = [];
    const record = (method: string) => (body: Record<string, unknown>) => {
      bodies.push({ method, body });
      return true;
    };
    nock(API)
      .post(`/repos/${REPO}/check-runs`, record("POST"))
      .matchHeader("authorization", "Bearer ghs_token")
      .reply(201, { id: 99 })
      .patch(`/repos/${REPO}/check-runs/99`, record("PATCH"))
      .times(2)
      .reply(200, { id: 99 });
    expect(await publishFlowsCheckRun(aCheck({ annotations: annotations(120) }))).toBe(99);

    expect(
      bodies.map(({ method, body }) => [
        method,
        (body.output as { annotations: unknown[] }).annotations.length,
      ]),
    ).toEqual([
      ["POST", ANNOTATIONS_PER_REQUEST],
      ["PATCH", 50],
      ["PATCH", 20],
    ]);
    const lines = bodies.flatMap(({ body }) =>
      (body.output as { annotations: CheckAnnotation[] }).annotations.map((a) => a.start_line),
    );
    expect(lines).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    const [create, ...updates] = bodies;
    expect(
      validateAgainstGitHub(create?.body, requestBodySchema("/repos/{owner}/{repo}/check-runs", "post")),
    ).toEqual([]);
    for (const update of updates) {
      expect(
        validateAgainstGitHub(
          update.body,
          requestBodySchema("/repos/{owner}/{repo}/check-runs/{check_run_id}", "patch"),
        ),
      ).toEqual([]);
    }
  });

  it("GitHub's schema refuses a body GitHub would refuse, so the checks above can fail", () => {
    const schema = requestBodySchema("/repos/{owner}/{repo}/check-runs", "post");
    const problems = validateAgainstGitHub(
      {
        name: "Perceo / Flows",
        head_sha: "a".repeat(40),
        status: "completed",
        conclusion: "passed",
        output: {
          title: "t",
          summary: "s",
          annotations: [{ path: "a.yml", start_line: 1, level: "failure" }],
        },
      },
      schema,
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^conclusion: /),
        "body.output.annotations[0].level: not in GitHub's schema",
      ]),
    );
  });

  it("cuts a summary longer than GitHub takes and points to the job summary", async () => {
    let summary = "";
    nock(API)
      .post(`/repos/${REPO}/check-runs`, (body) => {
        summary = body.output.summary;
        return true;
      })
      .reply(201, { id: 1 });
    await publishFlowsCheckRun(aCheck({ summary: "x".repeat(70_000) }));
    expect(summary.length).toBe(65_535);
    expect(summary.endsWith("… (cut: the full table is in the job summary)")).toBe(true);
  });

  it("says which permission is missing when GitHub answers 403", async () => {
    nock(API)
      .post(`/repos/${REPO}/check-runs`)
      .reply(403, { message: "Resource not accessible by integration" });
    const error = await publishFlowsCheckRun(aCheck()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckRunError);
    expect(error).toMatchObject({
      status: 403,
      message: expect.stringContaining("give the job `permissions: checks: write`"),
    });
  });
});
