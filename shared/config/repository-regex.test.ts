import { describe, expect, it } from "vitest";
import { ConfigError, formatIssue } from "./errors.ts";
import { parseProject } from "./project.ts";
import { MAX_REGEX_LENGTH, repositoryRegex } from "./repository-regex.ts";

// With JavaScript's engine each of these backtracks 2^64 times on the input below: the test
// would not end. RE2 answers in one pass.
const CATASTROPHIC = ["^(a|a)*$", "^(a+)+$", "^(\\w+\\s?)*$", "^(([a-z])+.)+[A-Z]([a-z])+$"];
const ATTACK = `${"a".repeat(64)}!`;

describe("a repository's regular expressions", () => {
  it("a catastrophic pattern answers at once instead of stalling the thread", () => {
    for (const source of CATASTROPHIC) expect(repositoryRegex(source)?.test(ATTACK)).toBe(false);
    expect(repositoryRegex("^/orders/\\d+$")?.test("/orders/1042")).toBe(true);
    expect(repositoryRegex("\\/orders\\/(?<id>\\d+)$")?.test("/en/orders/7")).toBe(true);
  });

  it("a pattern RE2 cannot run (lookaround, backreferences) or over the length bound names nothing", () => {
    expect(repositoryRegex("^/(?!admin)")).toBeUndefined();
    expect(repositoryRegex("^/(a)\\1$")).toBeUndefined();
    expect(repositoryRegex(`^/${"a".repeat(MAX_REGEX_LENGTH)}$`)).toBeUndefined();
  });

  it("a flow's matches: that does not compile, or is over the bound, is refused at its line", () => {
    const issues = (matches: string) => {
      try {
        parseProject({
          root: ".",
          config: { path: ".perceo/config.yml", text: "project: shop\nbaseUrl: http://localhost:3000\n" },
          flows: [
            {
              path: ".perceo/flows/orders.yml",
              text: `name: orders\ndescription: Orders\npriority: high\nsteps:\n  - goto: /orders\n  - expect: { url: { matches: '${matches}' } }\n`,
            },
          ],
        });
      } catch (error) {
        if (error instanceof ConfigError) return error.issues.map(formatIssue).join("\n");
        throw error;
      }
      return "";
    };
    expect(issues("^/orders/([0-9]+$")).toMatch(
      /^\.perceo\/flows\/orders\.yml:6:\d+ .*not a valid regular expression \(Unterminated group\): check its brackets and escapes/,
    );
    expect(issues(`^/${"a".repeat(MAX_REGEX_LENGTH)}$`)).toMatch(
      /^\.perceo\/flows\/orders\.yml:6:\d+ expected at most 1000 characters, found/,
    );
    expect(issues("^/orders/\\d+$")).toBe("");
  });
});
