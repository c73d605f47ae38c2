import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// What importing the server loads, seen from a fresh process: Node's resolve hook records every
// package specifier on the way.
const script = `
import { registerHooks } from "node:module";
const packages = new Set();
registerHooks({
  resolve(specifier, context, next) {
    if (!specifier.startsWith(".") && !specifier.startsWith("node:") && !specifier.startsWith("file:")) packages.add(specifier);
    return next(specifier, context);
  },
});
await import(${JSON.stringify(fileURLToPath(new URL("./start.ts", import.meta.url)))});
console.log(JSON.stringify([...packages]));
`;

describe("the webhook server's imports", () => {
  it("do not load playwright-core, which only jobs that open a browser need", () => {
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    const packages = JSON.parse(output) as string[];
    // The check can see packages at all: the server imports Probot.
    expect(packages).toContain("probot");
    expect(packages.filter((name) => name.startsWith("playwright"))).toEqual([]);
  });
});
