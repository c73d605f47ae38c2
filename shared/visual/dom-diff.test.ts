import { describe, expect, it } from "vitest";
import { diffDomSnapshots } from "./dom-diff.ts";
import type { DomSnapshot, SnapshotElement } from "./dom-snapshot.ts";
import { shopSnapshot } from "./testing/snapshots.ts";

function edit(
  snapshot: DomSnapshot,
  change: (elements: SnapshotElement[]) => SnapshotElement[],
): DomSnapshot {
  return { ...snapshot, elements: change(structuredClone(snapshot.elements)) };
}

function find(elements: SnapshotElement[], text: string): SnapshotElement {
  const found = elements.find((e) => e.text === text);
  if (!found) throw new Error(`no element ${text}`);
  return found;
}

describe("diffDomSnapshots", () => {
  it("an unchanged page has no changes", () => {
    expect(diffDomSnapshots(shopSnapshot(), shopSnapshot())).toEqual([]);
  });

  it("a new headline is one text change of the h1, even though its section's name follows it", () => {
    const after = edit(shopSnapshot(), (elements) => {
      for (const e of elements) {
        if (e.text === "Light, wood and linen") e.text = "Ship safely";
        if (e.section === "Light, wood and linen") e.section = "Ship safely";
      }
      return elements;
    });
    const changes = diffDomSnapshots(shopSnapshot(), after);
    expect(changes).toEqual([
      expect.objectContaining({
        element: 'Heading (h1) "Light, wood and linen"',
        elementType: "heading",
        scope: "element",
        kind: "text",
        before: "Light, wood and linen",
        after: "Ship safely",
      }),
    ]);
  });

  it("a removed section is one change, not one per element inside it", () => {
    const after = edit(shopSnapshot(), (elements) =>
      elements.filter((e) => !e.path.startsWith("main>section:nth-of-type(2)")),
    );
    expect(diffDomSnapshots(shopSnapshot(), after)).toEqual([
      expect.objectContaining({
        element: 'Section "Why shop with us"',
        scope: "section",
        kind: "removed",
        before: "Why shop with us",
        after: null,
      }),
    ]);
  });

  it("a new banner is one added section", () => {
    const after = edit(shopSnapshot(), (elements) => [
      {
        kind: "section",
        tag: "div",
        role: "region",
        text: "Summer sale",
        section: "",
        path: "body>div.promo",
        box: { x: 0, y: 0, width: 1280, height: 40 },
      },
      ...elements,
    ]);
    expect(diffDomSnapshots(shopSnapshot(), after)).toEqual([
      expect.objectContaining({
        element: 'Section "Summer sale"',
        kind: "added",
        before: null,
        after: "Summer sale",
      }),
    ]);
  });

  it("a recoloured button is a visual change naming the colour", () => {
    const after = edit(shopSnapshot(), (elements) => {
      const cta = find(elements, "Shop the collection");
      cta.style = { ...cta.style, "background-color": "rgb(176, 0, 32)" };
      return elements;
    });
    expect(diffDomSnapshots(shopSnapshot(), after)).toEqual([
      expect.objectContaining({
        element: 'Call to action "Shop the collection"',
        kind: "visual",
        before: "background-color: rgb(47, 74, 58)",
        after: "background-color: rgb(176, 0, 32)",
      }),
    ]);
  });

  it("reordered navigation is one layout change of the nav", () => {
    const after = edit(shopSnapshot(), (elements) => {
      find(elements, "About").box.x = 250;
      return elements;
    });
    expect(diffDomSnapshots(shopSnapshot(), after)).toEqual([
      expect.objectContaining({
        element: 'Navigation "Main"',
        scope: "section",
        kind: "layout",
        before: "Shop · Lighting · Furniture · About",
        after: "About · Shop · Lighting · Furniture",
      }),
    ]);
  });

  it("content pushed down by a change above is not a change", () => {
    const after = edit(shopSnapshot(), (elements) => {
      for (const e of elements) if (e.box.y > 400) e.box.y += 120;
      return elements;
    });
    expect(diffDomSnapshots(shopSnapshot(), after)).toEqual([]);
  });

  it("title, description and image source changes are named", () => {
    const after = edit(
      { ...shopSnapshot(), title: "Sale — Lumen & Oak", description: "Everything 20% off" },
      (elements) => {
        find(elements, "Aurora lamp").src = "/img/aurora-2.png";
        return elements;
      },
    );
    expect(
      diffDomSnapshots(shopSnapshot(), after).map((c) => [c.element, c.scope, c.before, c.after]),
    ).toEqual([
      ["Page title", "page", "Home — Lumen & Oak", "Sale — Lumen & Oak"],
      ["Meta description", "page", "Quiet goods for warm homes", "Everything 20% off"],
      ['Image "Aurora lamp"', "element", "/img/aurora.png", "/img/aurora-2.png"],
    ]);
  });
});
