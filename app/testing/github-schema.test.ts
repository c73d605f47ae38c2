import { describe, expect, it } from "vitest";
import { githubRequestProblems } from "./github-schema.ts";

describe("request bodies against GitHub's OpenAPI description", () => {
  it("accepts a check run update GitHub accepts", () => {
    expect(
      githubRequestProblems("PATCH", "/repos/o/r/check-runs/7", {
        status: "completed",
        conclusion: "success",
        output: { title: "t", summary: "s" },
      }),
    ).toStrictEqual([]);
  });

  it("names a button label over GitHub's 20 characters", () => {
    expect(
      githubRequestProblems("PATCH", "/repos/o/r/check-runs/7", {
        actions: [{ label: "Approve visual changes", description: "d", identifier: "perceo-approve" }],
      }),
    ).toStrictEqual([
      "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}: actions.0.label: Too big: expected string to have <=20 characters",
    ]);
  });

  it("names a property GitHub does not know, a wrong enum value and an unknown route", () => {
    expect(
      githubRequestProblems("POST", "/repos/o/r/issues/2/comments", { body: "x", sticky: true }),
    ).toHaveLength(1);
    expect(githubRequestProblems("PATCH", "/repos/o/r/check-runs/7", { conclusion: "passed" })).toHaveLength(
      1,
    );
    expect(githubRequestProblems("POST", "/repos/o/r/nothing-here", {})).toStrictEqual([
      "POST /repos/o/r/nothing-here: GitHub's REST API has no such operation with a JSON body",
    ]);
  });
});
