import { formatBytes } from "../report/index.ts";
import type { LinkReport } from "./check-links.ts";
import { type AuditFinding, digest, type Impact } from "./finding.ts";
import type { PageFacts, PageTimings } from "./page-facts.ts";

/** What one viewport's visit measured. */
export interface ViewportObservation {
  viewport: "desktop" | "mobile";
  facts: PageFacts;
  timings: PageTimings;
  /** Bytes transferred (headers and bodies) for the page and everything it loaded. */
  transferBytes: number;
  requests: number;
  consoleErrors: string[];
}

export interface AxeViolation {
  id: string;
  impact: "critical" | "serious" | "moderate" | "minor" | null;
  help: string;
  helpUrl: string;
  targets: string[];
  /** Per element: axe's summary of what fails, and the flat facts its checks measured (e.g. colours, contrast ratio). */
  nodes?: AxeNode[];
}

export interface AxeNode {
  target: string;
  failureSummary?: string;
  data: Record<string, string | number>;
}

// Where findings start. Each is a rule of thumb that search engines or web.dev state publicly.
export const TITLE_LENGTH = { min: 10, max: 60 };
export const DESCRIPTION_LENGTH = { min: 50, max: 160 };
export const OPEN_GRAPH_REQUIRED = ["og:title", "og:description", "og:image"] as const;
export const PAGE_WEIGHT = { medium: 2_500_000, high: 5_000_000 };
export const LOAD_TIME_MS = { medium: 3_000, high: 6_000 };
export const LCP_MS = { medium: 2_500, high: 4_000 };

const AXE_IMPACT: Record<string, Impact> = {
  critical: "high",
  serious: "high",
  moderate: "medium",
  minor: "low",
};

/** Findings from what the browser saw; the same observations always give the same findings. */
export function deterministicFindings(input: {
  observations: readonly ViewportObservation[];
  axe: readonly AxeViolation[];
  links: LinkReport;
}): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const first = input.observations[0];
  if (!first) return findings;
  const facts = first.facts;

  if (!facts.title) {
    findings.push({
      check: "title",
      impact: "high",
      element: "<title>",
      current: "missing",
      suggestion: "Give the page a title that says what it offers, 10–60 characters.",
      key: "title",
      evidence: "missing",
    });
  } else if (facts.title.length < TITLE_LENGTH.min || facts.title.length > TITLE_LENGTH.max) {
    findings.push({
      check: "title",
      impact: "low",
      element: "<title>",
      current: `${facts.title} (${facts.title.length} characters)`,
      suggestion: `Keep the title between ${TITLE_LENGTH.min} and ${TITLE_LENGTH.max} characters so search results show it whole.`,
      key: "title",
      evidence: facts.title,
    });
  }

  const description = facts.metaDescription?.trim() ?? "";
  if (!description) {
    findings.push({
      check: "meta-description",
      impact: "medium",
      element: '<meta name="description">',
      current: "missing",
      suggestion: "Add a meta description: one or two sentences search results show under the title.",
      key: "meta-description",
      evidence: "missing",
    });
  } else if (description.length < DESCRIPTION_LENGTH.min || description.length > DESCRIPTION_LENGTH.max) {
    findings.push({
      check: "meta-description",
      impact: "low",
      element: '<meta name="description">',
      current: `${description.length} characters`,
      suggestion: `Keep the description between ${DESCRIPTION_LENGTH.min} and ${DESCRIPTION_LENGTH.max} characters.`,
      key: "meta-description",
      evidence: description,
    });
  }

  const missingOg = OPEN_GRAPH_REQUIRED.filter((property) => !facts.openGraph[property]);
  if (missingOg.length > 0) {
    findings.push({
      check: "open-graph",
      impact: "low",
      element: "Open Graph tags",
      current: `missing ${missingOg.join(", ")}`,
      suggestion:
        "Add og:title, og:description and og:image so shared links show a card instead of a bare URL.",
      key: "open-graph",
      evidence: missingOg.join(","),
    });
  }

  if (facts.h1s.length !== 1) {
    findings.push({
      check: "h1",
      impact: "medium",
      element: "<h1>",
      current: facts.h1s.length === 0 ? "no h1" : `${facts.h1s.length} h1 headings: ${facts.h1s.join(" | ")}`,
      suggestion:
        facts.h1s.length === 0
          ? "Give the page exactly one h1 that names it; screen readers and search engines start there."
          : "Keep one h1 for the page's main heading and make the others h2.",
      key: "h1",
      evidence: String(facts.h1s.length),
    });
  }

  const missingCta = input.observations.filter((o) => o.facts.ctaAboveFold === null).map((o) => o.viewport);
  if (missingCta.length > 0) {
    findings.push({
      check: "cta-above-fold",
      impact: "high",
      element: "primary call to action",
      current: `none in the first screen on ${missingCta.join(" and ")}${first.facts.ctaCount > 0 ? ` (${first.facts.ctaCount} further down)` : ""}`,
      suggestion:
        "Put the page's main action (a button or a link styled as one) where it is seen without scrolling.",
      viewport: missingCta.length === 2 ? "both" : (missingCta[0] as "desktop" | "mobile"),
      key: "cta-above-fold",
      evidence: missingCta.join(","),
    });
  }

  if (facts.imagesWithoutAlt.length > 0) {
    const images = [...facts.imagesWithoutAlt].sort();
    findings.push({
      check: "image-alt",
      impact: "medium",
      element: images.length === 1 ? `image ${images[0]}` : `${images.length} images`,
      current: `no alt attribute: ${images.slice(0, 5).join(", ")}${images.length > 5 ? ", …" : ""}`,
      suggestion: 'Describe each image in an alt attribute, or mark decorative ones with alt="".',
      key: "image-alt",
      evidence: digest(images.join("\n")),
    });
  }

  for (const link of input.links.checked.filter((l) => !l.ok)) {
    findings.push({
      check: "broken-link",
      impact: "medium",
      element: link.url,
      current: link.reason ?? "fails",
      suggestion: "Fix the link's target or remove the link.",
      key: `broken-link:${digest(link.url)}`,
      evidence: String(link.status ?? link.reason),
    });
  }

  const errors = [...new Set(input.observations.flatMap((o) => o.consoleErrors))].sort();
  if (errors.length > 0) {
    findings.push({
      check: "console-error",
      impact: "medium",
      element: "browser console",
      current: errors
        .slice(0, 3)
        .map((e) => e.slice(0, 200))
        .join(" · "),
      suggestion: `Fix the ${errors.length === 1 ? "error" : `${errors.length} errors`} the page logs while loading; a script that throws may leave part of the page dead.`,
      key: "console-error",
      evidence: digest(errors.join("\n")),
    });
  }

  const weight = Math.max(...input.observations.map((o) => o.transferBytes));
  if (weight >= PAGE_WEIGHT.medium) {
    findings.push({
      check: "page-weight",
      impact: weight >= PAGE_WEIGHT.high ? "high" : "medium",
      element: "page weight",
      current: `${formatBytes(weight)} transferred`,
      suggestion: "Compress and resize images, and load below-the-fold media lazily.",
      key: "page-weight",
      evidence: weight >= PAGE_WEIGHT.high ? "high" : "medium",
    });
  }

  for (const o of input.observations) {
    const lcp = o.timings.lcpMs;
    const slowLoad = o.timings.loadMs >= LOAD_TIME_MS.medium;
    const slowLcp = lcp !== null && lcp >= LCP_MS.medium;
    if (!slowLoad && !slowLcp) continue;
    const high = o.timings.loadMs >= LOAD_TIME_MS.high || (lcp !== null && lcp >= LCP_MS.high);
    findings.push({
      check: "load-time",
      impact: high ? "high" : "medium",
      element: `load on ${o.viewport}`,
      current: `load ${o.timings.loadMs} ms${lcp !== null ? `, largest paint ${lcp} ms` : ""}`,
      suggestion:
        "Serve the first screen's content and images sooner: fewer render-blocking scripts, smaller images.",
      viewport: o.viewport,
      key: `load-time:${o.viewport}`,
      evidence: high ? "high" : "medium",
    });
  }

  for (const violation of input.axe) {
    const targets = [...violation.targets].sort();
    findings.push({
      check: "axe",
      impact: AXE_IMPACT[violation.impact ?? "minor"] ?? "low",
      element: targets.slice(0, 3).join(", ") + (targets.length > 3 ? `, … (${targets.length})` : ""),
      current: violation.help,
      suggestion: axeSuggestion(violation),
      key: `axe:${violation.id}`,
      evidence: digest(targets.join("\n")),
    });
  }
  return findings;
}

