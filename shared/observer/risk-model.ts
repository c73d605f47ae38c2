import { calibrate, type PredictionWithOutcome } from "./calibration.ts";
import { RISK_FEATURES } from "./risk-features.ts";
import type { RiskFeature, RiskFeatures } from "./types.ts";

/*
 * A small logistic model of a selected flow's chance of failing: logit p = intercept + Σ wᵢ·xᵢ over
 * the features in risk-features.ts. The prior weights work on day one (set by hand from what each
 * signal means; bench/observer/tune-risk-prior.ts refits them on the benchmark's tuning half, never
 * on its held-out half); each project's recorded predictions with their
 * outcomes refit them (maximum a posteriori with a Gaussian prior centred on the prior weights, so
 * a few outcomes move them a little and hundreds move them a lot). No external service: Newton's
 * method on 18 parameters takes well under a millisecond for a thousand outcomes.
 */

export interface RiskWeights {
  intercept: number;
  weights: RiskFeatures;
}

/** Set by hand before any held-out outcome was seen; refit them with bench/observer/tune-risk-prior.ts. */
export const PRIOR_WEIGHTS: RiskWeights = {
  intercept: -2.6,
  weights: {
    covers: 1.2,
    route: 0.9,
    hops: -0.2,
    layout: -0.8,
    coverage: 1.0,
    everyPage: -0.6,
    global: -1.2,
    advisor: -0.5,
    logic: 0.6,
    markup: 0.5,
    copy: 1.4,
    styling: -1.2,
    lines: 0.15,
    priority: 0.2,
    failRate: 2.0,
    flakyRate: 0.5,
    coFailures: 0.8,
  },
};

/**
 * A calibrated percentage needs at least this many of the project's predictions with outcomes, at
 * least MIN_FAILURES of them failures, and the recorded forecasts must beat the base rate. Why 50:
 * a reliability table of five bands holds ~10 outcomes a band, and the base rate itself is known to
 * about ±6 points (one standard error at a 20% rate); fewer, and a percentage claims more than the
 * project's record shows. Why 5 failures: with fewer, the refit cannot tell the features apart.
 */
export const MIN_OUTCOMES = 50;
export const MIN_FAILURES = 5;
/** How many recorded outcomes the prior counts as, per weight (the Gaussian prior's precision). */
export const PRIOR_PRECISION = 4;

export interface TrainingExample {
  features: RiskFeatures;
  failed: boolean;
}

export function predictRisk(model: RiskWeights, x: RiskFeatures): number {
  return sigmoid(logit(model, x));
}

/** Each feature's push on the log-odds, largest first; zero pushes are left out. */
export function contributions(
  model: RiskWeights,
  x: RiskFeatures,
): Array<{ feature: RiskFeature; push: number }> {
  return RISK_FEATURES.map((feature) => ({ feature, push: model.weights[feature] * x[feature] }))
    .filter((c) => c.push !== 0)
    .sort((a, b) => Math.abs(b.push) - Math.abs(a.push));
}

/**
 * The weights that best explain the examples, pulled towards `prior` with `precision` per weight
 * (the intercept is pulled a quarter as hard: the base rate is the first thing a project's record shows).
 */
