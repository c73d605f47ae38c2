import type { Box } from "./regions.ts";

/** What a person reads on a page, as the capture records it beside each screenshot. */
export interface DomSnapshot {
  url: string;
  title: string;
  /** The meta description. */
  description: string;
  /** The page's full scroll size in CSS pixels. */
  width: number;
  height: number;
  /** In document order. */
  elements: SnapshotElement[];
}

export const ELEMENT_KINDS = ["heading", "button", "cta", "link", "image", "form", "section"] as const;
export type ElementKind = (typeof ELEMENT_KINDS)[number];

export interface SnapshotElement {
  kind: ElementKind;
  tag: string;
  /** Visible text or accessible name, whitespace collapsed; an image's alt; a section's name. */
  text: string;
  /** Name of the nearest enclosing section or landmark; "" when none. */
  section: string;
  /** A structural CSS path (tag:nth-of-type…) from body. */
  path: string;
  /** `#id` or `[data-testid="…"]` when the element has one: survives text changes. */
  key?: string;
  /** Heading level 1…6. */
  level?: number;
  href?: string;
  src?: string;
  /** A form's field labels, in order. */
  fields?: string[];
  /** Section landmark role (navigation, banner, contentinfo, region, …). */
  role?: string;
  /** Where it is on the page, in CSS pixels from the top-left of the document. */
  box: Box;
  /** The computed colours and type that make it look the way it does. */
  style?: Record<string, string>;
}