// Elements a suggestion names one by one; the rest are counted.
const AXE_NODES_NAMED = 3;

/**
 * What to change, from what axe measured on the elements: the contrast each has and needs, or
 * axe's own summary of the failing checks. The rule's description is the fallback.
 */
export function axeSuggestion(violation: AxeViolation): string {
  const nodes = [...(violation.nodes ?? [])].sort((a, b) => a.target.localeCompare(b.target));
  const rule = ` (axe rule ${violation.id})`;
  if (nodes.length === 0) return `${violation.help}${rule}.`;
  const more = nodes.length > AXE_NODES_NAMED ? ` …and ${nodes.length - AXE_NODES_NAMED} more.` : "";
  const named = nodes.slice(0, AXE_NODES_NAMED);
  if (violation.id === "color-contrast" && named.every((n) => typeof n.data.contrastRatio === "number")) {
    return `${named.map(contrastSentence).join(" ")}${more}`;
  }
  const summaries = [...new Set(named.map((n) => failureFix(n.failureSummary)).filter(Boolean))];
  if (summaries.length === 0) return `${violation.help}${rule}.`;
  const where = named.map((n) => n.target).join(", ");
  return `${where}: ${summaries.join(" Also: ")}${rule}.${more}`;
}

function contrastSentence(node: AxeNode): string {
  const { contrastRatio, expectedContrastRatio, fgColor, bgColor } = node.data;
  const colours =
    typeof fgColor === "string" && typeof bgColor === "string" ? ` (${fgColor} on ${bgColor})` : "";
  const needed = typeof expectedContrastRatio === "string" ? expectedContrastRatio : "4.5:1";
  return `${node.target} text has contrast ${Number(contrastRatio)
    .toFixed(2)
    .replace(/\.?0+$/, "")}:1${colours}; raise it to at least ${needed}.`;
}

/** axe's "Fix any of the following:\n  A\n  B" → "Do one of: a; b". */
function failureFix(summary: string | undefined): string {
  if (!summary) return "";
  const parts = summary.split(/\n(?=Fix (?:any|all) of the following:)/).map((block) => {
    const [head = "", ...items] = block.split("\n").map((l) => l.trim());
    const list = items.filter(Boolean).map(lowerFirst).join("; ");
    if (!list) return "";
    return /any of/.test(head) && items.length > 1 ? `do one of: ${list}` : list;
  });
  const text = parts.filter(Boolean).join(", and ");
  return text ? `${text.charAt(0).toUpperCase()}${text.slice(1)}` : "";
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? `${text.charAt(0).toLowerCase()}${text.slice(1)}` : text;
}
