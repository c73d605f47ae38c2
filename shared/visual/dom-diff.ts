import type { DomSnapshot, ElementKind, SnapshotElement } from "./dom-snapshot.ts";
import type { Box } from "./regions.ts";

export type ChangeScope = "element" | "section" | "page";
/** Matches the store's detected change kinds. */
export type ChangeKind = "text" | "visual" | "layout" | "added" | "removed";

/** One thing a person would notice changed, named without an LLM. */
export interface ElementChange {
  /** e.g. `Heading (h1) "Ship faster"`, `Section "Pricing"`, `Page title`. */
  element: string;
  elementType: ElementKind | "title" | "description";
  scope: ChangeScope;
  kind: ChangeKind;
  /** null when the element did not exist before (added). */
  before: string | null;
  /** null when the element is gone (removed). */
  after: string | null;
  /** The enclosing section's name, when there is one. */
  section?: string;
  /** Where it is on the new page (on the old page for a removal). */
  box?: Box;
}

export interface MatchedPair {
  before: SnapshotElement;
  after: SnapshotElement;
}

export interface SnapshotMatch {
  pairs: MatchedPair[];
  removed: SnapshotElement[];
  added: SnapshotElement[];
}

const LABELS: Record<ElementKind, string> = {
  heading: "Heading",
  button: "Button",
  cta: "Call to action",
  link: "Link",
  image: "Image",
  form: "Form",
  section: "Section",
};

const SECTION_LABELS: Record<string, string> = {
  navigation: "Navigation",
  banner: "Header",
  contentinfo: "Footer",
  complementary: "Sidebar",
  alert: "Banner",
  status: "Banner",
  dialog: "Dialog",
};

/**
 * Pairs the elements of two snapshots, most certain first:
 * 1. same kind, text, target and section: unchanged
 * 2. same kind, text and target anywhere on the page: unchanged (moved)
 * 3. same kind and id/test id: changed in place
 * 4. same kind and structural path: changed in place
 * What is left was removed or added.
 */
export function matchSnapshots(before: DomSnapshot, after: DomSnapshot): SnapshotMatch {
  const left = new Set(before.elements);
  const right = new Set(after.elements);
  const pairs: MatchedPair[] = [];
  const passes: Array<(e: SnapshotElement) => string | undefined> = [
    (e) => `${e.kind}|${e.tag}|${e.text}|${e.href ?? e.src ?? ""}|${e.section}`,
    (e) => `${e.kind}|${e.tag}|${e.text}|${e.href ?? e.src ?? ""}`,
    (e) => (e.key ? `${e.kind}|${e.key}` : undefined),
    (e) => `${e.kind}|${e.tag}|${e.path}`,
  ];
  for (const identity of passes) {
    const waiting = new Map<string, SnapshotElement[]>();
    for (const e of left) {
      const id = identity(e);
      if (id === undefined) continue;
      const list = waiting.get(id);
      if (list) list.push(e);
      else waiting.set(id, [e]);
    }
    for (const e of right) {
      const id = identity(e);
      const candidate = id === undefined ? undefined : waiting.get(id)?.shift();
      if (!candidate) continue;
      pairs.push({ before: candidate, after: e });
      left.delete(candidate);
      right.delete(e);
    }
  }
  return { pairs, removed: [...left], added: [...right] };
}

/** Element-level changes between two snapshots of the same page, in page order. */
export function diffDomSnapshots(before: DomSnapshot, after: DomSnapshot): ElementChange[] {
  const changes: ElementChange[] = [];
  if (before.title !== after.title)
    changes.push(pageChange("Page title", "title", before.title, after.title));
  if (before.description !== after.description)
    changes.push(pageChange("Meta description", "description", before.description, after.description));

  const { pairs, removed, added } = matchSnapshots(before, after);
  const removedSections = new Set(removed.filter((e) => e.kind === "section").map((e) => e.path));
  const addedSections = new Set(added.filter((e) => e.kind === "section").map((e) => e.path));
  const insideAny = (e: SnapshotElement, sections: Set<string>) =>
    [...sections].some((path) => e.path !== path && e.path.startsWith(`${path}>`));

  for (const e of removed) {
    if (insideAny(e, removedSections)) continue; // reported once, with its section
    changes.push({ ...named(e), kind: "removed", before: summary(e), after: null, box: e.box });
  }
  for (const e of added) {
    if (insideAny(e, addedSections)) continue;
    changes.push({ ...named(e), kind: "added", before: null, after: summary(e), box: e.box });
  }
  for (const { before: b, after: a } of pairs) {
    if (summary(b) !== summary(a) && b.kind !== "section")
      changes.push({ ...named(b), kind: "text", before: summary(b), after: summary(a), box: a.box });
    if ((b.src ?? "") !== (a.src ?? ""))
      changes.push({ ...named(b), kind: "visual", before: b.src ?? null, after: a.src ?? null, box: a.box });
    const style = styleChange(b, a);
    if (style)
      changes.push({ ...named(b), kind: "visual", before: style.before, after: style.after, box: a.box });
  }
  changes.push(...reorders(pairs));
  return changes.sort((x, y) => (x.box?.y ?? -1) - (y.box?.y ?? -1) || (x.box?.x ?? -1) - (y.box?.x ?? -1));
}

