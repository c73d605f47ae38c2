import type { LoadedFlow, Priority } from "../config/index.ts";

/** How git or GitHub reports a file in a diff. */
export type ChangeStatus = "added" | "modified" | "removed" | "renamed";

export interface ChangedFile {
  /** Repository-relative POSIX path at head (for a removed file: its path at base). */
  path: string;
  status: ChangeStatus;
  /** The path at base, for a renamed file. */
  previousPath?: string;
  /** The unified diff of this file without its header, as GitHub's `patch` field or `git diff` gives it. */
  patch?: string;
  binary?: boolean;
  /** A git submodule pointer (mode 160000) moved. */
  submodule?: boolean;
}

/** Lines of one file a change touched, at head (1-based, inclusive). */
export interface LineRange {
  start: number;
  end: number;
}

/** Which signal found a link between a change and a flow. */
export type Signal = "covers" | "route" | "imports" | "coverage" | "global" | "history" | "llm";

/** What a changed file's diff changes, as a reason names it. */
export type ChangeKind = "formatting" | "comment" | "types" | "styling" | "copy" | "logic";

/** One thing a person can check: this changed file (these lines) reaches this flow this way. */
export interface Reason {
  signal: Signal;
  /** The changed file this reason starts from. */
  file?: string;
  lines?: LineRange[];
  /** From the changed file to the flow's route entry: `file` or `file#export`, changed file first. */
  chain?: string[];
  /** The route pattern the flow visits, e.g. /products/:slug. */
  route?: string;
  /** Where the route is defined (file:line). */
  routeSource?: string;
  /** The URL of the flow that matched the route. */
  url?: string;
  /** The layout (root module, middleware, hooks) through which the change wraps the route, when it does not render it. */
  layout?: string;
  /** Set for styling: the flow's screenshots need comparing, not only its steps. */
  change?: ChangeKind;
  glob?: string;
  /** One sentence. */
  detail: string;
  /** How strongly this reason ties the change to the flow, 0..1. */
  weight: number;
}

/** What the risk model reads about a selected flow (risk-features.ts says what each means). */
export type RiskFeature =
  | "covers"
  | "route"
  | "hops"
  | "layout"
  | "coverage"
  | "everyPage"
  | "global"
  | "advisor"
  | "logic"
  | "markup"
  | "copy"
  | "styling"
  | "lines"
  | "priority"
  | "failRate"
  | "flakyRate"
  | "coFailures";
export type RiskFeatures = Record<RiskFeature, number>;

/** A flow's recent runs. */
export interface FlowHistory {
  runs: number;
  failures: number;
  flaky: number;
}

export interface Risk {
  /** Chance the flow fails on this change, 0..1, from the project's risk model. */
  probability: number;
  /** How much the probability can be trusted, 0..1 (grows with signals and the project's outcomes). */
  confidence: number;
  /** What moved the probability, each with its push on the log-odds, strongest first. */
  factors: string[];
  /** The probability in three bands, shown where it is not calibrated: high ≥ 40%, low < 12%. */
  strength: "high" | "medium" | "low";
  /** What drives the strength, for a person to check (e.g. "the change is in the route's own file"). */
  why: string;
  /** Whether the model is calibrated on enough of the project's outcomes to show the percentage. */
  calibrated: boolean;
  /** Why the risk shows as a percentage or as a strength, one sentence. */
  basis: string;
  /** The model's inputs, recorded with the prediction so the project's model can be refit. */
  inputs: RiskFeatures;
}

export interface FlowImpact {
  flow: string;
  file: string;
  priority: Priority;
  selected: boolean;
  /** 0..1; the strength of the strongest evidence combined. */
  score: number;
  reasons: Reason[];
  /** For selected flows. */
  risk?: Risk;
}

export interface UnreachedChange {
  file: string;
  why: string;
}

export interface Selection {
  /** Every flow, selected first, then by score. */
  flows: FlowImpact[];
  /** Names of the selected flows. */
  selected: string[];
  /** Set when every flow is selected because of one change (a lockfile, global CSS, …). */
  runAll?: Reason;
  /** Changed files that reach no flow, and why. */
  unreached: UnreachedChange[];
  /** What went wrong on the way without changing the deterministic answer (the advisor failed, …). */
  warnings?: string[];
  stats: {
    changedFiles: number;
    modulesInGraph: number;
    modulesAnalysed: number;
    routes: number;
    durationMs: number;
    /**
     * Where the time went, when the source tree was followed: the changed files themselves (ignored
     * and global files, covers globs, coverage), waiting for the file listing, reading
     * or recalling every module's facts and resolving imports, finding routes, and the walk from the
     * changed lines to the routes.
     */
    phasesMs?: { changes: number; listing: number; graph: number; routes: number; walk: number };
  };
}

/** Per flow, what a recorded run saw: URLs visited and files the browser executed (line ranges, when known). */
export interface FlowCoverage {
  urls: string[];
  files: Record<string, LineRange[] | true>;
}

export interface CoverageMap {
  /** When it was recorded and at which commit. */
  recordedAt?: string;
  commit?: string;
  flows: Record<string, FlowCoverage>;
}

/** One past result of a flow, newest first is not required. */
export interface FlowRunRecord {
  flow: string;
  status: "passed" | "failed" | "flaky" | "skipped";
  at: string;
}

export type { LoadedFlow };
