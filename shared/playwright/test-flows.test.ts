import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { selectAffectedFlows } from "../observer/index.ts";
import type { TestListing } from "./list-tests.ts";
import { testFlows } from "./test-flows.ts";

async function listingOf(
  files: Record<string, string>,
  tests: Array<[file: string, title: string, line: number]>,
) {
  const root = await mkdtemp(path.join(tmpdir(), "perceo-pw-flows-"));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(root, name), text);
  const listing: TestListing = {
    configFile: path.join(root, "playwright.config.ts"),
    rootDir: root,
    version: "1.65.1",
    baseURL: "http://127.0.0.1:4000/",
    projects: [{ name: "chromium" }],
    broken: [],
    tests: tests.map(([file, title, line]) => ({
      file: path.join(root, file),
      rootFile: file,
      titlePath: [title],
      line,
      column: 1,
      tags: [],
      annotations: [],
      projects: ["chromium"],
    })),
  };
  return { root, listing };
}

describe("Playwright tests as flows", () => {
  it("a spec oxc cannot parse selects all its tests on any change, and says why", async () => {
    const { root, listing } = await listingOf(
      { "odd.spec.ts": 'test("one", async ({ page }) => {\n  await page.goto("/one");\n  const = ;\n});\n' },
      [["odd.spec.ts", "one", 1]],
    );
    const flows = await testFlows(listing, { cwd: root });
    expect(flows[0]?.test?.unreadable).toMatch(/^oxc could not parse it/);
    const selection = await selectAffectedFlows({
      changes: [{ path: "src/anything.ts", status: "modified" }],
      flows,
    });
    expect(selection.selected).toEqual(["odd--one"]);
    expect(selection.flows[0]?.reasons[0]?.detail).toMatch(
      /^odd.spec.ts could not be read \(oxc could not parse it .*\), so what its tests visit and use is unknown: they run on every change$/,
    );
  });

  it("URLs are resolved against use.baseURL: full URLs keep their path, relative ones join it", async () => {
    const { root, listing } = await listingOf(
      {
        "urls.spec.ts": [
          'test("urls", async ({ page }) => {',
          '  await page.goto("http://127.0.0.1:4000/full?x=1");',
          '  await page.goto("relative");',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the spec's own source text
          "  await page.goto(`/users/${id}/orders`);",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the spec's own source text
          "  await page.waitForURL(`/search?q=${q}`);",
          "});",
          "",
        ].join("\n"),
      },
      [["urls.spec.ts", "urls", 1]],
    );
    const [flow] = await testFlows(listing, { cwd: root });
    expect(flow?.steps).toEqual([
      { goto: "/full?x=1" },
      { goto: "/relative" },
      { goto: "/users/x/orders" },
      { expect: { url: { contains: "/search?q=" } } },
    ]);
  });
});