function pageChange(
  element: string,
  elementType: "title" | "description",
  before: string,
  after: string,
): ElementChange {
  return { element, elementType, scope: "page", kind: "text", before, after };
}

/** A human name for an element, from how it looked before. */
export function describeElement(e: SnapshotElement): string {
  const label = e.kind === "section" ? (SECTION_LABELS[e.role ?? ""] ?? LABELS.section) : LABELS[e.kind];
  const level = e.kind === "heading" && e.level ? ` (h${e.level})` : "";
  const text = e.text ? ` "${truncate(e.text, 60)}"` : e.kind === "image" && e.src ? ` ${e.src}` : "";
  return `${label}${level}${text}`;
}

function named(e: SnapshotElement): Pick<ElementChange, "element" | "elementType" | "scope" | "section"> {
  const change: Pick<ElementChange, "element" | "elementType" | "scope" | "section"> = {
    element: describeElement(e),
    elementType: e.kind,
    scope: e.kind === "section" ? "section" : "element",
  };
  if (e.section) change.section = e.section;
  return change;
}

/** The value a before/after column shows. */
function summary(e: SnapshotElement): string {
  if (e.kind === "form") return `${e.text}${e.fields?.length ? ` (${e.fields.join(", ")})` : ""}`;
  return e.text;
}

function styleChange(b: SnapshotElement, a: SnapshotElement): { before: string; after: string } | undefined {
  if (!b.style || !a.style) return undefined;
  const keys = [...new Set([...Object.keys(b.style), ...Object.keys(a.style)])].filter(
    (k) => b.style?.[k] !== a.style?.[k],
  );
  if (keys.length === 0) return undefined;
  return {
    before: keys.map((k) => `${k}: ${b.style?.[k] ?? "none"}`).join("; "),
    after: keys.map((k) => `${k}: ${a.style?.[k] ?? "none"}`).join("; "),
  };
}

/** Links and buttons of one section that are all still there but in another order: one change for the section. */
function reorders(pairs: MatchedPair[]): ElementChange[] {
  const bySection = new Map<string, MatchedPair[]>();
  for (const pair of pairs) {
    if (!["link", "button", "cta"].includes(pair.after.kind) || !pair.after.section) continue;
    if (pair.before.section !== pair.after.section) continue;
    const list = bySection.get(pair.after.section) ?? [];
    list.push(pair);
    bySection.set(pair.after.section, list);
  }
  const sections = new Map(pairs.filter((p) => p.after.kind === "section").map((p) => [p.after.text, p]));
  const changes: ElementChange[] = [];
  for (const [section, list] of bySection) {
    const order = (side: "before" | "after") =>
      [...list].sort((x, y) => x[side].box.y - y[side].box.y || x[side].box.x - y[side].box.x);
    const beforeOrder = order("before").map((p) => p.before.text);
    const afterOrder = order("after").map((p) => p.after.text);
    if (beforeOrder.join("\u0000") === afterOrder.join("\u0000")) continue;
    const owner = sections.get(section);
    changes.push({
      element: owner ? describeElement(owner.before) : `Section "${section}"`,
      elementType: "section",
      scope: "section",
      kind: "layout",
      before: beforeOrder.join(" · "),
      after: afterOrder.join(" · "),
      ...(owner ? { box: owner.after.box } : {}),
    });
  }
  return changes;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
