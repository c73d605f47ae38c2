import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Browser } from "playwright-core";
import { type LoadedFlow, loadProject, type Persona } from "../shared/config/index.ts";
import {
  buildCoverageMap,
  type CoverageMap,
  calibrate,
  diskTree,
  gitChanges,
  type PredictionWithOutcome,
  renderReliabilityTable,
  selectAffectedFlows,
} from "../shared/observer/index.ts";
import { findBrowser, launchBrowser, type RecordedCoverage, runFlows } from "../shared/runner/index.ts";
import { measurePlaywrightSuite } from "./observer/playwright-quality.ts";
import { reportRiskQuality, type ScoredFlow } from "./observer/risk-quality.ts";
import {
  applySeededChange,
  QUICK,
  SEEDED_CHANGES,
  type SeededChange,
  SUITE_CHANGES,
} from "./observer/seeded-changes.ts";
import { pad, pct } from "./stats.ts";

/*
 * Observer quality on the example shop. Each seeded change is applied to a scratch git copy; the
 * observer selects flows from `git diff` exactly as `perceo affected` does; then every flow runs in
 * Chromium against the changed shop (its own server process). Ground truth: the flows that fail twice, and
 * for changes that break nothing, the flows a person listed as reached. Targets: recall of failing
 * flows 100%, average share of flows selected ≤ 30%.
 * The observer gets the coverage map recorded by running every flow on the unchanged shop once
 * (`--no-coverage` leaves it out). `--quick` runs eight of the changes.
 * Before the YAML flows, the same changes and a few to the suite itself run against the example's
 * Playwright suite, beside Playwright's own --only-changed (playwright-quality.ts); `--suite flows`
 * or `--suite playwright` runs one of the two.
 */
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "no-coverage": { type: "boolean", default: false },
    only: { type: "string" },
    workers: { type: "string", default: "3" },
    suite: { type: "string", default: "all" },
    half: { type: "string", default: "both" },
    // `--part 2/3`: every third wanted change from the second, to spread one run over processes.
    part: { type: "string", default: "1/1" },
    dump: { type: "string" },
    // On a loaded machine a 3 s step timeout fails flows that work: raise it rather than count them.
    "step-timeout": { type: "string", default: "3000" },
    // Flow results per shop tree (git tree id), kept between runs: a change's ground truth does not
    // depend on the observer, so tuning reruns only the selection.
    "truth-cache": { type: "string" },
    // Only the changes whose ground truth the cache holds: figures from a partial run, without Chromium.
    "cached-only": { type: "boolean", default: false },
  },
});
if (!["all", "flows", "playwright"].includes(values.suite))
  throw new Error(`--suite takes all, flows or playwright, not ${values.suite}`);
const repoRoot = path.resolve(import.meta.dirname, "..");
const APP = "examples/shop";

if (!["both", "tuning", "held-out"].includes(values.half))
  throw new Error(`--half takes both, tuning or held-out, not ${values.half}`);
const inHalf = (c: SeededChange) =>
  values.half === "both" || (values.half === "held-out") === (c.heldOut === true);
const wanted = (c: SeededChange) =>
  (!values.quick || QUICK.includes(c.name)) && (!values.only || c.name.includes(values.only)) && inHalf(c);
const [part, parts] = values.part.split("/").map(Number) as [number, number];
const changes = SEEDED_CHANGES.filter(wanted).filter((_, i) => i % parts === part - 1);

if (values.suite !== "flows") {
  // The same shop changes, and changes to the suite's own specs and page objects, against a Playwright suite.
  const { met } = await measurePlaywrightSuite({
    changes: [
      // The held-out half is the risk model's: the suite's figures stay comparable run to run.
      ...changes.filter((c) => !c.heldOut).map((change) => ({ change, root: "examples/shop" as const })),
      ...SUITE_CHANGES.filter((c) => !values.only || c.name.includes(values.only)).map((change) => ({
        change,
        root: "examples/shop-playwright" as const,
      })),
    ],
    workers: Number(values.workers),
    coverage: !values["no-coverage"],
  });
  if (!met) process.exitCode = 1;
  if (values.suite === "playwright") process.exit();
  console.log("\nYAML flows:");
}

const scratch = await mkdtemp(path.join(tmpdir(), "perceo-observer-quality-"));
const appDir = path.join(scratch, APP);
await mkdir(path.dirname(appDir), { recursive: true });
await cp(path.join(repoRoot, APP), appDir, {
  recursive: true,
  filter: (src) => !/(perceo-report|node_modules|\.perceo\/data)/.test(src),
});
const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], {
    cwd: scratch,
    encoding: "utf8",
  });
git("init", "-q", "-b", "main");
git("add", "-A");
git("commit", "-q", "-m", "shop");

const browser = await launchBrowser(await findBrowser());
const outputDir = path.join(scratch, "runs");

