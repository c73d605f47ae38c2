import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { serialize } from "node:v8";
import { describe, expect, it } from "vitest";
import { parseFlowFile } from "../config/index.ts";
import { defaultFactsCachePath, fileFactsCache } from "./facts-cache.ts";
import { readModuleFacts } from "./module-facts.ts";
import { selectAffectedFlows } from "./select-affected-flows.ts";
import { diskTree } from "./source-tree.ts";

const APP = {
  "package.json": JSON.stringify({ dependencies: { next: "15.0.0" } }),
  "src/app/page.tsx": `import { Hero } from "../components/hero";\nexport default function Home() {\n  return <Hero />;\n}\n`,
  "src/app/cart/page.tsx": `import { total } from "../../lib/money";\nexport default function Cart() {\n  return <p>{total()}</p>;\n}\n`,
  "src/components/hero.tsx": `export function Hero() {\n  return <h1>Hello</h1>;\n}\n`,
  "src/lib/money.ts": `export function total() {\n  return 1;\n}\n`,
  "src/app/globals.css": "body { margin: 0; }\n",
};

async function committedRepo(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "perceo-facts-cache-"));
  for (const [file, text] of Object.entries(APP)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: root });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "app");
  return root;
}

const flows = ["/", "/cart"].map((goto, i) => {
  const parsed = parseFlowFile({
    path: `.perceo/flows/f${i}.yml`,
    text: `name: f${i}\ndescription: Visits ${goto}.\npriority: high\nsteps:\n  - goto: ${goto}\n`,
  });
  if (!parsed.flow) throw new Error(JSON.stringify(parsed.issues));
  return parsed.flow;
});

/** The committed app, and a cache file holding what a first selection parsed of it. */
async function repoWithSavedFacts(): Promise<{ root: string; cacheFile: string }> {
  const root = await committedRepo();
  const cacheFile = path.join(root, "..", `${path.basename(root)}.facts.bin`);
  const first = fileFactsCache(cacheFile);
  await selectAffectedFlows({ changes: [], flows, tree: diskTree(root), cache: first });
  first.save();
  return { root, cacheFile };
}

const changeTo = (file: string, line: number) => ({
  path: file,
  status: "modified" as const,
  patch: `@@ -${line} +${line} @@\n-old\n+new`,
});

describe("module facts kept by content", () => {
  it("a second selection parses no unchanged module again and selects the same flows", async () => {
    const root = await committedRepo();
    const cacheFile = path.join(root, "..", `${path.basename(root)}.facts.bin`);
    const changes = [changeTo("src/lib/money.ts", 2)];
    const first = fileFactsCache(cacheFile);
    const cold = await selectAffectedFlows({ changes, flows, tree: diskTree(root), cache: first });
    first.save();
    expect(first.stats).toEqual({ hits: 0, misses: 5 });

    const second = fileFactsCache(cacheFile);
    const warm = await selectAffectedFlows({ changes, flows, tree: diskTree(root), cache: second });
    expect(second.stats).toEqual({ hits: 5, misses: 0 });
    expect(warm.selected).toEqual(["f1"]);
    expect(warm.flows.map((f) => [f.flow, f.reasons])).toEqual(cold.flows.map((f) => [f.flow, f.reasons]));
  });

  it("reads its file when first used, not when made: what a selection saved meanwhile counts", async () => {
    const root = await committedRepo();
    const cacheFile = path.join(root, "..", `${path.basename(root)}.facts.bin`);
    const made = fileFactsCache(cacheFile);
    const first = fileFactsCache(cacheFile);
    await selectAffectedFlows({ changes: [], flows, tree: diskTree(root), cache: first });
    first.save();
    await selectAffectedFlows({ changes: [], flows, tree: diskTree(root), cache: made });
    expect(made.stats).toEqual({ hits: 5, misses: 0 });
  });

  it("a selection that parsed nothing new leaves the file as it was", async () => {
    const { root, cacheFile } = await repoWithSavedFacts();
    const written = statSync(cacheFile, { bigint: true });

    const second = fileFactsCache(cacheFile);
    await selectAffectedFlows({ changes: [], flows, tree: diskTree(root), cache: second });
    second.save();
    expect(second.stats).toEqual({ hits: 5, misses: 0 });
    expect(statSync(cacheFile, { bigint: true }).mtimeNs).toBe(written.mtimeNs);
    expect(statSync(cacheFile, { bigint: true }).ino).toBe(written.ino);
  });

  it("a selection that read no module keeps what the file held", async () => {
    const { root, cacheFile } = await repoWithSavedFacts();

    const blind = fileFactsCache(cacheFile);
    await selectAffectedFlows({ changes: [changeTo("src/lib/money.ts", 2)], flows, cache: blind });
    blind.save();
    expect(blind.stats).toEqual({ hits: 0, misses: 0 });

    const after = fileFactsCache(cacheFile);
    await selectAffectedFlows({ changes: [], flows, tree: diskTree(root), cache: after });
    expect(after.stats).toEqual({ hits: 5, misses: 0 });
  });

  it("a file edited in the working tree is read again, and what it now imports counts", async () => {
    const { root, cacheFile } = await repoWithSavedFacts();

    await writeFile(
      path.join(root, "src/components/hero.tsx"),
      `import { total } from "../lib/money";\nexport function Hero() {\n  return <h1>{total()}</h1>;\n}\n`,
    );
    const cache = fileFactsCache(cacheFile);
    const selection = await selectAffectedFlows({
      changes: [changeTo("src/lib/money.ts", 2)],
      flows,
      tree: diskTree(root),
      cache,
    });
    expect(cache.stats).toEqual({ hits: 4, misses: 0 });
    expect(selection.selected.sort()).toEqual(["f0", "f1"]);
  });

  it("gives back the facts it was given, sets and maps included", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "perceo-facts-cache-file-"));
    const file = path.join(dir, "facts.bin");
    const text = `import { a, type B } from "./a";\nexport const copy = { title: "Hi", body: a.b };\nexport class C {\n  #x = 1;\n  get() {\n    return this.#x;\n  }\n}\n`;
    const facts = readModuleFacts("src/x.ts", text);
    const written = fileFactsCache(file);
    written.set("abc", "src/x.ts", { kind: "code", facts, routeHint: false });
    written.save();
    const read = fileFactsCache(file).get("abc", "src/x.ts");
    expect(read).toEqual({ kind: "code", facts, routeHint: false });
    expect(read?.facts.units.find((u) => u.label === "copy.body")?.members).toEqual(new Set(["b"]));
    expect(read?.facts.exports).toEqual(
      new Map([
        ["copy", "copy"],
        ["C", "C"],
      ]),
    );
  });

  it("a cache file from another version, or a broken one, starts empty", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "perceo-facts-cache-file-"));
    const old = path.join(dir, "old.bin");
    await writeFile(old, serialize({ version: 0, modules: new Map([["x.ts", {}]]) }));
    expect(fileFactsCache(old).get("x", ".ts")).toBeUndefined();
    const broken = path.join(dir, "broken.bin");
    await writeFile(broken, "not a cache");
    expect(fileFactsCache(broken).get("x", ".ts")).toBeUndefined();
  });

  it("lives outside the repository, one file per repository", () => {
    const a = defaultFactsCachePath("/work/a", { XDG_CACHE_HOME: "/cache" });
    expect(a).toMatch(/^\/cache\/perceo\/facts\/[0-9a-f]{16}\.bin$/);
    expect(defaultFactsCachePath("/work/b", { XDG_CACHE_HOME: "/cache" })).not.toBe(a);
  });
});
