import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadProject } from "../shared/config/index.ts";
import { gitChanges, gitTree, type Selection, selectAffectedFlows } from "../shared/observer/index.ts";
import { bundlePath, type CorpusApp, loadCorpus, pinTag, type TruthCommit } from "./observer-real/corpus.ts";
import { median, pad, pct } from "./stats.ts";

/*
 * The observer on real apps (issue 27). Per app of bench/observer-real/: its pinned commits, each
 * applied on its parent in a scratch clone of the app's bundle; flows written from the app's routes
 * (goto and a check, no covers) in .perceo/; the observer selects as `perceo affected --base
 * <parent> --head <commit>` does (git diff of the two commits, the source tree at the commit).
 * Ground truth, written by reading each diff (app.yml): the flows a commit reaches and the ones it
 * visibly changes. Beside it, in the same run:
 * - Playwright's --only-changed: a spec runs when it changed or imports a changed file. A YAML flow
 *   imports nothing, so a flow is selected only when its own file changed — never by these commits,
 *   which touch only the app (the flows are not in its history).
 * - run everything: every flow, every time.
 * Targets: recall of reached flows ≥ 95% overall and ≥ 90% per app; average share selected ≤ 35%;
 * no select-all without a global file as its reason (a select-all is fine when the observer names a
 * file and the commit does change one every page depends on, or when the commit reaches every flow).
 * The bundles come from extract.ts (no network and no copy of the apps' histories at run time).
 * `--app NAME` runs one app; `--reasons` prints each commit's changed files and the observer's reasons.
 */
const { values } = parseArgs({
  options: { app: { type: "string" }, reasons: { type: "boolean", default: false } },
});

interface Row {
  app: CorpusApp;
  commit: TruthCommit;
  selection: Selection;
  /** The commit's changed files (their paths at the commit). */
  changed: string[];
  selected: string[];
  peer: string[];
  missed: string[];
  missedVisible: string[];
  selectAll: boolean;
  /** A select-all the targets allow (see above). */
  selectAllJustified: boolean;
  ms: number;
}

const apps = loadCorpus().filter((a) => !values.app || a.name === values.app);
if (apps.length === 0) throw new Error(`no app ${values.app} in bench/observer-real/`);
const missing = apps.filter((a) => !existsSync(bundlePath(a.name)));
if (missing.length > 0) {
  console.log(
    `corpus bundles missing: ${missing.map((a) => bundlePath(a.name)).join(", ")}\n` +
      "build them once from copies of the apps' histories: node bench/observer-real/extract.ts [--mirrors DIR]",
  );
  process.exit(1);
}

console.log(
  "observer: `perceo affected --base <parent> --head <commit>`'s selection; peers in the same run: Playwright's " +
    "--only-changed (a spec runs when it or a file it imports changed; a YAML flow imports nothing, so only its own " +
    "file counts, and these commits touch only the app) and running every flow",
);
const scratch = await mkdtemp(path.join(tmpdir(), "perceo-observer-real-"));
const rows: Row[] = [];
try {
  for (const app of apps) rows.push(...(await measureApp(app)));
} finally {
  if (!process.env.KEEP_SCRATCH) await rm(scratch, { recursive: true, force: true });
}

const summaries = apps.map((app) => summarise(rows.filter((r) => r.app === app)));
console.log("");
console.log(
  `${pad("overall", 18)} ${pad(`${apps.length} apps, ${rows.length} commits`, 30)} ${line(summarise(rows))}`,
);

const overall = summarise(rows);
const worstApp = summaries.reduce((w, s) => (s.recall < w.recall ? s : w), summaries[0] as Summary);
const unjustified = rows.filter((r) => r.selectAll && !r.selectAllJustified);
const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
const targets = [
  [`recall of reached flows ≥ 95% overall: ${pct(overall.recall)}`, overall.recall >= 0.95],
  [
    `recall of reached flows ≥ 90% in every app: lowest ${worstApp.name} ${pct(worstApp.recall)}`,
    summaries.every((s) => s.recall >= 0.9),
  ],
  [`average share of flows selected ≤ 35%: ${pct(overall.share)}`, overall.share <= 0.35],
  [
    `no select-all without a global file as its reason: ${unjustified.length} of ${overall.selectAlls}`,
    unjustified.length === 0,
  ],
] as const;
console.log("");
for (const [text, ok] of targets) console.log(`target ${text} — ${verdict(ok)}`);

// Issue 27's "done when": what a reader sees on a layout change names the layout; on a class change, "styling".
console.log("");
for (const line of reasonChecks(rows)) console.log(line);