interface Row {
  change: SeededChange;
  selected: string[];
  failing: string[];
  reached: string[];
  missedFailing: string[];
  missedReached: string[];
  ms: number;
}
const rows: Row[] = [];
let baselineFailing = new Set<string>();
let flakyTotal = 0;
// Each selected flow's predicted chance of failing, beside whether it failed.
const predictions: PredictionWithOutcome[] = [];
// Every flow on every change, for the risk model's held-out figures (`--dump FILE` writes them as JSON).
const scored: ScoredFlow[] = [];

try {
  const base = await loadProject(appDir, { cwd: scratch });
  // Coverage recorded on the unchanged shop, as a nightly `perceo run` on main would.
  const recordings = new Map<string, RecordedCoverage>();
  const truth = await openTruthCache(values["truth-cache"]);
  const baseTree = git("write-tree").trim();
  const cachedBase = truth.trees[baseTree];
  const baseline = cachedBase?.results ?? (await runAll(base.flows, base.personas, recordings));
  const coverage = values["no-coverage"]
    ? undefined
    : (cachedBase?.coverage ??
      buildCoverageMap(recordings, git("ls-files").split("\n").filter(Boolean), { appDir: APP }));
  if (!cachedBase) await truth.keep(baseTree, { results: baseline, ...(coverage ? { coverage } : {}) });
  baselineFailing = new Set(baseline.filter((f) => f.failed).map((f) => f.name));
  if (baselineFailing.size > 0)
    console.log(`flows failing before any change (left out): ${[...baselineFailing].join(", ")}`);
  const total = base.flows.length;
  console.log(`${changes.length} seeded changes, ${total} flows; scratch repo ${scratch}\n`);

  for (const change of changes) {
    git("reset", "-q", "--hard");
    git("clean", "-qfd");
    await applySeededChange(appDir, change);
    git("add", "-A");
    const tree = git("write-tree").trim();
    git("reset", "-q");
    git("add", "-N", ".");
    if (values["cached-only"] && !truth.trees[tree]) {
      console.log(`${pad(change.name, 52)} skipped: --cached-only and no cached ground truth`);
      continue;
    }

    const project = await loadProject(appDir, { cwd: scratch });
    const started = performance.now();
    const selection = await selectAffectedFlows({
      changes: await gitChanges({ cwd: scratch, base: "HEAD" }),
      flows: project.flows,
      projectDir: APP,
      tree: diskTree(scratch),
      ...(coverage ? { coverage } : {}),
      ...(project.config.observer ? { settings: project.config.observer } : {}),
    });
    const ms = performance.now() - started;

    const results = truth.trees[tree]?.results ?? (await runAll(project.flows, project.personas));
    // A shop that did not start is kept only when it exited: a slow start is the machine's doing.
    if (!truth.trees[tree] && !results.every((r) => r.failed && r.startFailed === "slow"))
      await truth.keep(tree, { results });
    const failing = results.filter((r) => r.failed && !baselineFailing.has(r.name)).map((r) => r.name);
    flakyTotal += results.filter((r) => r.flaky).length;
    const reached = [...new Set([...failing, ...(change.reaches ?? [])])];
    for (const impact of selection.flows)
      if (impact.selected && impact.risk)
        predictions.push({
          probability: impact.risk.probability,
          actualResult: failing.includes(impact.flow) ? "failed" : "passed",
        });
    const selected = selection.selected;
    for (const impact of selection.flows)
      if (!baselineFailing.has(impact.flow))
        scored.push({
          change: change.name,
          heldOut: change.heldOut === true,
          flow: impact.flow,
          selected: impact.selected,
          failed: failing.includes(impact.flow),
          ...(impact.risk ? { probability: impact.risk.probability, features: impact.risk.inputs } : {}),
        });
    const row: Row = {
      change,
      selected,
      failing,
      reached,
      missedFailing: failing.filter((f) => !selected.includes(f)),
      missedReached: reached.filter((f) => !selected.includes(f)),
      ms,
    };
    rows.push(row);
    const flag = row.missedFailing.length > 0 ? `  MISSED ${row.missedFailing.join(",")}` : "";
    console.log(
      `${pad(change.name, 52)} ${pad(change.kind, 24)} fail ${pad(String(failing.length), 3)} selected ${pad(String(selected.length), 3)} ${pad(`${Math.round(ms)} ms`, 8)}${flag}`,
    );
  }
  git("reset", "-q", "--hard");

  const failingTotal = rows.reduce((n, r) => n + r.failing.length, 0);
  const caught = rows.reduce((n, r) => n + r.failing.length - r.missedFailing.length, 0);
  const reachedTotal = rows.reduce((n, r) => n + r.reached.length, 0);
  const reachedCaught = rows.reduce((n, r) => n + r.reached.length - r.missedReached.length, 0);
  const faultyChanges = rows.filter((r) => r.failing.length > 0);
  const caughtChanges = faultyChanges.filter((r) => r.failing.some((f) => r.selected.includes(f)));
  const share = rows.reduce((s, r) => s + r.selected.length / total, 0) / rows.length;
  const precision =
    rows.reduce((n, r) => n + r.selected.filter((s) => r.reached.includes(s)).length, 0) /
    Math.max(
      1,
      rows.reduce((n, r) => n + r.selected.length, 0),
    );
  console.log("");
  console.log(
    `recall of failing flows        ${pct(caught / Math.max(1, failingTotal))} (${caught}/${failingTotal}; target 100%)`,
  );
  console.log(
    `faulty changes caught          ${pct(caughtChanges.length / Math.max(1, faultyChanges.length))} (${caughtChanges.length}/${faultyChanges.length})`,
  );
  console.log(
    `recall of reached flows        ${pct(reachedCaught / Math.max(1, reachedTotal))} (${reachedCaught}/${reachedTotal})`,
  );
  console.log(`average share of flows selected ${pct(share)} (target ≤ 30%)`);
  console.log(`selected flows that fail or are reached ${pct(precision)}`);
  console.log(`selection time                 median ${Math.round(median(rows.map((r) => r.ms)))} ms`);
  console.log(`flows that failed once and passed on the retry (not counted) ${flakyTotal}`);
  console.log(
    `\ncalibration of the selected flows' risk:\n${renderReliabilityTable(calibrate(predictions))}`,
  );
  console.log(
    "peer: running every flow (100% selected) — what Perceo replaces; Meta's predictive test selection reports >95% of failing tests at ~33% of tests",
  );
  const riskMet = reportRiskQuality(scored);
  if (values.dump) await writeFile(values.dump, JSON.stringify(scored, null, 1));
  if (caught < failingTotal || !riskMet) process.exitCode = 1;
} finally {
  await browser.close();
  if (!process.env.KEEP_SCRATCH) await rm(scratch, { recursive: true, force: true });
}

