#!/usr/bin/env -S node --max-semi-space-size=8
// The flags: see node-flags.ts.
import { main } from "./main.ts";

const controller = new AbortController();
// watch and dashboard say themselves that they stopped; the rest finish the flows they are running.
const saysItsOwnStop = ["watch", "dashboard"].includes(process.argv[2] ?? "");
process.once("SIGINT", () => {
  if (!saysItsOwnStop)
    process.stderr.write("\nStopping after the flows in progress… (Ctrl-C again to quit now)\n");
  controller.abort();
  process.once("SIGINT", () => process.exit(130));
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  stdin: process.stdin,
  signal: controller.signal,
});
