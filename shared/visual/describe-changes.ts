import { describeElement, diffDomSnapshots, type ElementChange, matchSnapshots } from "./dom-diff.ts";
import type { DomSnapshot, SnapshotElement } from "./dom-snapshot.ts";
import { area, type Box, intersection, type Region } from "./regions.ts";

/** A change as reported to people: a DOM change, or changed pixels the DOM does not explain. */
export interface DescribedChange extends ElementChange {
  /** The pixel regions this change accounts for. */
  regions: Region[];
}

/**
 * Names what changed on a page from both sources.
 * 1. DOM changes (text, added, removed, style, order) are the changes; each takes the pixel regions it overlaps
 * 2. a region left over that only covers content which moved (pushed down by a change above) is layout shift, not a change
 * 3. any other region is a visual change of the smallest element that covers it, e.g. an image whose pixels changed
 */
export function describeChanges(
  regions: readonly Region[],
  before: DomSnapshot,
  after: DomSnapshot,
): DescribedChange[] {
  const changes: DescribedChange[] = diffDomSnapshots(before, after).map((c) => ({ ...c, regions: [] }));
  const { pairs } = matchSnapshots(before, after);
  const moved = pairs.filter((p) => !sameBox(p.before.box, p.after.box)).map((p) => p.after);
  const still = new Map(
    pairs.filter((p) => sameBox(p.before.box, p.after.box)).map((p) => [p.after, p.before]),
  );
  const sizeChanged = before.height !== after.height || before.width !== after.width;

  for (const region of regions) {
    const owner = changes.find((c) => c.box && intersection(grow(c.box, 4), region) > 0);
    if (owner) {
      owner.regions.push(region);
      continue;
    }
    const covering = after.elements.filter((e) => intersection(e.box, region) > 0);
    if (covering.some((e) => moved.includes(e))) continue;
    if (sizeChanged && covering.length === 0) continue; // area that only the longer page has
    const element = smallestCovering(
      covering.filter((e) => still.has(e)),
      region,
    );
    if (!element) {
      changes.push({
        element: `Area at ${region.x},${region.y} (${region.width}×${region.height})`,
        elementType: "section",
        scope: "page",
        kind: "visual",
        before: null,
        after: null,
        box: { x: region.x, y: region.y, width: region.width, height: region.height },
        regions: [region],
      });
      continue;
    }
    const existing = changes.find((c) => c.box && sameBox(c.box, element.box) && c.kind === "visual");
    if (existing) {
      existing.regions.push(region);
      continue;
    }
    changes.push({
      element: describeElement(element),
      elementType: element.kind,
      scope: element.kind === "section" ? "section" : "element",
      kind: "visual",
      before: null,
      after: null,
      ...(element.section ? { section: element.section } : {}),
      box: element.box,
      regions: [region],
    });
  }
  return changes;
}

function sameBox(a: Box, b: Box): boolean {
  return (
    Math.abs(a.x - b.x) < 1 &&
    Math.abs(a.y - b.y) < 1 &&
    Math.abs(a.width - b.width) < 1 &&
    Math.abs(a.height - b.height) < 1
  );
}

function grow(box: Box, by: number): Box {
  return { x: box.x - by, y: box.y - by, width: box.width + 2 * by, height: box.height + 2 * by };
}

/** The smallest element holding most of the region; sections only when nothing smaller does. */
function smallestCovering(elements: SnapshotElement[], region: Region): SnapshotElement | undefined {
  let best: SnapshotElement | undefined;
  for (const e of elements) {
    if (intersection(e.box, region) < area(region) * 0.5 && intersection(e.box, region) < area(e.box) * 0.5)
      continue;
    if (!best || area(e.box) < area(best.box)) best = e;
  }
  return best;
}
