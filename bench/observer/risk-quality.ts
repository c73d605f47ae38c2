import {
  calibrate,
  fitRiskWeights,
  PRIOR_WEIGHTS,
  predictRisk,
  type RiskFeatures,
  renderReliabilityTable,
} from "../../shared/observer/index.ts";
import { pad, pct } from "../stats.ts";

/*
 * The risk model's figures on the held-out half of the seeded changes (those the prior weights were
 * never tuned on), beside the base rate and beside running every flow: Brier score, Brier skill
 * score (1 − Brier / the base rate's Brier; target ≥ 0.25), the reliability table, recall of failing
 * flows and the share selected. And what a project's refit would do: the prior refit on the tuning
 * half's outcomes, scored on the held-out half.
 */

/** One flow on one seeded change. */
export interface ScoredFlow {
  change: string;
  heldOut: boolean;
  flow: string;
  selected: boolean;
  failed: boolean;
  /** For selected flows. */
  probability?: number;
  features?: RiskFeatures;
}

interface Figures {
  recall: number;
  failing: number;
  share: number;
  brier: number | undefined;
  baseline: number | undefined;
  count: number;
}

export function riskFigures(
  flows: readonly ScoredFlow[],
  probability = (f: ScoredFlow) => f.probability,
): Figures {
  const failing = flows.filter((f) => f.failed);
  const changes = new Set(flows.map((f) => f.change));
  const share =
    [...changes].reduce((sum, change) => {
      const mine = flows.filter((f) => f.change === change);
      return sum + mine.filter((f) => f.selected).length / mine.length;
    }, 0) / Math.max(1, changes.size);
  const scored = calibrate(
    flows.flatMap((f) => {
      const p = f.selected ? probability(f) : undefined;
      return p === undefined
        ? []
        : ([{ probability: p, actualResult: f.failed ? "failed" : "passed" }] as const);
    }),
  );
  return {
    recall: failing.filter((f) => f.selected).length / Math.max(1, failing.length),
    failing: failing.length,
    share,
    brier: scored.brier,
    baseline: scored.baseline,
    count: scored.count,
  };
}

/** Prints the held-out figures; returns whether the targets are met. */
export function reportRiskQuality(flows: readonly ScoredFlow[]): boolean {
  const heldOut = flows.filter((f) => f.heldOut);
  const tuning = flows.filter((f) => !f.heldOut);
  if (heldOut.length === 0) {
    console.log(
      "\nno held-out changes in this run: the risk model's held-out figures need them (drop --only/--quick)",
    );
    return true;
  }
  const model = riskFigures(heldOut);
  const refit = fitRiskWeights(
    tuning.flatMap((f) => (f.selected && f.features ? [{ features: f.features, failed: f.failed }] : [])),
    PRIOR_WEIGHTS,
  );
  const refitted = riskFigures(heldOut, (f) => (f.features ? predictRisk(refit, f.features) : undefined));
  // Running every flow: each flow's chance is the share of all flows that failed.
  const everyRate = heldOut.filter((f) => f.failed).length / heldOut.length;
  const everyBrier = heldOut.reduce((s, f) => s + (everyRate - (f.failed ? 1 : 0)) ** 2, 0) / heldOut.length;
  const skill = (brier: number | undefined, base: number | undefined) =>
    brier !== undefined && base ? 1 - brier / base : undefined;
  const fmt = (x: number | undefined) => (x === undefined ? "—" : x.toFixed(3));
  const changes = new Set(heldOut.map((f) => f.change)).size;
  console.log(
    `\nheld-out half: ${changes} seeded changes the prior was never tuned on, ${model.failing} failing flows, ${model.count} selected flows scored`,
  );
  const row = (name: string, recall: string, share: string, brier: string, base: string, bss: string) =>
    console.log(
      `${pad(name, 44)} ${pad(recall, 8)} ${pad(share, 8)} ${pad(brier, 7)} ${pad(base, 10)} ${bss}`,
    );
  row("", "recall", "share", "Brier", "base rate", "Brier skill");
  const modelSkill = skill(model.brier, model.baseline);
  row(
    "observer + risk model (prior)",
    pct(model.recall),
    pct(model.share),
    fmt(model.brier),
    fmt(model.baseline),
    fmt(modelSkill),
  );
  row(
    "observer + base rate of selected flows",
    pct(model.recall),
    pct(model.share),
    fmt(model.baseline),
    fmt(model.baseline),
    "0.000",
  );
  row(
    "observer + prior refit on the tuning half",
    pct(refitted.recall),
    pct(refitted.share),
    fmt(refitted.brier),
    fmt(refitted.baseline),
    fmt(skill(refitted.brier, refitted.baseline)),
  );
  row(
    "run everything (base rate of all flows)",
    "100.0%",
    "100.0%",
    fmt(everyBrier),
    fmt(everyBrier),
    "0.000",
  );
  console.log(
    `\nreliability of the prior on the held-out half:\n${renderReliabilityTable(
      calibrate(
        heldOut.flatMap((f) =>
          f.selected && f.probability !== undefined
            ? [
                {
                  probability: f.probability,
                  actualResult: f.failed ? ("failed" as const) : ("passed" as const),
                },
              ]
            : [],
        ),
      ),
    )}`,
  );
  const tuned = riskFigures(tuning);
  console.log(
    `tuning half (for reference): Brier ${fmt(tuned.brier)} against ${fmt(tuned.baseline)} for the base rate, skill ${fmt(skill(tuned.brier, tuned.baseline))}, recall ${pct(tuned.recall)}, share ${pct(tuned.share)}`,
  );
  console.log("targets on the held-out half: recall 100%, share ≤ 20%, Brier skill ≥ 0.25");
  return model.recall === 1 && model.share <= 0.2 && (modelSkill ?? 0) >= 0.25;
}
