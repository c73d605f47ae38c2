import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { CLI_NODE_FLAGS } from "../shared/cli/node-flags.ts";
import type { Selection } from "../shared/observer/types.ts";
import { seededRandom } from "./stats.ts";

/*
 * Observer speed on a generated repository: 20,000 JavaScript modules in a layered import graph,
 * 500 Next.js routes (src/app/r<N>/page.js), 500 flows, and a 5,000-file diff. Each side runs in its
 * own process so peak memory (max RSS) is its own:
 * A. a selection: `selectAffectedFlows` from the diff — listing and parsing every module, resolving
 *    imports, finding routes, slicing the change, matching flows
 * B. the peer: dependency-cruiser building the same repository's dependency graph (`cruise`)
 * Targets: A ≤ 1 s and ≤ 300 MB. The ratio A/B is printed. A runs cold (no cache), warm (module
 * facts from the cache a previous selection saved, by git blob id; the repository is committed for that)
 * and edited (that cache, with the 5,000 changed modules edited on disk: read and parsed again).
 * The modules are JavaScript because dependency-cruiser needs TypeScript < 7 to read .ts files.
 */
const MODULES = 20_000;
const ROUTES = 500;
const FLOWS = 500;
const CHANGED = 5_000;

const { values } = parseArgs({
  options: {
    child: { type: "string" },
    dir: { type: "string" },
    cache: { type: "string" },
    runs: { type: "string", default: "3" },
    // Perceo's side alone, while iterating: the peer takes a minute and a half. The default measures both.
    "no-peer": { type: "boolean", default: false },
  },
});

if (values.child) {
  const result =
    values.child === "observer"
      ? await timeSelection(values.dir as string, values.cache)
      : await timeCruise(values.dir as string);
  const usage = process.resourceUsage();
  process.stdout.write(
    `${JSON.stringify({ ...result, maxRssMb: Math.round(usage.maxRSS / 1024), processCpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000) })}\n`,
  );
  process.exit(0);
}

