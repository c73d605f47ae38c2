import { describe, expect, it } from "vitest";
import { selectAffectedFlows } from "../observer/index.ts";
import { ConfigError, formatIssue } from "./errors.ts";
import { parseProject } from "./project.ts";
import { globProblem, MAX_STARS_PER_SEGMENT, repositoryGlobMatcher } from "./repository-glob.ts";

// Compiled as picomatch compiles it, this glob backtracks for minutes against LONG_NAME (7 stars in
// one segment; 4 already take 13 s on a 1,000-character name).
const HOSTILE = "**/*a*a*a*a*a*a*b";
const LONG_NAME = `src/${"a".repeat(1000)}.ts`;

function issues(files: { config?: string; covers?: string }): string {
  try {
    parseProject({
      root: ".",
      config: {
        path: ".perceo/config.yml",
        text: `project: shop\nbaseUrl: http://localhost:3000\n${files.config ?? ""}`,
      },
      flows: [
        {
          path: ".perceo/flows/orders.yml",
          text: `name: orders\ndescription: Orders\npriority: high\ncovers:\n  - src/orders/**\n  - '${files.covers ?? "src/**/*.tsx"}'\nsteps:\n  - goto: /orders\n`,
        },
      ],
    });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue).join("\n");
    throw error;
  }
  return "";
}

describe("a repository's globs", () => {
  it("a glob with too many wildcards in one segment is refused at its line, with the fix", () => {
    expect(issues({ covers: HOSTILE })).toMatch(
      /^\.perceo\/flows\/orders\.yml:6:\d+ "\*a\*a\*a\*a\*a\*a\*b" has 7 \* wildcards in one path segment; use at most 3/,
    );
    expect(issues({ config: `observer:\n  ignore:\n    - docs/**\n    - '${HOSTILE}'\n` })).toMatch(
      /^\.perceo\/config\.yml:6:\d+ .* has 7 \* wildcards/,
    );
    expect(issues({ config: `observer:\n  runAllWhen:\n    - '${"x".repeat(501)}'\n` })).toMatch(
      /^\.perceo\/config\.yml:5:\d+ a glob is at most 500 characters \(this one has 501\)/,
    );
  });

  it("ordinary globs pass validation and match as before", () => {
    expect(issues({})).toBe("");
    expect(issues({ covers: "src/{cart,checkout}/**/*.{ts,tsx}" })).toBe("");
    expect(issues({ covers: "src/**/*checkout*.test.*" })).toBe("");
    expect(globProblem(`src/${"*a".repeat(MAX_STARS_PER_SEGMENT)}`)).toBeUndefined();
    const match = repositoryGlobMatcher(["src/{cart,checkout}/**/*.{ts,tsx}", "docs/**"]);
    expect(match("src/cart/lines/Total.tsx")).toBe(true);
    expect(match("docs/.vitepress/config.ts")).toBe(true);
    expect(match("src/orders/List.tsx")).toBe(false);
  });

  it("a hostile glob that reached the observer without the schema (a Playwright perceo.covers annotation) matches nothing at once", async () => {
    expect(repositoryGlobMatcher(HOSTILE)(LONG_NAME)).toBe(false);
    const selection = await selectAffectedFlows({
      changes: [{ path: LONG_NAME, status: "modified" }],
      flows: [
        {
          file: "tests/orders.spec.ts",
          stepLocations: [],
          name: "orders",
          description: "Orders",
          priority: "high",
          tags: [],
          covers: [HOSTILE, "src/**"],
          viewport: "desktop",
          steps: [{ goto: "/orders" }],
        },
      ],
    });
    expect(selection.selected).toEqual(["orders"]);
    expect(selection.flows[0]?.reasons.map((r) => r.detail)).toEqual([
      `${LONG_NAME} matches covers glob "src/**" in tests/orders.spec.ts`,
    ]);
  });
});