const missedRows = rows.filter((r) => r.missed.length > 0);
if (missedRows.length > 0) {
  console.log(
    "\nmissed (commit: the reached flows left out, then what the observer said of each changed file):",
  );
  for (const r of missedRows) {
    console.log(`  ${r.app.name} ${r.commit.sha.slice(0, 7)} ${r.commit.kind}: ${r.missed.join(", ")}`);
    for (const why of missReasons(r)) console.log(`      ${why}`);
  }
}
for (const r of unjustified)
  console.log(
    `select-all without a global reason: ${r.app.name} ${r.commit.sha.slice(0, 7)} (${r.selection.runAll?.detail ?? "every flow reached through routes"})`,
  );
if (targets.some(([, ok]) => !ok)) process.exitCode = 1;

async function measureApp(app: CorpusApp): Promise<Row[]> {
  const repo = path.join(scratch, app.name);
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
  execFileSync("git", ["clone", "-q", "--no-checkout", bundlePath(app.name), repo]);
  const appDir = path.join(repo, app.projectDir);
  await mkdir(path.join(appDir, ".perceo"), { recursive: true });
  await cp(path.join(app.dir, "config.yml"), path.join(appDir, ".perceo", "config.yml"));
  await cp(path.join(app.dir, "flows"), path.join(appDir, ".perceo", "flows"), { recursive: true });
  const project = await loadProject(appDir, { cwd: repo });
  const tags = new Set(git("tag", "--list").split("\n"));
  const stale = app.commits.filter((c) => !tags.has(pinTag(c.sha)));
  if (stale.length > 0)
    throw new Error(
      `${bundlePath(app.name)} lacks ${stale.map((c) => c.sha.slice(0, 7)).join(", ")}: run node bench/observer-real/extract.ts ${app.name}`,
    );
  const total = project.flows.length;
  console.log(
    `\n${app.name} — ${app.framework} (${app.repository}, ${app.license}): ${total} flows, ${app.commits.length} commits`,
  );
  console.log(
    `${pad("commit", 8)} ${pad("kind", 11)} ${pad("reached", 8)} ${pad("visible", 8)} ${pad("selected", 9)} ${pad("ms", 6)} missed`,
  );
  const out: Row[] = [];
  for (const commit of app.commits) {
    const head = pinTag(commit.sha);
    const started = performance.now();
    const changes = await gitChanges({ cwd: repo, base: `${head}^`, head });
    const tree = gitTree(repo, head);
    let selection: Selection;
    try {
      selection = await selectAffectedFlows({
        changes,
        flows: project.flows,
        projectDir: app.projectDir,
        tree,
        ...(project.config.observer ? { settings: project.config.observer } : {}),
      });
    } finally {
      tree.close();
    }
    const ms = performance.now() - started;
    const selected = selection.selected;
    const changedPaths = new Set(
      changes.flatMap((c) => [c.path, ...(c.previousPath ? [c.previousPath] : [])]),
    );
    // Playwright's --only-changed: the spec itself or a file it imports; a YAML flow imports nothing.
    const peer = project.flows
      .filter((f) =>
        changedPaths.has(path.posix.join(app.projectDir, ".perceo", "flows", path.basename(f.file))),
      )
      .map((f) => f.name);
    const selectAll = selected.length === total;
    const row: Row = {
      app,
      commit,
      selection,
      changed: changes.map((c) => c.path),
      selected,
      peer,
      missed: commit.reaches.filter((f) => !selected.includes(f)),
      missedVisible: commit.changes.filter((f) => !selected.includes(f)),
      selectAll,
      selectAllJustified:
        selectAll &&
        ((!!selection.runAll?.file && !!commit.global) ||
          project.flows.every((f) => commit.reaches.includes(f.name))),
      ms,
    };
    out.push(row);
    const flags = [
      ...(row.missed.length > 0 ? [row.missed.join(",")] : []),
      ...(selectAll
        ? [selection.runAll ? `select-all: ${selection.runAll.file}` : "select-all through routes"]
        : []),
    ];
    console.log(
      `${pad(commit.sha.slice(0, 7), 8)} ${pad(commit.kind, 11)} ${pad(String(commit.reaches.length), 8)} ${pad(String(commit.changes.length), 8)} ${pad(String(selected.length), 9)} ${pad(String(Math.round(ms)), 6)} ${flags.join("  ")}`,
    );
    if (values.reasons) printReasons(row);
  }
  const s = summarise(out);
  console.log(`${pad(app.name, 18)} ${pad(`${app.commits.length} commits`, 30)} ${line(s)}`);
  return out;
}

interface Summary {
  name: string;
  reached: number;
  caught: number;
  visible: number;
  visibleCaught: number;
  /** Average over commits of the share of the app's flows selected. */
  share: number;
  recall: number;
  peerRecall: number;
  peerShare: number;
  selectAlls: number;
  selectAllsGlobal: number;
  medianMs: number;
}

