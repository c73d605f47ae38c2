import { describe, expect, it } from "vitest";
import { escapeHtml, formatDuration, markdownCell, pluralize } from "./format.ts";

describe("formatDuration", () => {
  it("uses milliseconds, seconds or minutes by size", () => {
    expect(formatDuration(12.4)).toBe("12 ms");
    expect(formatDuration(1530)).toBe("1.5 s");
    expect(formatDuration(125_000)).toBe("2 min 5 s");
  });
});

describe("escapeHtml", () => {
  it("escapes every character that could open a tag or an attribute", () => {
    expect(escapeHtml(`<img src="x" onerror='a&b'>`)).toBe(
      "&lt;img src=&quot;x&quot; onerror=&#39;a&amp;b&#39;&gt;",
    );
  });
});

describe("markdownCell", () => {
  it("keeps a table cell on one line and its pipes literal", () => {
    expect(markdownCell("a | b\nc")).toBe("a \\| b c");
  });
});

describe("pluralize", () => {
  it("adds an s except for one", () => {
    expect(pluralize(1, "flow")).toBe("1 flow");
    expect(pluralize(3, "flow")).toBe("3 flows");
  });
});