export function fitRiskWeights(
  examples: readonly TrainingExample[],
  prior: RiskWeights = PRIOR_WEIGHTS,
  precision = PRIOR_PRECISION,
): RiskWeights {
  const dims = RISK_FEATURES.length + 1;
  const start = [prior.intercept, ...RISK_FEATURES.map((f) => prior.weights[f])];
  const pull = [precision / 4, ...RISK_FEATURES.map(() => precision)];
  // Most features of a row are 0: keep the others' indices, so a row costs its non-zeros squared.
  const rows = examples.map((e) => {
    const x = [1, ...RISK_FEATURES.map((f) => e.features[f])];
    return { x, nonZero: x.flatMap((v, i) => (v !== 0 ? [i] : [])), y: e.failed ? 1 : 0 };
  });
  // The negative log-likelihood plus the prior's pull.
  const objective = (v: readonly number[]) => {
    let sum = 0;
    for (let i = 0; i < dims; i++)
      sum += ((pull[i] as number) * ((v[i] as number) - (start[i] as number)) ** 2) / 2;
    for (const { x, y } of rows) {
      const z = dot(v, x);
      // log(1 + e^z) − y·z, without overflow.
      sum += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y * z;
    }
    return sum;
  };
  let w = [...start];
  for (let iteration = 0; iteration < 50; iteration++) {
    const gradient = w.map((wi, i) => (pull[i] as number) * (wi - (start[i] as number)));
    const hessian = Array.from({ length: dims }, (_, i) =>
      Array.from({ length: dims }, (_, j) => (i === j ? (pull[i] as number) : 0)),
    );
    for (const { x, nonZero, y } of rows) {
      const p = sigmoid(dot(w, x));
      const curvature = Math.max(p * (1 - p), 1e-9);
      for (const i of nonZero) {
        const xi = x[i] as number;
        gradient[i] = (gradient[i] as number) + (p - y) * xi;
        const row = hessian[i] as number[];
        for (const j of nonZero) row[j] = (row[j] as number) + curvature * xi * (x[j] as number);
      }
    }
    const step = solve(hessian, gradient);
    // Newton's step overshoots where the curvature is flat (every p near 0 or 1): halve it until it helps.
    const before = objective(w);
    let scale = 1;
    let next = w.map((wi, i) => wi - (step[i] as number));
    while (objective(next) > before && scale > 1e-6) {
      scale /= 2;
      next = w.map((wi, i) => wi - scale * (step[i] as number));
    }
    w = next;
    if (scale * Math.max(...step.map(Math.abs)) < 1e-6) break;
  }
  return {
    intercept: round(w[0] as number),
    weights: Object.fromEntries(RISK_FEATURES.map((f, i) => [f, round(w[i + 1] as number)])) as RiskFeatures,
  };
}

/** The model's inputs as the last line of a recorded prediction's reasoning, for a person and for the refit. */
const INPUTS = "risk inputs: ";

export function formatRiskInputs(x: RiskFeatures): string {
  return `${INPUTS}${RISK_FEATURES.map((f) => `${f} ${x[f]}`).join(", ")}`;
}

export function parseRiskInputs(reasoning: string): RiskFeatures | undefined {
  const at = reasoning.startsWith(INPUTS) ? 0 : reasoning.indexOf(`\n${INPUTS}`) + 1;
  if (at === 0 && !reasoning.startsWith(INPUTS)) return undefined;
  const end = reasoning.indexOf("\n", at);
  const values = new Map<string, number>();
  for (const pair of reasoning.slice(at + INPUTS.length, end === -1 ? undefined : end).split(", ")) {
    const space = pair.indexOf(" ");
    values.set(pair.slice(0, space), Number(pair.slice(space + 1)));
  }
  const features = {} as RiskFeatures;
  for (const f of RISK_FEATURES) {
    const value = values.get(f);
    // A feature added after the prediction was recorded reads as absent.
    features[f] = value !== undefined && Number.isFinite(value) ? value : 0;
  }
  return features;
}

/** A prediction the store keeps with what happened (Store.listScoredPredictions). */
export interface RecordedOutcome extends PredictionWithOutcome {
  flowName: string;
  reasoning: string;
}

export interface ProjectRiskModel {
  weights: RiskWeights;
  /** Outcomes the refit read (predictions with a pass, fail or flaky result). */
  outcomes: number;
  failures: number;
  /** Whether the probability may be shown as a percentage (see MIN_OUTCOMES). */
  calibrated: boolean;
  /** One sentence: why risk shows as a percentage, or as a strength. */
  basis: string;
  /** How often `flow` failed before on predictions whose reasoning named one of `files`. */
  coFailures(flow: string, files: readonly string[]): number;
}

