import { readFile } from "node:fs/promises";
import { fitRiskWeights, PRIOR_WEIGHTS } from "../../shared/observer/index.ts";
import type { ScoredFlow } from "./risk-quality.ts";

/*
 * Refits the risk model's prior weights on the tuning half of a benchmark dump
 * (`node bench/observer-quality.ts --suite flows --half tuning --dump FILE`), never on the held-out
 * half, and prints them for shared/observer/risk-model.ts: `node bench/observer/tune-risk-prior.ts FILE`.
 */
const file = process.argv[2];
if (!file)
  throw new Error("usage: node bench/observer/tune-risk-prior.ts DUMP.json (from observer-quality --dump)");
const flows: ScoredFlow[] = JSON.parse(await readFile(file, "utf8"));
const examples = flows.flatMap((f) =>
  !f.heldOut && f.selected && f.features ? [{ features: f.features, failed: f.failed }] : [],
);
const failures = examples.filter((e) => e.failed).length;
console.log(`${examples.length} selected flows of the tuning half, ${failures} failed`);
console.log(JSON.stringify(fitRiskWeights(examples, PRIOR_WEIGHTS, 1), null, 2));
