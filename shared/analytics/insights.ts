import type { Insight, InsightInput, Store } from "../store/index.ts";
import type { CheckpointRecord, TrackedChange } from "./checkpoints.ts";
import { pathTemplate, splitUrl } from "./funnel-definition.ts";
import type { FlowFunnelStats, FunnelReport } from "./funnel-matcher.ts";

/*
 * What the analytics say the team should do: flows that pass in CI while real users fail them more
 * than before, pages real users visit that no flow tests, and changes whose checkpoints regressed.
 */

// A flow whose production success rate fell by more than this many points after a deploy, while CI
// still passes it, is a discrepancy: the tests no longer describe what users hit.
export const DISCREPANCY_MARGIN = 0.1;
// …judged on at least this many production sessions entering the flow on each side of the deploy.
export const MIN_ENTRIES_PER_SIDE = 100;
// CI "passes" a flow when at least this share of its recent synthetic runs passed.
export const SYNTHETIC_PASSING = 0.95;
// A page no flow visits is a gap when at least this share of sessions (and this many) saw it.
export const GAP_MIN_SHARE = 0.02;
export const GAP_MIN_SESSIONS = 50;
// …and a serious one from this share on.
export const GAP_MEDIUM_SHARE = 0.1;

export interface InsightDraft extends Omit<InsightInput, "projectId"> {
  suggestedAction: string;
}

/** Production vs synthetic: production success before vs after `deployDay`, for flows CI passes. */
export function discrepancyInsights(input: {
  flows: readonly FlowFunnelStats[];
  /** Pass rate of each flow's recent synthetic runs (0…1). */
  synthetic: ReadonlyMap<string, number>;
  /** YYYY-MM-DD: the deploy's day, which belongs to neither side. */
  deployDay: string;
  priorities?: ReadonlyMap<string, string>;
}): InsightDraft[] {
  const drafts: InsightDraft[] = [];
  for (const flow of input.flows) {
    const passRate = input.synthetic.get(flow.flow);
    if (passRate === undefined || passRate < SYNTHETIC_PASSING) continue;
    const before = sum(flow.daily.filter((d) => d.day < input.deployDay));
    const after = sum(flow.daily.filter((d) => d.day > input.deployDay));
    if (before.entered < MIN_ENTRIES_PER_SIDE || after.entered < MIN_ENTRIES_PER_SIDE) continue;
    const rateBefore = before.completed / before.entered;
    const rateAfter = after.completed / after.entered;
    if (rateBefore - rateAfter <= DISCREPANCY_MARGIN) continue;
    const critical = input.priorities?.get(flow.flow) === "critical";
    drafts.push({
      fingerprint: `analytics:discrepancy:${flow.flow}`,
      kind: "analytics",
      severity: critical ? "critical" : "high",
      title: `${flow.flow} passes in CI but real users complete it less since ${input.deployDay}`,
      body: `Production success fell from ${pct(rateBefore)} to ${pct(rateAfter)} (${before.entered} → ${after.entered} sessions entering) while ${pct(passRate)} of synthetic runs passed.${flow.topExitStep ? ` Most users stop before ${flow.topExitStep.step}.` : ""}`,
      suggestedAction: `Open the deploy of ${input.deployDay} and walk ${flow.flow} on the devices users use${flow.topExitStep ? `, looking at ${flow.topExitStep.step}` : ""}; add what breaks for them to the flow.`,
    });
  }
  return drafts;
}

/** Pages a share of real sessions visit that no flow's steps reach. */
export function coverageGapInsights(report: Pick<FunnelReport, "pages" | "sessions">): InsightDraft[] {
  const byTemplate = new Map<string, { sessions: number; covered: boolean; example: string }>();
  for (const page of report.pages) {
    const template = pathTemplate(page.path);
    const entry = byTemplate.get(template) ?? { sessions: 0, covered: false, example: page.path };
    entry.sessions += page.sessions;
    entry.covered ||= page.covered;
    byTemplate.set(template, entry);
  }
  const drafts: InsightDraft[] = [];
  const total = Math.max(1, report.sessions);
  for (const [template, entry] of [...byTemplate].sort((a, b) => b[1].sessions - a[1].sessions)) {
    const share = entry.sessions / total;
    if (entry.covered || entry.sessions < GAP_MIN_SESSIONS || share < GAP_MIN_SHARE) continue;
    drafts.push({
      fingerprint: `coverage_gap:${template}`,
      kind: "coverage_gap",
      severity: share >= GAP_MEDIUM_SHARE ? "medium" : "low",
      title: `No flow visits ${template}, seen in ${pct(share)} of sessions`,
      body: `${entry.sessions.toLocaleString("en-US")} of ${report.sessions.toLocaleString("en-US")} production sessions opened ${template} (e.g. ${entry.example}); no flow in .perceo/flows goes there.`,
      suggestedAction: `Add a flow that opens ${entry.example} and does what visitors come there for.`,
    });
  }
  return drafts;
}

/** One insight per change whose newest checkpoint says it made things worse. */
export function regressionInsights(
  records: readonly CheckpointRecord[],
  changes: readonly TrackedChange[],
): InsightDraft[] {
  const newest = new Map<string, CheckpointRecord>();
  for (const r of records) {
    const seen = newest.get(r.changeId);
    if (!seen || r.horizonDays > seen.horizonDays) newest.set(r.changeId, r);
  }
  const drafts: InsightDraft[] = [];
  for (const record of newest.values()) {
    if (record.verdict !== "worsened") continue;
    const tracked = changes.find((c) => c.change.id === record.changeId);
    const element = tracked?.change.element ?? "a change";
    const page = tracked ? pageLabel(tracked) : "its page";
    const worse = record.assessment.comparisons.filter((c) => c.outcome === "regressed");
    drafts.push({
      fingerprint: `analytics:regression:${record.changeId}`,
      kind: "analytics",
      severity: worse.some((c) => c.metric === "flow_conversion") ? "high" : "medium",
      title: `${element} on ${page} regressed ${worse.map((c) => c.metric.replace("_", " ")).join(" and ") || "its metrics"}`,
      body: `${record.horizonDays}-day checkpoint, ${record.assessment.before.from}…${record.assessment.after.to}:\n${record.assessment.reasons.map((r) => `- ${r}`).join("\n")}`,
      suggestedAction: `Review the change to ${element}${tracked?.change.before ? ` ("${tracked.change.before}" → "${tracked.change.after ?? ""}")` : ""} and revert it or test a fix.`,
    });
  }
  return drafts;
}

/** Writes drafts through the Store (idempotent by fingerprint); the action ends the body. */
export async function recordInsights(
  store: Store,
  projectId: string,
  drafts: readonly InsightDraft[],
): Promise<Insight[]> {
  const insights: Insight[] = [];
  for (const { suggestedAction, ...draft } of drafts) {
    insights.push(
      await store.upsertInsight({
        ...draft,
        projectId,
        title: draft.title.slice(0, 300),
        body: `${draft.body ?? ""}\n\nSuggested action: ${suggestedAction}`.trim(),
      }),
    );
  }
  return insights;
}

/** A page as the team named it under `pages:`, else its path: never a host (ports come and go). */
function pageLabel(tracked: TrackedChange): string {
  return tracked.pageName ?? splitUrl(tracked.pageUrl).path;
}

function sum(days: ReadonlyArray<{ entered: number; completed: number }>) {
  return days.reduce((s, d) => ({ entered: s.entered + d.entered, completed: s.completed + d.completed }), {
    entered: 0,
    completed: 0,
  });
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
