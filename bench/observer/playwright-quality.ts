import { rm } from "node:fs/promises";
import path from "node:path";
import type { LoadedFlow } from "../../shared/config/index.ts";
import { buildCoverageMap, diskTree, gitChanges, selectAffectedFlows } from "../../shared/observer/index.ts";
import {
  listPlaywrightTests,
  loadProjectWithTests,
  PlaywrightSetupError,
  runPlaywrightTests,
} from "../../shared/playwright/index.ts";
import { shopSuiteRepository } from "../../shared/playwright/testing/playwright-project.ts";
import type { RecordedCoverage } from "../../shared/runner/index.ts";
import { median, pad, pct } from "../stats.ts";
import { applySeededChange, type SeededChange } from "./seeded-changes.ts";

/*
 * The observer's quality on a Playwright suite (examples/shop-playwright, against the example shop):
 * each seeded change is applied to a scratch git copy; Perceo selects tests as `perceo affected`
 * does; Playwright's own `--only-changed=HEAD` (the test files changed or importing a changed file)
 * selects its tests on the same tree; then every test runs with Playwright (one retry: a failure
 * must repeat to count). Ground truth: the tests that fail. Targets: recall of failing tests 100%,
 * average share selected ≤ 30%. The peer's recall and share are printed beside, from the same run.
 * The observer gets the coverage each test recorded on the unchanged shop (`--no-coverage` leaves it out).
 */

const APP = "examples/shop";
const SUITE = "examples/shop-playwright";

export interface SuiteChange {
  change: SeededChange;
  /** The folder its edits are relative to. */
  root: typeof APP | typeof SUITE;
}

interface Row {
  change: SuiteChange;
  failing: string[];
  perceo: string[];
  peer: string[];
  ms: number;
}