function summarise(rs: Row[]): Summary {
  const sum = (f: (r: Row) => number) => rs.reduce((n, r) => n + f(r), 0);
  const reached = sum((r) => r.commit.reaches.length);
  const caught = sum((r) => r.commit.reaches.length - r.missed.length);
  const visible = sum((r) => r.commit.changes.length);
  const visibleCaught = sum((r) => r.commit.changes.length - r.missedVisible.length);
  const peerCaught = sum((r) => r.commit.reaches.filter((f) => r.peer.includes(f)).length);
  const flowsOf = (r: Row) => r.selection.flows.length;
  return {
    name: rs[0]?.app.name ?? "",
    reached,
    caught,
    visible,
    visibleCaught,
    share: rs.length ? sum((r) => r.selected.length / flowsOf(r)) / rs.length : 0,
    recall: reached ? caught / reached : 1,
    peerRecall: reached ? peerCaught / reached : 1,
    peerShare: rs.length ? sum((r) => r.peer.length / flowsOf(r)) / rs.length : 0,
    selectAlls: rs.filter((r) => r.selectAll).length,
    selectAllsGlobal: rs.filter((r) => r.selectAll && r.selection.runAll?.file).length,
    medianMs: rs.length ? median(rs.map((r) => r.ms)) : 0,
  };
}

function line(s: Summary): string {
  return [
    `recall reached ${pct(s.recall)} (${s.caught}/${s.reached})`,
    `visible ${pct(s.visible ? s.visibleCaught / s.visible : 1)} (${s.visibleCaught}/${s.visible})`,
    `share ${pct(s.share)}`,
    `select-alls ${s.selectAlls} (${s.selectAllsGlobal} naming a global file)`,
    `median ${Math.round(s.medianMs)} ms`,
    `| --only-changed recall ${pct(s.peerRecall)} share ${pct(s.peerShare)}`,
    `| run everything recall 100.0% share 100.0%`,
  ].join("  ");
}

/** What the observer said about the changed files of a commit whose reached flows it left out. */
function missReasons(r: Row): string[] {
  const weak = r.missed
    .map((flow) => r.selection.flows.find((f) => f.flow === flow))
    .filter((impact) => impact?.reasons[0])
    .map((impact) => `${impact?.flow} below the bar: ${impact?.reasons[0]?.detail}`);
  const files = r.selection.unreached.map((u) => `${u.file} — ${u.why}`);
  const shown = files.length > 5 ? [...files.slice(0, 5), `… and ${files.length - 5} more files`] : files;
  return [...weak, ...shown];
}

/** Whether the reasons of the selected flows say what the change is, per kind of commit. */
function reasonChecks(rs: Row[]): string[] {
  const said = (r: Row) => [
    ...r.selection.flows.filter((f) => f.selected).flatMap((f) => f.reasons.map((reason) => reason.detail)),
    ...r.selection.unreached.map((u) => u.why),
  ];
  const check = (what: string, applies: (r: Row) => boolean, test: (r: Row, text: string) => boolean) => {
    const of = rs.filter(applies);
    const ok = of.filter((r) => said(r).some((text) => test(r, text)));
    const others = of.filter((r) => !ok.includes(r)).map((r) => `${r.app.name} ${r.commit.sha.slice(0, 7)}`);
    return `reasons ${what}: ${ok.length} of ${of.length}${others.length ? ` (not: ${others.join(", ")})` : ""}`;
  };
  return [
    check(
      "name the layout, on commits that change a layout or app shell and reach a flow",
      (r) => changedLayouts(r).length > 0 && r.commit.reaches.length > 0,
      (r, text) => changedLayouts(r).some((file) => text.includes(file)),
    ),
    check(
      'say "styling", on styling commits',
      (r) => r.commit.kind === "styling",
      (_r, text) => /styling/i.test(text),
    ),
    check(
      'say "formatting", on formatting commits that reach nothing',
      (r) => r.commit.kind === "formatting" && r.commit.reaches.length === 0,
      (_r, text) => /formatting/i.test(text),
    ),
  ];
}

/** The layouts and app shells a commit changed, by their names in the frameworks of the corpus. */
function changedLayouts(r: Row): string[] {
  return r.changed.filter((f) =>
    /(^|\/)(\+?layout[^/]*|layouts\/[^/]+|app\.vue|root\.tsx|_app\.[jt]sx?|_document\.[jt]sx?)$/i.test(f),
  );
}

function printReasons(r: Row): void {
  console.log(`    ${r.commit.why}`);
  for (const impact of r.selection.flows.filter((f) => f.selected))
    console.log(`    ✓ ${impact.flow}: ${impact.reasons[0]?.detail ?? ""}`);
  for (const u of r.selection.unreached) console.log(`    · ${u.file} — ${u.why}`);
}
