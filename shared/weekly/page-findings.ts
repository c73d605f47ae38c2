import { type AuditFinding, digest, IMPACTS } from "../audit/index.ts";

/** An audit finding on one page, with the identity it keeps across weeks. */
export interface PageFinding extends AuditFinding {
  pageId: string;
  pageName: string;
  pageUrl: string;
  /** `audit:<page>:<key>`: the same finding on the same page, week after week. */
  fingerprint: string;
}

export function pageFinding(
  page: { id: string; name: string; url: string },
  finding: AuditFinding,
): PageFinding {
  return {
    ...finding,
    pageId: page.id,
    pageName: page.name,
    pageUrl: page.url,
    fingerprint: `audit:${digest(page.url)}:${finding.key}`.slice(0, 200),
  };
}

/**
 * What a 👎 is recorded against: the finding and the evidence it was shown with. The same finding
 * with the same evidence stays hidden; new evidence brings it back.
 */
export function feedbackKey(finding: { fingerprint: string; evidence: string }): string {
  return `${finding.fingerprint.slice(0, 180)}#${finding.evidence.slice(0, 19)}`;
}

export function byImpact<T extends { impact: AuditFinding["impact"] }>(findings: readonly T[]): T[] {
  return [...findings].sort((a, b) => IMPACTS.indexOf(a.impact) - IMPACTS.indexOf(b.impact));
}

/** One line naming a finding, for suggestions and comment titles (page text stays as it is: the renderer escapes). */
export function findingTitle(finding: PageFinding): string {
  return `${finding.pageName}: ${finding.element} — ${finding.current}`.slice(0, 300);
}

/**
 * The same finding (same check and rule on the same element, e.g. one selector's contrast) on several
 * pages is one thing to fix: grouped in the order given, each group with its findings page by page.
 */
export function groupFindings<T extends PageFinding>(
  findings: readonly T[],
): Array<{ finding: T; pages: T[] }> {
  const groups = new Map<string, { finding: T; pages: T[] }>();
  for (const finding of findings) {
    const key = [finding.check, finding.key, finding.element, finding.current].join("\n");
    const group = groups.get(key);
    if (group) group.pages.push(finding);
    else groups.set(key, { finding, pages: [finding] });
  }
  return [...groups.values()];
}
