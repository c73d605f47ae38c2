import type { Priority } from "../config/index.ts";
import { changeKindOf } from "./signals/change-kind.ts";
import type { ChangedFile, FlowHistory, LineRange, Reason, RiskFeature, RiskFeatures } from "./types.ts";

/*
 * What the risk model reads about one selected flow, each a number a person can check against the
 * reasons shown beside it: how the change reached the flow (the flow's own file or a covers glob,
 * the route's file itself, how many imports away, lines recorded coverage ran, a global file), what
 * kind of edit reached it and how big, the flow's priority, its recent runs, and how often it failed
 * before when these files changed.
 */

export const RISK_FEATURES: readonly RiskFeature[] = [
  "covers",
  "route",
  "hops",
  "layout",
  "coverage",
  "everyPage",
  "global",
  "advisor",
  "logic",
  "markup",
  "copy",
  "styling",
  "lines",
  "priority",
  "failRate",
  "flakyRate",
  "coFailures",
];

/** What each feature means, for the factors a reason shows. */
export const FEATURE_MEANING: Record<RiskFeature, string> = {
  covers: "the flow's own file or a covers glob names the change",
  route: "the change is in the route's own file",
  hops: "imports between the change and the route",
  layout: "the change reaches the route only through a layout",
  coverage: "the flow's recorded run executed the changed lines",
  everyPage: "the change is in code every request runs",
  global: "a global file (lockfile, build or Perceo config) changed",
  advisor: "only the advisor (Claude) named the flow",
  logic: "logic changed",
  markup: "markup changed",
  copy: "wording or a test id the flow names changed",
  styling: "only styling changed",
  lines: "changed lines reaching the flow (log2)",
  priority: "the flow's priority",
  failRate: "failures in its recent runs",
  flakyRate: "flaky results in its recent runs",
  coFailures: "past failures of the flow when these files changed",
};

const PRIORITY_LEVEL: Record<Priority, number> = { critical: 1, high: 2 / 3, medium: 1 / 3, low: 0 };
const HTML_TAG = /<\/?[a-z][\w-]*[\s/>]/;
const MAX_HOPS = 8;

export interface FeatureInput {
  /** The flow's reasons with weight (what selected it). */
  reasons: readonly Reason[];
  /** The changes the selection considered, with their changed lines at head. */
  changes: ReadonlyArray<{ change: ChangedFile; lines?: LineRange[] }>;
  priority: Priority;
  history: FlowHistory;
  /** Past failures of this flow on predictions that named the same files (from the store). */
  coFailures: number;
}

export function riskFeatures(input: FeatureInput): RiskFeatures {
  const linked = input.reasons.filter((r) => r.weight > 0);
  const has = (test: (r: Reason) => boolean) => (linked.some(test) ? 1 : 0);
  const chained = linked.filter((r) => (r.signal === "imports" || r.signal === "route") && r.route);
  const hops = chained.length
    ? Math.min(MAX_HOPS, Math.min(...chained.map((r) => Math.max(0, (r.chain?.length ?? 1) - 1))))
    : 0;
  const direct = has((r) => r.signal === "route" || ((r.chain?.length ?? 0) <= 2 && !!r.route && !r.layout));
  const files = new Set(linked.flatMap((r) => (r.file ? [r.file] : [])));
  const byPath = new Map(input.changes.map((entry) => [entry.change.path, entry]));
  const reached = new Set<EditKind>();
  let lines = 0;
  for (const file of files) {
    const entry = byPath.get(file);
    if (!entry) continue;
    lines += entry.lines ? entry.lines.reduce((n, r) => n + r.end - r.start + 1, 0) : 50;
    reached.add(kindOf(entry.change));
  }
  for (const r of linked) if (r.change === "styling") reached.add("styling");
  const onlyStyling = reached.size > 0 && [...reached].every((k) => k === "styling");
  return {
    covers: has((r) => r.signal === "covers"),
    route: direct,
    hops,
    layout: chained.length > 0 && chained.every((r) => r.layout) ? 1 : 0,
    coverage: has((r) => r.signal === "coverage"),
    everyPage: has((r) => r.signal === "imports" && !r.route),
    global: has((r) => r.signal === "global") && !hasOther(linked, ["global", "imports"]) ? 1 : 0,
    advisor: linked.length > 0 && linked.every((r) => r.signal === "llm") ? 1 : 0,
    logic: reached.has("logic") ? 1 : 0,
    markup: reached.has("markup") ? 1 : 0,
    copy: reached.has("copy") ? 1 : 0,
    styling: onlyStyling ? 1 : 0,
    lines: round(Math.log2(1 + lines)),
    priority: round(PRIORITY_LEVEL[input.priority]),
    failRate: input.history.runs ? round(input.history.failures / input.history.runs) : 0,
    flakyRate: input.history.runs ? round(input.history.flaky / input.history.runs) : 0,
    coFailures: Math.min(3, input.coFailures),
  };
}

type EditKind = "logic" | "markup" | "copy" | "styling";
/** Every selected flow asks about the same few changes. */
const kinds = new WeakMap<ChangedFile, EditKind>();

/** Logic, markup (changed lines carry HTML tags), copy or styling, as the observer classified the patch. */
function kindOf(change: ChangedFile): EditKind {
  const known = kinds.get(change);
  if (known) return known;
  const { kind } = changeKindOf(change);
  const changed = (change.patch ?? "").split("\n").filter((l) => /^[-+](?!--|\+\+)/.test(l));
  const edit: EditKind =
    kind === "copy" || kind === "styling" ? kind : changed.some((l) => HTML_TAG.test(l)) ? "markup" : "logic";
  kinds.set(change, edit);
  return edit;
}

function hasOther(reasons: readonly Reason[], signals: readonly string[]): boolean {
  return reasons.some((r) => !signals.includes(r.signal) || (r.signal === "imports" && !!r.route));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
