import { createHash } from "node:crypto";

export const AUDIT_CHECKS = [
  "axe",
  "title",
  "meta-description",
  "open-graph",
  "h1",
  "cta-above-fold",
  "image-alt",
  "broken-link",
  "console-error",
  "page-weight",
  "load-time",
  "vision",
] as const;
export type AuditCheck = (typeof AUDIT_CHECKS)[number];

export type Impact = "high" | "medium" | "low";
export const IMPACTS: readonly Impact[] = ["high", "medium", "low"];

/** What a vision finding expects to move when the suggestion is applied. */
export interface PredictedEffect {
  metric: "conversion_rate" | "bounce_rate" | "engagement" | "accessibility" | "page_speed" | "trust";
  direction: "increase" | "decrease";
}

/**
 * One thing worth fixing on a page. `element`, `current` and `detail` may hold page text: whoever
 * writes them into GitHub must treat them as untrusted.
 */
export interface AuditFinding {
  check: AuditCheck;
  impact: Impact;
  /** What it is about: a selector, a URL, or a short description. */
  element: string;
  /** What the page has now. */
  current: string;
  suggestion: string;
  /** `both` when both viewports show it. */
  viewport?: "desktop" | "mobile" | "both";
  /**
   * Identity across weeks: the same key on the same page is the same finding. `evidence` is what it
   * looked like: a person's 👎 holds until the evidence changes.
   */
  key: string;
  evidence: string;
  predicted?: PredictedEffect;
}

/** Short, stable digest of evidence (keeps fingerprints within the database's 200 characters). */
export function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}
