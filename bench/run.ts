import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// `npm run bench [-- name… [--option value…]]`: runs each benchmark in bench/ in its own process, one after another,
// so they do not compete for the two cores. Each prints its own figures and the peer it is measured against.
const dir = path.dirname(fileURLToPath(import.meta.url));
// Names come first; from the first option on everything is the benchmarks' own (`--app epic-stack`).
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith("-"));
const wanted = firstOption === -1 ? args : args.slice(0, firstOption);
const passThrough = firstOption === -1 ? [] : args.slice(firstOption);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && f !== "stats.ts" && !f.endsWith(".test.ts"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${bench} ===`);
  const result = spawnSync(process.execPath, [path.join(dir, bench), ...passThrough], { stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    console.log(`${bench} exited with ${result.status ?? result.signal}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
