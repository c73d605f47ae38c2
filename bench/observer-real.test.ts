import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../shared/config/index.ts";
import { loadCorpus, loadPins } from "./observer-real/corpus.ts";

// The real-app corpus loads and its ground truth holds together; the heavy run is `npm run bench -- observer-real`.
const apps = loadCorpus();

describe("the real-app corpus", () => {
  it("has apps of at least 20 pinned commits, whose flows are valid flows that open a route and check it, with no covers", async () => {
    expect(apps.length).toBeGreaterThan(0);
    for (const app of apps) {
      expect(app.commits.length, app.name).toBeGreaterThanOrEqual(20);
      const dir = await mkdtemp(path.join(tmpdir(), `perceo-corpus-${app.name}-`));
      try {
        await mkdir(path.join(dir, ".perceo"));
        await cp(path.join(app.dir, "config.yml"), path.join(dir, ".perceo", "config.yml"));
        await cp(path.join(app.dir, "flows"), path.join(dir, ".perceo", "flows"), { recursive: true });
        const project = await loadProject(dir, { cwd: dir });
        expect(project.flows.map((f) => f.name).sort(), app.name).toEqual(app.flows);
        for (const flow of project.flows) {
          expect(flow.covers ?? [], `${app.name}/${flow.name}`).toEqual([]);
          expect(flow.steps[0], `${app.name}/${flow.name}`).toHaveProperty("goto");
          expect(
            flow.steps.some((s) => "expect" in s),
            `${app.name}/${flow.name}`,
          ).toBe(true);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  });

  it("pins exactly the commits the ground truth describes, each changing more than docs or CI", () => {
    for (const app of apps) {
      const pins = loadPins(app);
      expect(pins.map((p) => p.sha).sort(), app.name).toEqual(app.commits.map((c) => c.sha).sort());
      for (const pin of pins) {
        const paths = pin.files.map((f) => f.replace(/^\w+\s+/, ""));
        const source = paths.filter(
          (p) => !/(^|\/)(README|CHANGELOG|CONTRIBUTING)[^/]*$|^\.github\/|^docs\//i.test(p),
        );
        expect(source, `${app.name} ${pin.sha} ${pin.subject}`).not.toEqual([]);
      }
    }
  });

  it("rejects ground truth that names a flow the app does not have", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "perceo-corpus-bad-"));
    try {
      await mkdir(path.join(dir, "shop", "flows"), { recursive: true });
      await writeFile(path.join(dir, "shop", "flows", "home.yml"), "name: home\n");
      await writeFile(
        path.join(dir, "shop", "app.yml"),
        [
          "name: shop",
          "repository: example/shop",
          "license: MIT",
          "framework: none",
          "commits:",
          `  - sha: ${"a".repeat(40)}`,
          "    kind: copy",
          "    why: the home page's heading reworded",
          "    reaches: [home, checkout]",
          "    changes: [home]",
        ].join("\n"),
      );
      expect(() => loadCorpus(dir)).toThrow(/names checkout, which is not in flows/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