export async function measurePlaywrightSuite(options: {
  changes: SuiteChange[];
  workers: number;
  /** Give the observer the coverage each test recorded on the unchanged shop (as `perceo run --coverage` on main would). */
  coverage: boolean;
}): Promise<{ met: boolean }> {
  const repo = await shopSuiteRepository("perceo-observer-quality-pw-");
  const port = 3300 + Math.floor(Math.random() * 500);
  const env = { ...process.env, CI: "", SHOP_PORT: String(port) };
  const rows: Row[] = [];
  let total = 0;
  try {
    const base = await loadProjectWithTests(repo.suiteDir, { cwd: repo.repo, env });
    const tests = base.flows.filter((f) => f.test);
    total = tests.length;
    const recordings = new Map<string, RecordedCoverage>();
    const baseline = await runAll(tests, options.coverage ? recordings : undefined);
    const coverage = options.coverage
      ? buildCoverageMap(recordings, repo.git("ls-files").split("\n").filter(Boolean), { appDir: APP })
      : undefined;
    const baselineFailing = new Set(baseline.failing);
    if (baselineFailing.size > 0)
      console.log(`tests failing before any change (left out): ${[...baselineFailing].join(", ")}`);
    console.log(
      `\nPlaywright suite: ${options.changes.length} seeded changes, ${tests.length} tests; scratch repo ${repo.repo}\n`,
    );
    for (const suiteChange of options.changes) {
      repo.git("reset", "-q", "--hard");
      repo.git("clean", "-qfd", "--", APP, SUITE);
      await applySeededChange(path.join(repo.repo, suiteChange.root), suiteChange.change);
      repo.git("add", "-N", ".");
      const started = performance.now();
      const project = await loadProjectWithTests(repo.suiteDir, { cwd: repo.repo, env });
      const flows = project.flows.filter((f) => f.test);
      const selection = await selectAffectedFlows({
        changes: await gitChanges({ cwd: repo.repo, base: "HEAD" }),
        flows,
        projectDir: APP,
        tree: diskTree(repo.repo),
        ...(coverage ? { coverage } : {}),
      });
      const ms = performance.now() - started;
      const peer = await onlyChanged(flows);
      const run = await runAll(flows);
      const failing = run.failing.filter((name) => !baselineFailing.has(name));
      const row: Row = { change: suiteChange, failing, perceo: selection.selected, peer, ms };
      rows.push(row);
      const missed = failing.filter((f) => !row.perceo.includes(f));
      const peerMissed = failing.filter((f) => !row.peer.includes(f));
      console.log(
        `${pad(suiteChange.change.name, 52)} ${pad(suiteChange.change.kind, 20)} fail ${pad(String(failing.length), 3)} Perceo ${pad(String(row.perceo.length), 3)} --only-changed ${pad(String(row.peer.length), 3)} ${pad(`${Math.round(ms)} ms`, 8)}${missed.length ? `  MISSED ${missed.join(",")}` : ""}${peerMissed.length ? `  (peer missed ${peerMissed.length})` : ""}`,
      );
    }
  } finally {
    repo.git("reset", "-q", "--hard");
    if (!process.env.KEEP_SCRATCH) await rm(repo.repo, { recursive: true, force: true });
  }

  const figures = (pick: (row: Row) => string[]) => {
    const failingTotal = rows.reduce((n, r) => n + r.failing.length, 0);
    const caught = rows.reduce((n, r) => n + r.failing.filter((f) => pick(r).includes(f)).length, 0);
    const share =
      rows.reduce((s, r) => s + pick(r).length / Math.max(1, total), 0) / Math.max(1, rows.length);
    return { failingTotal, caught, share };
  };
  const perceo = figures((r) => r.perceo);
  const peer = figures((r) => r.peer);
  console.log("");
  console.log(
    `recall of failing tests        Perceo ${pct(perceo.caught / Math.max(1, perceo.failingTotal))} (${perceo.caught}/${perceo.failingTotal}; target 100%)   --only-changed ${pct(peer.caught / Math.max(1, peer.failingTotal))} (${peer.caught}/${peer.failingTotal})`,
  );
  console.log(
    `average share of tests selected Perceo ${pct(perceo.share)} (target ≤ 30%)   --only-changed ${pct(peer.share)}`,
  );
  console.log(
    `selection time                 median ${Math.round(rows.length ? median(rows.map((r) => r.ms)) : 0)} ms (listing the suite included)`,
  );
  console.log(
    "peer: Playwright's own `playwright test --only-changed=HEAD` on the same trees (spec files changed or importing a changed file)",
  );
  return { met: perceo.caught === perceo.failingTotal && perceo.share <= 0.3 };

  async function runAll(
    flows: LoadedFlow[],
    record?: Map<string, RecordedCoverage>,
  ): Promise<{ failing: string[] }> {
    const project = await loadProjectWithTests(repo.suiteDir, { cwd: repo.repo, env });
    try {
      const run = await runPlaywrightTests({
        suite: project.playwright as NonNullable<typeof project.playwright>,
        flows,
        project: "shop-playwright",
        baseUrl: project.config.baseUrl,
        outputDir: path.join(repo.repo, "runs"),
        cwd: repo.repo,
        env,
        retries: 1,
        workers: options.workers,
        ...(record
          ? { onCoverage: (flow: string, _attempt: number, c: RecordedCoverage) => void record.set(flow, c) }
          : {}),
      });
      return { failing: run.flows.filter((f) => f.status === "failed").map((f) => f.name) };
    } catch (error) {
      // A change that stops the shop from starting fails every test.
      if (error instanceof PlaywrightSetupError) return { failing: flows.map((f) => f.name) };
      throw error;
    }
  }

  async function onlyChanged(flows: LoadedFlow[]): Promise<string[]> {
    const config = path.join(repo.suiteDir, "playwright.config.ts");
    const listing = await listPlaywrightTests(config, { env, extraArgs: ["--only-changed=HEAD"] });
    const entries = new Set(listing.tests.map((t) => [t.rootFile, ...t.titlePath].join(" › ")));
    return flows.filter((f) => f.test && entries.has(f.test.listEntry)).map((f) => f.name);
  }
}