type FlowOutcome = { name: string; failed: boolean; flaky: boolean; startFailed?: "slow" | "exited" };
interface TruthCache {
  trees: Record<string, { results: FlowOutcome[]; coverage?: CoverageMap }>;
  keep(tree: string, entry: { results: FlowOutcome[]; coverage?: CoverageMap }): Promise<void>;
}

async function openTruthCache(file: string | undefined): Promise<TruthCache> {
  const trees: TruthCache["trees"] = file ? JSON.parse(await readFile(file, "utf8").catch(() => "{}")) : {};
  return {
    trees,
    async keep(tree, entry) {
      trees[tree] = entry;
      if (file) await writeFile(file, JSON.stringify(trees));
    },
  };
}

async function runAll(
  flows: LoadedFlow[],
  personas: Record<string, Persona>,
  record?: Map<string, RecordedCoverage>,
): Promise<FlowOutcome[]> {
  const server = await startServer();
  try {
    if (!server.url)
      return flows.map((f) => ({
        name: f.name,
        failed: true,
        flaky: false,
        startFailed: server.process.exitCode === null ? ("slow" as const) : ("exited" as const),
      }));
    // Full-page screenshots cannot fail without baselines; element screenshots can, so they stay.
    const runnable = flows.map((f) => ({
      ...f,
      steps: f.steps.filter(
        (s) => !("screenshot" in s) || (typeof s.screenshot === "object" && s.screenshot.element),
      ),
      stepLocations: f.stepLocations.filter((_, i) => {
        const s = f.steps[i];
        return !s || !("screenshot" in s) || (typeof s.screenshot === "object" && !!s.screenshot.element);
      }),
    }));
    const result = await runFlows({
      project: "shop",
      baseUrl: server.url,
      flows: runnable,
      personas,
      outputDir,
      browser: browser as Browser,
      ...(record
        ? { onCoverage: (flow: string, _attempt: number, c: RecordedCoverage) => record.set(flow, c) }
        : {}),
      settings: {
        // A failure must repeat to count: on a busy machine a timeout is not the change's doing.
        retries: 1,
        stepTimeout: Number(values["step-timeout"]),
        navigationTimeout: Math.max(10_000, 3 * Number(values["step-timeout"])),
        trace: "off",
        workers: Number(values.workers),
      },
    });
    return result.flows.map((f) => ({
      name: f.name,
      failed: f.status === "failed",
      flaky: f.status === "flaky",
    }));
  } finally {
    server.process.kill();
  }
}

/** The changed shop in its own process: a change that stops it from starting fails every flow. */
async function startServer(): Promise<{ url?: string; process: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(appDir, "server.ts")], {
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string | undefined>((resolve) => {
    // On a loaded machine the shop can take tens of seconds to start; a change that breaks it exits instead.
    const timer = setTimeout(() => resolve(undefined), 90_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      const match = /running at (http:\/\/\S+)/.exec(chunk.toString());
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  return url ? { url, process: child } : { process: child };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor(s.length / 2)] as number) : 0;
}