/** The prior refit on the project's recorded outcomes; with none, the prior alone. */
export function projectRiskModel(recorded: readonly RecordedOutcome[] = []): ProjectRiskModel {
  const scored = recorded.filter(
    (r) => r.actualResult === "passed" || r.actualResult === "failed" || r.actualResult === "flaky",
  );
  const failed = (r: RecordedOutcome) => r.actualResult !== "passed";
  const failures = scored.filter(failed).length;
  const examples = scored.flatMap((r) => {
    const features = parseRiskInputs(r.reasoning);
    return features ? [{ features, failed: failed(r) }] : [];
  });
  const weights = examples.length > 0 ? fitRiskWeights(examples) : PRIOR_WEIGHTS;
  const record = calibrate(scored);
  const beatsBase =
    record.brier !== undefined && record.baseline !== undefined && record.brier < record.baseline;
  const calibrated = scored.length >= MIN_OUTCOMES && failures >= MIN_FAILURES && beatsBase;
  const failedBefore = new Map<string, string[]>();
  for (const r of scored) {
    if (!failed(r)) continue;
    const past = failedBefore.get(r.flowName);
    if (past) past.push(r.reasoning);
    else failedBefore.set(r.flowName, [r.reasoning]);
  }
  return {
    weights,
    outcomes: scored.length,
    failures,
    calibrated,
    basis: riskBasis(scored.length, failures, record, calibrated),
    coFailures(flow, files) {
      const past = failedBefore.get(flow);
      if (!past || files.length === 0) return 0;
      return past.filter((reasoning) => files.some((file) => namesFile(reasoning, file))).length;
    },
  };
}

function riskBasis(
  outcomes: number,
  failures: number,
  record: ReturnType<typeof calibrate>,
  calibrated: boolean,
): string {
  const brier = `Brier score ${record.brier?.toFixed(3)} against ${record.baseline?.toFixed(3)} for the base rate`;
  if (calibrated) return `calibrated on this project's ${outcomes} predictions with results (${brier})`;
  if (outcomes < MIN_OUTCOMES)
    return `shown as strength: ${outcomes} of the ${MIN_OUTCOMES} predictions with results a calibrated percentage needs are recorded for this project`;
  if (failures < MIN_FAILURES)
    return `shown as strength: ${failures} of the ${outcomes} recorded predictions failed, and a calibrated percentage needs ${MIN_FAILURES} failures`;
  return `shown as strength: this project's recorded predictions do not yet beat the base rate (${brier})`;
}

/** `file` as a whole path in the text: `src/a.ts` is not named by `src/a.tsx` or `lib/src/a.ts`. */
function namesFile(text: string, file: string): boolean {
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?:^|[^\\w./-])${escaped}(?![\\w/-]|\\.\\w)`).test(text);
}

function logit(model: RiskWeights, x: RiskFeatures): number {
  return RISK_FEATURES.reduce((sum, f) => sum + model.weights[f] * x[f], model.intercept);
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** Gaussian elimination with partial pivoting; the matrix is positive definite (the prior sees to it). */
function solve(matrix: number[][], vector: number[]): number[] {
  const n = vector.length;
  const a = matrix.map((row, i) => [...row, vector[i] as number]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs((a[r] as number[])[col] as number) > Math.abs((a[pivot] as number[])[col] as number))
        pivot = r;
    [a[col], a[pivot]] = [a[pivot] as number[], a[col] as number[]];
    const top = a[col] as number[];
    for (let r = col + 1; r < n; r++) {
      const row = a[r] as number[];
      const factor = (row[col] as number) / (top[col] as number);
      for (let c = col; c <= n; c++) row[c] = (row[c] as number) - factor * (top[c] as number);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = a[r] as number[];
    let sum = row[n] as number;
    for (let c = r + 1; c < n; c++) sum -= (row[c] as number) * (x[c] as number);
    x[r] = sum / (row[r] as number);
  }
  return x;
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}
