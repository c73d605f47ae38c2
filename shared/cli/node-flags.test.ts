import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CLI_NODE_FLAGS } from "./node-flags.ts";

const bin = fileURLToPath(new URL("./bin.ts", import.meta.url));
const root = path.resolve(path.dirname(bin), "../..");
const flags = CLI_NODE_FLAGS.join(" ");

describe("the CLI's Node flags", () => {
  it("the bin's shebang and the npm scripts start Node with the same flags", () => {
    const shebang = readFileSync(bin, "utf8").split("\n")[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${flags}`);
    const { scripts } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(scripts.perceo).toBe(`node ${flags} shared/cli/bin.ts`);
    expect(scripts.demo).toBe(`node ${flags} shared/cli/bin.ts demo`);
  });

  it("the bin runs through its shebang, as an installed `perceo` does", () => {
    // The node running the tests first on PATH: the shebang's `env` finds it.
    const env = {
      ...process.env,
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
    };
    const result = spawnSync(bin, ["help"], { encoding: "utf8", env });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("perceo affected");
  });
});
