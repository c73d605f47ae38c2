import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadProject, type PerceoProject } from "../shared/config/index.ts";
import { claudeToolUse } from "../shared/llm/testing/index.ts";
import { selectFlowsForRun } from "./select-flows.ts";

const SHOP = "examples/shop";
// A script no page loads and no flow covers: only recorded coverage or Claude can tie it to a flow.
const SCRIPT = `${SHOP}/public/js/consent.js`;

let workspace: string;
let project: PerceoProject;

beforeEach(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), "perceo-action-select-"));
  await cp(path.resolve(import.meta.dirname, "..", SHOP), path.join(workspace, SHOP), { recursive: true });
  await writeFile(path.join(workspace, SCRIPT), "export const consent = true;\n");
  project = await loadProject(path.join(workspace, SHOP), { cwd: workspace });
  nock.disableNetConnect();
});
afterEach(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await rm(workspace, { recursive: true, force: true });
});

const change = (extra: { anthropicApiKey?: string } = {}) => ({
  changes: [{ path: SCRIPT, status: "added" as const }],
  projectDir: SHOP,
  repositoryRoot: workspace,
  ...extra,
});

describe("the Action's flow selection", () => {
  it("selects nothing for a script no signal reaches, without coverage or a key", async () => {
    const selection = await selectFlowsForRun(project, { kind: "affected" }, change());
    expect(selection.selected).toEqual([]);
  });

  it("follows the coverage perceo run --coverage committed, as perceo affected does", async () => {
    const coverage = { flows: { login: { urls: ["/login"], files: { [SCRIPT]: true } } } };
    await mkdir(path.join(workspace, SHOP, ".perceo"), { recursive: true });
    await writeFile(path.join(workspace, SHOP, ".perceo", "coverage.json"), JSON.stringify(coverage));

    const selection = await selectFlowsForRun(project, { kind: "affected" }, change());

    expect(selection.selected.map((flow) => flow.name)).toEqual(["login"]);
    expect(selection.reasons.login).toContain(`the recorded run of login executed ${SCRIPT}`);
  });

  it("with anthropic-api-key, lets Claude add a flow with its reasoning", async () => {
    let asked = "";
    nock("https://api.anthropic.com")
      .post("/v1/messages", (body: { messages: Array<{ content: Array<{ text: string }> }> }) => {
        asked = body.messages[0]?.content.map((part) => part.text).join("\n") ?? "";
        return true;
      })
      .matchHeader("x-api-key", "sk-test")
      .reply(
        200,
        claudeToolUse("report_affected_flows", {
          flows: [
            { flow: "checkout", probability: 0.6, reasoning: "a consent gate can block the pay button" },
          ],
        }),
      );

    const selection = await selectFlowsForRun(
      project,
      { kind: "affected" },
      change({ anthropicApiKey: "sk-test" }),
    );

    expect(nock.isDone()).toBe(true);
    expect(asked).toContain(SCRIPT);
    expect(selection.selected.map((flow) => flow.name)).toEqual(["checkout"]);
    expect(selection.reasons.checkout).toContain("a consent gate can block the pay button");
  });
});
