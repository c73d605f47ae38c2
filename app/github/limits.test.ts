import { describe, expect, it } from "vitest";
import { inlineCode, plainText } from "../impact/markdown.ts";
import { CHECK_RUN_TEXT_LIMIT, COMMENT_BODY_LIMIT, chunk, truncateText } from "./limits.ts";

describe("truncateText", () => {
  it("leaves text within the limit alone", () => {
    expect(truncateText("short", CHECK_RUN_TEXT_LIMIT)).toBe("short");
  });

  it("cuts a comment to exactly GitHub's limit with a link to the full report", () => {
    const cut = truncateText("x".repeat(70_000), COMMENT_BODY_LIMIT, "https://perceo.dev/r/1");
    expect(cut).toHaveLength(COMMENT_BODY_LIMIT);
    expect(cut.endsWith("[read the full report](https://perceo.dev/r/1).")).toBe(true);
  });

  it("never splits a surrogate pair", () => {
    const cut = truncateText("😀".repeat(40_000), CHECK_RUN_TEXT_LIMIT);
    expect(cut.length).toBeLessThanOrEqual(CHECK_RUN_TEXT_LIMIT);
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe("chunk", () => {
  it("sends 120 annotations as 50, 50 and 20", () => {
    expect(
      chunk(
        Array.from({ length: 120 }, (_, i) => i),
        50,
      ).map((c) => c.length),
    ).toStrictEqual([50, 50, 20]);
  });
});

describe("untrusted text in markdown", () => {
  it("cannot become a link, an image, a mention or HTML", () => {
    const text = plainText(
      "![x](https://evil.test/a.png) [y](http://e.test) <img src=x> @team www.evil.test",
    );
    expect(text).not.toMatch(/!\[|\]\(|<img|https:\/\/|http:\/\/|@team|www\.evil/);
  });

  it("fences code spans so a backtick in a path cannot close them", () => {
    expect(inlineCode("a`b")).toBe("``a`b``");
    expect(inlineCode("src/x.ts")).toBe("`src/x.ts`");
  });
});
