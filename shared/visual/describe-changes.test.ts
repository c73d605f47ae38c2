import { describe, expect, it } from "vitest";
import { describeChanges } from "./describe-changes.ts";
import { shopSnapshot } from "./testing/snapshots.ts";

describe("describeChanges", () => {
  it("a region over an unchanged image is a visual change of that image", () => {
    const changes = describeChanges(
      [{ x: 100, y: 760, width: 50, height: 50, pixels: 900 }],
      shopSnapshot(),
      shopSnapshot(),
    );
    expect(changes).toEqual([
      expect.objectContaining({
        element: 'Image "Aurora lamp"',
        elementType: "image",
        kind: "visual",
        regions: [expect.anything()],
      }),
    ]);
  });

  it("regions over content that only moved are layout shift, and a DOM change takes the regions it overlaps", () => {
    const before = shopSnapshot();
    const after = shopSnapshot();
    for (const e of after.elements) {
      if (e.key === "#hero-title") {
        e.text = "A much longer headline that wraps";
        e.box.height = 120;
      } else if (e.box.y > 200) e.box.y += 60;
    }
    const changes = describeChanges(
      [
        { x: 40, y: 120, width: 600, height: 120, pixels: 5000 },
        { x: 40, y: 560, width: 600, height: 400, pixels: 9000 },
      ],
      before,
      after,
    );
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      elementType: "heading",
      kind: "text",
      after: "A much longer headline that wraps",
    });
    expect(changes[0]?.regions).toHaveLength(1);
  });

  it("a region over nothing known is an area of the page", () => {
    const changes = describeChanges(
      [{ x: 900, y: 950, width: 40, height: 40, pixels: 100 }],
      shopSnapshot(),
      shopSnapshot(),
    );
    expect(changes).toEqual([expect.objectContaining({ element: "Area at 900,950 (40×40)", scope: "page" })]);
  });
});
