import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type LoadedFlow, loadProject, type Step } from "../../shared/config/index.ts";
import { runFlows } from "../../shared/runner/index.ts";
import { startShop } from "./server.ts";

const shopDir = path.dirname(new URL(import.meta.url).pathname);

/** Steps that find the button by its text, wherever a flow names it. */
function addToCartSteps(flow: LoadedFlow): number[] {
  return flow.steps.flatMap((step: Step, index) =>
    JSON.stringify(step).includes('"name":"Add to cart"') ? [index] : [],
  );
}

describe("renaming the Add to cart button", () => {
  it("fails exactly the flows that use it, each at that step's file and line", async () => {
    const project = await loadProject(shopDir, { cwd: shopDir });
    const users = project.flows.filter((f) => addToCartSteps(f).length > 0);
    expect(users.length).toBeGreaterThanOrEqual(3);
    expect(users.length).toBeLessThan(project.flows.length);

    const shop = await startShop({ copy: { addToCart: "Add to bag" } });
    try {
      const result = await runFlows({
        project: "shop",
        baseUrl: shop.url,
        flows: project.flows,
        personas: project.personas,
        outputDir: await mkdtemp(path.join(tmpdir(), "perceo-rename-")),
        settings: { ...project.config.runner, stepTimeout: 3_000, retries: 0, trace: "off" },
      });
      const failed = result.flows.filter((f) => f.status === "failed").map((f) => f.name);
      expect(failed.sort()).toEqual(users.map((f) => f.name).sort());
      for (const flow of users) {
        const first = addToCartSteps(flow)[0] as number;
        const where = flow.stepLocations[first];
        const error = result.flows.find((f) => f.name === flow.name)?.attempts[0]?.error;
        expect(error?.message).toContain(`${where?.file}:${where?.line}:${where?.col} step ${first + 1} (`);
        expect(error?.message).toContain('no element matches button "Add to cart"');
      }
    } finally {
      await shop.close();
    }
  }, 240_000);
});