const dir = path.join(tmpdir(), `perceo-observer-speed-${MODULES}`);
if (!existsSync(path.join(dir, "done"))) await generate(dir);
if (!existsSync(path.join(dir, ".git"))) commit(dir);
const runs = Number(values.runs);
const cacheFile = path.join(dir, "..", `perceo-observer-speed-${MODULES}-facts.bin`);
rmSync(cacheFile, { force: true });
// Cold: nothing parsed before (a first run, or CI without a cache). Warm: the facts of every module
// whose content is unchanged come from the cache an earlier selection saved.
const cold = Array.from({ length: runs }, () => child("observer"));
child("observer", cacheFile);
const warm = Array.from({ length: runs }, () => child("observer", cacheFile));
// Edited: a first selection of a large pull request. The cache holds every module as the base
// commit has it, and the 5,000 changed modules differ on disk, so those are read and parsed again.
// Each run starts from the same cache (a run saves what it parsed) and the edits are undone after.
const baseCache = `${cacheFile}.base`;
copyFileSync(cacheFile, baseCache);
for (const i of changedModules()) {
  const file = path.join(dir, modulePath(i));
  writeFileSync(file, readFileSync(file, "utf8").replace(/ \+ (\d+);\n/, " + $1 + 1;\n"));
}
let edited: Measured[];
try {
  edited = Array.from({ length: runs }, () => {
    copyFileSync(baseCache, cacheFile);
    return child("observer", cacheFile);
  });
} finally {
  spawnSync("git", ["checkout", "-q", "--", "."], { cwd: dir });
  // The rewritten files' stat data no longer matches git's index: refresh it, or every later
  // selection's `git diff` hashes those 5,000 files again (0.13 s instead of 0.06).
  spawnSync("git", ["update-index", "-q", "--refresh"], { cwd: dir });
  // Leave the cache a later warm run expects: the head's modules, not the edited ones.
  copyFileSync(baseCache, cacheFile);
  rmSync(baseCache, { force: true });
}
const cruiser = values["no-peer"] ? undefined : child("cruiser");
const cases = [
  ["cold", cold],
  ["warm", warm],
  ["edited", edited],
] as const;
const best = (ms: Measured[]) => [...ms].sort((a, b) => a.ms - b.ms)[0] as Measured;
const peak = (ms: Measured[]) => Math.max(...ms.map((o) => o.maxRssMb));
console.log(
  `repository: ${MODULES} modules, ${ROUTES} routes, ${FLOWS} flows; diff: ${CHANGED} files (${dir})`,
);
// Wall time on a shared machine says as much about the neighbours as about the code: say how busy it was.
console.log(
  `machine: ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
for (const [label, measured] of cases) {
  const b = best(measured);
  const cached = b.cacheHits !== undefined ? `, ${b.cacheHits} modules from the cache` : "";
  console.log(
    `selection, ${`${label} (Perceo)`.padEnd(18)}${fmt(b.ms)} best of ${runs} (process CPU ${fmt(b.processCpuMs ?? 0)}), peak ${peak(measured)} MB  — selected ${b.selected} flows, ${b.modules} modules in graph${cached}${b.saveMs !== undefined ? `; saving the cache ${fmt(b.saveMs)}` : ""}`,
  );
  const phases = b.phasesMs;
  if (phases)
    console.log(
      `  of which${" ".repeat(21)}changed files and covers globs ${fmt(phases.changes)}, waiting for the file listing ${fmt(phases.listing)}, graph (facts read or recalled, imports resolved) ${fmt(phases.graph)}, routes ${fmt(phases.routes)}, walk to the routes ${fmt(phases.walk)}`,
    );
}
if (cruiser)
  console.log(
    `dependency-cruiser graph      ${fmt(cruiser.ms)} (process CPU ${fmt(cruiser.processCpuMs ?? 0)}), peak ${cruiser.maxRssMb} MB  — ${cruiser.modules} modules`,
  );
else console.log("dependency-cruiser graph      not measured (--no-peer)");
for (const [label, measured] of cases) {
  const b = best(measured);
  const ratio = cruiser
    ? `time ${(b.ms / cruiser.ms).toFixed(3)}, memory ${(peak(measured) / cruiser.maxRssMb).toFixed(2)}`
    : "no peer measured";
  console.log(
    `ratio ${`${label} / peer`.padEnd(23)}${ratio}; targets ≤ 1 s: ${b.ms <= 1000 ? "met" : "missed"}, ≤ 300 MB: ${peak(measured) <= 300 ? "met" : "missed"}`,
  );
}

interface Measured {
  ms: number;
  maxRssMb: number;
  selected?: number;
  modules?: number;
  cacheHits?: number;
  saveMs?: number;
  processCpuMs?: number;
  phasesMs?: Selection["stats"]["phasesMs"];
}

function commit(root: string): void {
  const git = (...args: string[]) =>
    spawnSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], {
      cwd: root,
      stdio: "ignore",
    });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "generated");
}

function child(kind: string, cache?: string): Measured {
  const args = [import.meta.filename, "--child", kind, "--dir", dir, ...(cache ? ["--cache", cache] : [])];
  // The selection runs as the CLI runs it: with the CLI's Node flags. The peer gets Node's defaults.
  const flags = kind === "observer" ? CLI_NODE_FLAGS : [];
  const result = spawnSync(process.execPath, [...flags, ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`${kind} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").pop() as string) as Measured;
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** The modules the diff changes: the same 5,000 in every run. */
function changedModules(): number[] {
  const pick = seededRandom(11);
  const changed = new Set<number>();
  while (changed.size < CHANGED) changed.add(pick(MODULES));
  return [...changed];
}

function modulePath(i: number): string {
  return `src/lib/d${Math.floor(i / 200)}/m${i}.js`;
}

async function generate(root: string): Promise<void> {
  const pick = seededRandom(7);
  const write = async (file: string, text: string) => {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  };
  await write(
    "package.json",
    JSON.stringify({ name: "generated", dependencies: { next: "15.0.0" } }, null, 2),
  );
  const writes: Array<Promise<void>> = [];
  for (let i = 0; i < MODULES; i++) {
    const deps = i < 100 ? [] : [...new Set([pick(i), pick(i), pick(i)])];
    const from = path.posix.dirname(modulePath(i));
    const imports = deps.map((d) => {
      const rel = path.posix.relative(from, modulePath(d));
      return `import { f${d} } from "${rel.startsWith(".") ? rel : `./${rel}`}";`;
    });
    writes.push(
      write(
        modulePath(i),
        `${imports.join("\n")}\n\n/** Module ${i}. */\nexport function f${i}(x) {\n  return ${deps.map((d) => `f${d}(x)`).join(" + ") || "x"} + ${i};\n}\n\nexport const label${i} = "module ${i}";\n`,
      ),
    );
    if (writes.length >= 500) await Promise.all(writes.splice(0));
  }
  for (let r = 0; r < ROUTES; r++) {
    const used = [...new Set([pick(MODULES), pick(MODULES), pick(MODULES), pick(MODULES)])];
    const imports = used.map((d) => `import { f${d} } from "../../lib/d${Math.floor(d / 200)}/m${d}.js";`);
    writes.push(
      write(
        `src/app/r${r}/page.js`,
        `${imports.join("\n")}\n\nexport default function Page${r}() {\n  return String(${used.map((d) => `f${d}(1)`).join(" + ")});\n}\n`,
      ),
    );
  }
  for (let f = 0; f < FLOWS; f++) {
    writes.push(
      write(
        `.perceo/flows/flow-${f}.yml`,
        `name: flow-${f}\ndescription: Opens route ${f}.\npriority: medium\nsteps:\n  - goto: /r${f % ROUTES}\n  - expect: { visible: { text: Route } }\n`,
      ),
    );
  }
  await Promise.all(writes);
  await write(".perceo/config.yml", "project: generated\nbaseUrl: http://localhost:3000\n");
  await write("done", "");
}

async function timeSelection(root: string, cacheFile: string | undefined) {
  const { loadProject } = await import("../shared/config/index.ts");
  const { diskTree, fileFactsCache, selectAffectedFlows } = await import("../shared/observer/index.ts");
  const project = await loadProject(root, { cwd: root });
  const changes = changedModules().map((i) => ({
    path: modulePath(i),
    status: "modified" as const,
    patch: `@@ -5 +5 @@\n-  return x;\n+  return x + 1;`,
  }));
  const started = performance.now();
  const cache = cacheFile ? fileFactsCache(cacheFile) : undefined;
  const selection = await selectAffectedFlows({
    changes,
    flows: project.flows,
    tree: diskTree(root),
    ...(cache ? { cache } : {}),
  });
  const ms = performance.now() - started;
  const saving = performance.now();
  cache?.save();
  const saveMs = performance.now() - saving;
  return {
    ms,
    selected: selection.selected.length,
    modules: selection.stats.modulesInGraph,
    phasesMs: selection.stats.phasesMs,
    ...(cache ? { cacheHits: cache.stats.hits, saveMs } : {}),
  };
}

async function timeCruise(root: string) {
  const { cruise } = await import("dependency-cruiser");
  process.chdir(root);
  const started = performance.now();
  const result = await cruise(["src"], {}, { extensions: [".js"] });
  const ms = performance.now() - started;
  const output = result.output as { modules: unknown[] };
  return { ms, modules: output.modules.length };
}
