import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CachedModule } from "./facts-cache.ts";
import { FactsReader, FactsWriter } from "./facts-encoding.ts";
import { buildModuleGraph } from "./module-graph.ts";
import { diskTree, memoryTree, type SourceTree } from "./source-tree.ts";

const shop = path.resolve(import.meta.dirname, "../../examples/shop");

// Markup of each kind, CSS with @import, url() and at-rules, a template import, a DOM query, a parse error.
const ODD_MODULES = {
  "a.vue": `<template><Card :x="1" class="card"/></template>\n<script setup lang="ts">\nimport Card from "./card";\nconst el = document.querySelector(".card");\n</script>\n`,
  "b.svelte": `<script>\n  import { c } from "./c.js";\n  export let n = c;\n</script>\n<Card {n} />\n`,
  "c.astro": `---\nimport Layout from "./layout.astro";\nconst title = "x";\n---\n<Layout title={title}><p>hi</p></Layout>\n`,
  "d.html": `<script src="e.js"></script><script>window.x = "a.png";</script><div class="z">x</div>\n`,
  "e.js": `document.getElementById("z").addEventListener("click", () => {});\nlet = ;\n`,
  "f.js": `export const load = (name) => import(\`./pages/\${name}.js\`);\n`,
  "pages/one.js": "export default 1;\n",
  "c.js": "export const c = 1;\n",
  "s.css": `@import "./t.css";\n.z { color: red; background: url(a.png); --v: 1; }\n@keyframes k { from { top: 0 } }\n@font-face { src: url(f.woff2) }\n`,
  "t.css": ".card { margin: var(--v); }\n",
};

async function modulesOf(tree: SourceTree): Promise<CachedModule[]> {
  const graph = await buildModuleGraph({ tree, appDir: "" });
  return [...graph.modules.values()].map((m) => ({
    kind: m.kind,
    facts: m.facts,
    ...(m.css ? { css: m.css } : {}),
    routeHint: m.routeHint,
  }));
}

describe("module facts as numbers", () => {
  it("every module of the example shop, and markup, stylesheets and odd scripts, come back as they were parsed", async () => {
    const modules = [...(await modulesOf(diskTree(shop))), ...(await modulesOf(memoryTree(ODD_MODULES)))];
    expect(modules.filter((m) => m.kind === "markup").length).toBeGreaterThanOrEqual(4);
    expect(modules.some((m) => m.css?.rules.some((r) => r.atRule))).toBe(true);
    expect(modules.some((m) => m.facts.parseError)).toBe(true);
    expect(modules.some((m) => m.facts.imports.some((r) => r.pattern))).toBe(true);
    expect(modules.some((m) => m.facts.domQueries.length > 0)).toBe(true);
    expect(modules.some((m) => m.facts.units.some((u) => u.owner !== undefined))).toBe(true);

    const writer = new FactsWriter();
    const offsets = modules.map((m) => writer.write(m));
    const reader = new FactsReader(writer.strings, writer.data());
    for (const [i, module] of modules.entries()) expect(reader.read(offsets[i] as number)).toEqual(module);
    // Each string is kept once, however many modules name it.
    expect(new Set(writer.strings).size).toBe(writer.strings.length);
  });

  it("a damaged run of numbers is an error, not made-up facts", () => {
    const writer = new FactsWriter();
    writer.write({
      kind: "code",
      facts: { imports: [], units: [], exports: new Map([["a", "a"]]), domQueries: [] },
      routeHint: false,
    });
    const data = writer.data();
    expect(() => new FactsReader(writer.strings, data.subarray(0, data.length - 2)).read(0)).toThrow();
    expect(() => new FactsReader([], data).read(0)).toThrow();
  });
});
