import { describeElement } from "./dom-diff.ts";
import type { DomSnapshot, SnapshotElement } from "./dom-snapshot.ts";

/** A change as recorded: the element as it was named when detected, and its two values. */
export interface RecordedChange {
  element: string;
  kind: "text" | "visual" | "layout" | "added" | "removed";
  before: string | null;
  after: string | null;
}

/**
 * Whether a page shows a recorded change undone: the old text, the removed element back, the added
 * one gone, the old style or image again. Element names come from the old value (`Heading (h1)
 * "Ship faster"`), so finding the name again finds the old value. Pixel-only changes and reorders
 * carry no value to look for: never reported as undone.
 */
export function showsOldValue(change: RecordedChange, page: DomSnapshot): boolean {
  if (change.element === "Page title") return change.kind === "text" && page.title === change.before;
  if (change.element === "Meta description")
    return change.kind === "text" && page.description === change.before;
  const named = page.elements.filter((e) => describeElement(e) === change.element);
  switch (change.kind) {
    case "text":
    case "removed":
      return named.length > 0;
    case "added":
      return named.length === 0;
    case "visual":
      if (change.before === null) return false;
      return named.some((e) => e.src === change.before || hasStyle(e, change.before as string));
    case "layout":
      return false;
  }
}

/** `color: rgb(0, 0, 0); font-size: 16px` against the element's computed style. */
function hasStyle(e: SnapshotElement, declarations: string): boolean {
  if (!e.style) return false;
  const pairs = declarations.split("; ").map((d) => {
    const at = d.indexOf(": ");
    return [d.slice(0, at), d.slice(at + 2)] as const;
  });
  return pairs.every(([key, value]) => (e.style?.[key] ?? "none") === value);
}
