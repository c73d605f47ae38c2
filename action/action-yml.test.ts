import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { actionInputsSchema } from "./inputs.ts";
import { EMBEDDED_DIRS } from "./results-backend.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = async (file: string) => readFile(`${root}/${file}`, "utf8");

interface ActionYml {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}

interface Workflow {
  permissions: Record<string, string>;
  jobs: Record<string, { steps: Array<{ uses?: string; if?: string; with?: Record<string, unknown> }> }>;
}

describe("action.yml, the example workflow and the README agree", () => {
  it("action.yml declares exactly the inputs the Action reads, each described, and runs the bundle on node24", async () => {
    const action = parse(await read("action.yml")) as ActionYml;
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(actionInputsSchema.shape).sort());
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(input.description.length, `${name} needs a description`).toBeGreaterThan(20);
    }
    expect(action.runs).toEqual({ using: "node24", main: "action/dist/index.js" });
  });

  it("the example workflow uses only declared inputs and grants what the Action needs", async () => {
    const action = parse(await read("action.yml")) as ActionYml;
    const workflow = parse(await read("examples/workflows/perceo.yml")) as Workflow;
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    const perceo = steps.find((step) => step.uses?.startsWith("perceo/action@"));
    expect(perceo, "a step uses perceo/action").toBeDefined();
    for (const name of Object.keys(perceo?.with ?? {})) expect(Object.keys(action.inputs)).toContain(name);
    expect(steps.some((step) => step.uses?.startsWith("actions/checkout@"))).toBe(true);
    expect(workflow.permissions).toMatchObject({ checks: "write", "id-token": "write" });
  });

  it("the example workflow restores the embedded database before the Action and saves it after, on pushes only", async () => {
    const workflow = parse(await read("examples/workflows/perceo.yml")) as Workflow;
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    const at = (prefix: string) => steps.findIndex((step) => step.uses?.startsWith(prefix));
    const [restore, perceo, save] = [
      at("actions/cache/restore@"),
      at("perceo/action@"),
      at("actions/cache/save@"),
    ];
    expect(restore).toBeGreaterThanOrEqual(0);
    expect(restore).toBeLessThan(perceo);
    expect(save).toBeGreaterThan(perceo);
    const paths = (index: number) => String(steps[index]?.with?.path).trim().split("\n");
    expect(paths(restore)).toEqual([...EMBEDDED_DIRS]);
    expect(paths(save)).toEqual([...EMBEDDED_DIRS]);
    // Each save its own key (a key is written once); a pull request falls back to its base branch's.
    expect(steps[save]?.with?.key).toBe(steps[restore]?.with?.key);
    expect(steps[restore]?.with?.key).toMatch(/\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}$/);
    expect(String(steps[restore]?.with?.["restore-keys"])).toMatch(
      /\{\{ github\.base_ref \|\| github\.ref_name \}\}-$/m,
    );
    expect(steps[save]?.if).toContain("github.event_name == 'push'");
  });

  it("the README's Action section lists every input and output", async () => {
    const action = parse(await read("action.yml")) as ActionYml;
    const readme = await read("README.md");
    const section = readme.slice(
      readme.indexOf("## GitHub Action"),
      readme.indexOf("## Install the GitHub App"),
    );
    for (const name of [...Object.keys(action.inputs), ...Object.keys(action.outputs)]) {
      expect(section, `the README does not mention \`${name}\``).toContain(`\`${name}\``);
    }
  });
});
