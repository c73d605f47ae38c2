import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { missingPlatformPackages } from "./complete-lockfile.ts";

describe("package-lock.json", () => {
  it("lists every platform's optional binaries, so npm ci accepts it (run `npm run lockfile` after npm install)", () => {
    const lock = JSON.parse(readFileSync(new URL("../package-lock.json", import.meta.url), "utf8"));
    expect(Object.keys(missingPlatformPackages(lock.packages))).toEqual([]);
  });

  it("marks a missing platform binary optional, for its os and cpu", () => {
    const missing = missingPlatformPackages({
      "node_modules/@biomejs/biome": {
        version: "2.6.8",
        dev: true,
        optionalDependencies: { "@biomejs/cli-darwin-arm64": "2.6.8" },
      },
    });
    expect(missing).toEqual({
      "node_modules/@biomejs/cli-darwin-arm64": {
        version: "2.6.8",
        dev: true,
        optional: true,
        cpu: ["arm64"],
        os: ["darwin"],
      },
    });
  });
});
