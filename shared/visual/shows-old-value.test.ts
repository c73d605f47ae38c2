import { describe, expect, it } from "vitest";
import { diffDomSnapshots } from "./dom-diff.ts";
import type { DomSnapshot, SnapshotElement } from "./dom-snapshot.ts";
import { showsOldValue } from "./shows-old-value.ts";
import { shopSnapshot } from "./testing/snapshots.ts";

function edit(change: (page: DomSnapshot) => void): DomSnapshot {
  const page = structuredClone(shopSnapshot());
  change(page);
  return page;
}
const byText = (page: DomSnapshot, text: string) =>
  page.elements.find((e) => e.text === text && e.kind !== "section") as SnapshotElement;

const EDITS: Array<[string, (page: DomSnapshot) => void]> = [
  ["a reworded headline", (page) => (byText(page, "Light, wood and linen").text = "Ship safely")],
  [
    "a removed section",
    (page) => {
      page.elements = page.elements.filter(
        (e) => e.text !== "Why shop with us" && e.section !== "Why shop with us",
      );
    },
  ],
  [
    "a new banner",
    (page) =>
      page.elements.push({
        kind: "section",
        tag: "div",
        role: "alert",
        text: "Winter sale",
        section: "",
        path: "body>div:nth-of-type(9)",
        box: { x: 0, y: 0, width: 1280, height: 40 },
      }),
  ],
  ["a new page title", (page) => (page.title = "Lumen & Oak — Sale")],
  [
    "a recoloured button",
    (page) => {
      const cta = byText(page, "Shop the collection");
      cta.style = { ...cta.style, "background-color": "rgb(200, 30, 30)" };
    },
  ],
];

describe("showsOldValue", () => {
  it.each(EDITS)("%s: the changed page does not show the old value, the original page does", (_, change) => {
    const changed = edit(change);
    const detected = diffDomSnapshots(shopSnapshot(), changed);
    expect(detected).toHaveLength(1);
    const [recorded] = detected;
    if (!recorded) throw new Error("one change");
    expect(showsOldValue(recorded, changed)).toBe(false);
    expect(showsOldValue(recorded, shopSnapshot())).toBe(true);
  });

  it("a reorder or a pixel-only change is never reported as undone", () => {
    const page = shopSnapshot();
    expect(
      showsOldValue({ element: 'Section "Main"', kind: "layout", before: "a · b", after: "b · a" }, page),
    ).toBe(false);
    expect(
      showsOldValue({ element: 'Image "Aurora lamp"', kind: "visual", before: null, after: null }, page),
    ).toBe(false);
  });
});
