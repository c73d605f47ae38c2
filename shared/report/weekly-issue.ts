import type { AnalyticsSource } from "../analytics/index.ts";
import type { ChangeCheckpoint, FlowHealth } from "../store/index.ts";
import { groupFindings, type PageFinding, type WeeklyReport } from "../weekly/index.ts";
import { formatBytes, formatDuration, pluralize } from "./format.ts";
import { inlineCode, plainText } from "./untrusted-markdown.ts";

export const WEEKLY_MARKER = "<!-- perceo:weekly-scan -->";
export const FINDING_MARKER = "<!-- perceo:finding -->";
const IMPACT_LABEL = { high: "🔴 High", medium: "🟠 Medium", low: "🟡 Low" } as const;
const STATUS_LABEL = {
  watching: "👀 watching",
  validated: "✅ validated",
  regressed: "📉 regressed",
  inconclusive: "❔ inconclusive",
  reverted: "↩️ reverted",
} as const;
const VERDICT_LABEL = {
  improved: "improved",
  worsened: "worsened",
  neutral: "neutral",
  insufficient_data: "too little data",
} as const;
const SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"] as const;

/** The weekly issue's body: summary first, then changes, findings, flow health, gaps and insights. */
export function renderWeeklyIssue(report: WeeklyReport, options: { findingComments?: number } = {}): string {
  const lines: string[] = [WEEKLY_MARKER, ""];
  lines.push(...summary(report), "");
  lines.push(...changes(report), "");
  lines.push(...findings(report, options.findingComments ?? 0), "");
  lines.push(...flowHealth(report), "");
  lines.push(...production(report));
  lines.push(...outcomes(report));
  lines.push(...coverageGaps(report), "");
  lines.push(...insights(report), "");
  lines.push("---");
  lines.push(
    `<sub>Perceo scanned ${pluralize(report.pages.length, "page")} on desktop (1280 px) and mobile (390 px)${report.vision === "on" ? " and asked Claude to look at them" : ""}. Next scan next week; this issue closes then.</sub>`,
  );
  return `${lines.join("\n").replace(/\n{3,}/g, "\n\n")}\n`;
}

/**
 * One finding as its own comment, so a 👍 or 👎 says which finding it is about; `pages` names every
 * page it was found on when there are several.
 */
export function renderFindingComment(
  finding: PageFinding & { timesSuggested: number },
  pages: ReadonlyArray<Pick<PageFinding, "pageName" | "suggestion">> = [finding],
): string {
  return [
    `${FINDING_MARKER}`,
    `**${IMPACT_LABEL[finding.impact]}** · ${pages.map((p) => plainText(p.pageName)).join(", ")} · ${checkName(finding)}`,
    "",
    `${inlineCode(finding.element)} — ${inlineCode(finding.current, 200)}`,
    "",
    `**Suggestion:** ${suggestionOf(pages)}${predicted(finding)}`,
    ...(finding.timesSuggested > 1
      ? ["", `_Suggested ${ordinal(finding.timesSuggested)} week in a row._`]
      : []),
    "",
    "<sub>👍 worth fixing · 👎 not useful: Perceo stops raising it until the page changes.</sub>",
  ].join("\n");
}

function summary(report: WeeklyReport): string[] {
  const lines = [`## Summary`, ""];
  const week = `${formatDay(report.since)} – ${formatDay(shift(report.until, -1))}`;
  lines.push(`**${plainText(report.project)}**, week of ${week}.`, "");
  const groups = groupFindings(report.findings);
  const high = groups.filter((g) => g.finding.impact === "high");
  const failedPages = report.pages.filter((p) => p.error);
  if (report.pages.length === 0) {
    lines.push("- **No pages to scan:** list your live pages under `pages:` in `.perceo/config.yml`.");
  } else {
    const where = [...new Set(high.flatMap((g) => g.pages.map((f) => plainText(f.pageName))))].join(", ");
    lines.push(
      `- **${pluralize(groups.length, "finding")}** on ${pluralize(report.pages.length - failedPages.length, "page")}${high.length > 0 ? `, ${high.length} of high impact (${where})` : ""}.${report.hiddenByFeedback > 0 ? ` ${report.hiddenByFeedback} hidden after a 👎.` : ""}`,
    );
  }
  if (failedPages.length > 0) {
    lines.push(
      `- ⚠️ **${pluralize(failedPages.length, "page")} could not be scanned:** ${failedPages.map((p) => plainText(p.name)).join(", ")}.`,
    );
  }
  if (report.addressed.length > 0) {
    lines.push(
      `- ✅ **${pluralize(report.addressed.length, "earlier suggestion")} fixed:** no longer found this week.`,
    );
  }
  lines.push(...changesSummary(report));
  const ran = report.flowHealth.filter((f) => f.passRate !== null);
  if (ran.length === 0) {
    lines.push("- **No flow runs** recorded this week.");
  } else {
    const failing = ran.filter((f) => f.failed > 0);
    const flaky = ran.filter((f) => f.flaky > 0);
    const clean = ran.length - new Set([...failing, ...flaky].map((f) => f.flowName)).size;
    lines.push(
      `- **Flows:** ${clean} of ${ran.length} passed every run${failing.length ? `; failing: ${failing.map((f) => inlineCode(f.flowName)).join(", ")}` : ""}${flaky.length ? `; flaky: ${flaky.map((f) => inlineCode(f.flowName)).join(", ")}` : ""}.`,
    );
  }
  if (report.analytics.state === "read") {
    const worst = [...report.analytics.productionFlows]
      .filter((f) => f.successRate !== null && f.entered >= 50 && f.steps.length >= 2)
      .sort((a, b) => (a.successRate ?? 0) - (b.successRate ?? 0))[0];
    lines.push(
      `- **Production** (${sourceName(report.analytics.source)}): ${worst ? `lowest success ${inlineCode(worst.flow)} at ${pct(worst.successRate ?? 0)} of ${worst.entered.toLocaleString("en-US")} sessions` : "no flow had enough sessions to judge"}; ${pluralize(report.coverageGaps.length, "coverage gap")}.`,
    );
  } else if (report.analytics.state === "failed") {
    lines.push(
      `- ⚠️ **${sourceName(report.analytics.source)} could not be read:** ${plainText(report.analytics.error)}`,
    );
  } else {
    lines.push(
      "- **Analytics off:** add `analytics:` to `.perceo/config.yml` to see whether changes helped real users.",
    );
  }
  lines.push(...outcomesSummary(report));
  const top = [...report.insights].sort(
    (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity),
  )[0];
  if (top) {
    lines.push(
      `- **${pluralize(report.insights.length, "open insight")}**, the most pressing (${top.severity}): ${plainText(top.title)}.`,
    );
  }
  return lines;
}

/** What appeared this week, apart from older changes whose measurement goes on. */
function splitChanges(report: WeeklyReport) {
  const fresh = report.changes.filter((c) => c.change.firstDetectedDate >= report.since);
  const earlier = report.changes.filter((c) => c.change.firstDetectedDate < report.since);
  return { fresh, earlier };
}

function changesSummary(report: WeeklyReport): string[] {
  const { fresh, earlier } = splitChanges(report);
  const lines = [
    report.changes.length === 0
      ? "- **No changes detected** on your pages this week."
      : fresh.length === 0
        ? "- **No new changes** on your pages this week."
        : `- **${pluralize(fresh.length, "new change")}** on your pages this week${verdicts(fresh) || ", being measured from now on"}.`,
  ];
  if (earlier.length > 0) {
    lines.push(
      `- **${pluralize(earlier.length, "earlier change")}** being measured${verdicts(earlier) || ": no verdict yet"}.`,
    );
  }
  return lines;
}

function verdicts(changes: WeeklyReport["changes"]): string {
  const count = (status: string) => changes.filter((c) => c.change.status === status).length;
  const said = [
    count("validated") ? `${count("validated")} helped` : "",
    count("regressed") ? `${count("regressed")} hurt` : "",
    count("inconclusive") ? `${count("inconclusive")} inconclusive` : "",
    count("watching") && count("watching") < changes.length ? `${count("watching")} still watched` : "",
  ].filter(Boolean);
  return said.length ? `: ${said.join(", ")}` : "";
}

// Older changes listed in full; the rest are counted.
const EARLIER_CHANGES_SHOWN = 20;

function changes(report: WeeklyReport): string[] {
  const lines = ["## Changes of the week", ""];
  if (report.changes.length === 0) return [...lines, "Nothing changed on the watched pages since last week."];
  const { fresh, earlier } = splitChanges(report);
  lines.push(`### New this week (${fresh.length})`, "");
  if (fresh.length === 0) lines.push("Nothing new changed on the watched pages.");
  else lines.push(...changeTable(fresh));
  if (earlier.length > 0) {
    lines.push(
      "",
      `### Earlier changes being measured (${earlier.length})`,
      "",
      "Changes from before this week: a checkpoint landed this week, or more are to come.",
      "",
      ...changeTable(earlier.slice(0, EARLIER_CHANGES_SHOWN)),
    );
    if (earlier.length > EARLIER_CHANGES_SHOWN)
      lines.push("", `…and ${earlier.length - EARLIER_CHANGES_SHOWN} more.`);
  }
  lines.push(
    "",
    "<sub>Each change is measured 7, 14, 30, 60 and 90 days after it appeared, on equal windows before and after.</sub>",
  );
  return lines;
}

function changeTable(rows: WeeklyReport["changes"]): string[] {
  const lines = ["| Page | Change | Seen | Status | Checkpoints |", "|---|---|---|---|---|"];
  for (const { change, pageName, checkpoints } of rows) {
    const what =
      change.before && change.after
        ? `${plainText(change.element)}: ${inlineCode(change.before, 60)} → ${inlineCode(change.after, 60)}`
        : `${plainText(change.element)} ${change.kind === "removed" ? "removed" : change.kind === "added" ? "added" : `(${change.kind})`}`;
    lines.push(
      `| ${plainText(pageName)} | ${what} | ${formatDay(change.firstDetectedDate)} | ${STATUS_LABEL[change.status]} | ${checkpointCell(checkpoints, change.firstDetectedDate)} |`,
    );
  }
  return lines;
}

function checkpointCell(checkpoints: readonly ChangeCheckpoint[], firstDetected: string): string {
  if (checkpoints.length === 0) return `first at ${formatDay(shift(firstDetected, 8))}`;
  return [...checkpoints]
    .sort((a, b) => a.horizonDays - b.horizonDays)
    .map((c) => `${c.horizonDays} d ${VERDICT_LABEL[c.verdict]}`)
    .join(", ");
}

function findings(report: WeeklyReport, commented: number): string[] {
  const lines = ["## Audit findings", ""];
  if (report.findings.length === 0) {
    return [
      ...lines,
      report.pages.length === 0 ? "No pages configured." : "Nothing to fix on the scanned pages. 🎉",
    ];
  }
  const groups = groupFindings(report.findings);
  for (const impact of ["high", "medium", "low"] as const) {
    const group = groups.filter((g) => g.finding.impact === impact);
    if (group.length === 0) continue;
    lines.push(`### ${IMPACT_LABEL[impact]} impact (${group.length})`, "");
    for (const { finding: f, pages } of group) {
      const weeks = Math.max(...pages.map((p) => p.timesSuggested));
      const repeat = weeks > 1 ? ` _(${ordinal(weeks)} week)_` : "";
      lines.push(
        `- **${pages.map((p) => plainText(p.pageName)).join(", ")}** · ${checkName(f)}${f.viewport ? ` (${f.viewport})` : ""}: ${inlineCode(f.element, 80)} — ${inlineCode(f.current, 140)}. ${suggestionOf(pages)}${predicted(f)}${repeat}`,
      );
    }
    lines.push("");
  }
  if (commented > 0) {
    lines.push(
      `<sub>The ${commented === report.findings.length ? "" : `${commented} most important `}findings are also posted as comments below: react 👍 or 👎 there to tune next week's scan.</sub>`,
    );
  }
  const pages = report.pages.filter((p) => !p.error && p.loadMs !== undefined);
  if (pages.length > 0) {
    lines.push(
      "",
      "<details><summary>Pages scanned</summary>",
      "",
      "| Page | Findings | Load (desktop) | Transferred |",
      "|---|---|---|---|",
    );
    for (const p of report.pages) {
      lines.push(
        `| ${plainText(p.name)} | ${p.error ? `⚠️ ${plainText(p.error.slice(0, 120))}` : p.findings} | ${p.loadMs !== undefined ? formatDuration(p.loadMs) : "–"} | ${p.transferBytes !== undefined ? formatBytes(p.transferBytes) : "–"} |`,
      );
    }
    lines.push("", "</details>");
  }
  return lines;
}

function flowHealth(report: WeeklyReport): string[] {
  const lines = ["## Flow health (last 7 days)", ""];
  const ran = report.flowHealth.filter((f) => f.passRate !== null);
  if (ran.length === 0)
    return [...lines, "No flow runs were recorded this week: is the Perceo Action in your CI?"];
  const sorted = [...ran].sort(
    (a, b) => (a.passRate ?? 0) - (b.passRate ?? 0) || a.flowName.localeCompare(b.flowName),
  );
  const slowest = [...ran]
    .filter((f) => f.medianDurationMs !== null)
    .sort((a, b) => (b.medianDurationMs ?? 0) - (a.medianDurationMs ?? 0))
    .slice(0, 3);
  // Failing, flaky and the slowest flows in view; the all-green rest folded away.
  const attention = (f: FlowHealth) => (f.failed > 0 ? 0 : f.flaky > 0 ? 1 : (f.passRate ?? 0) < 1 ? 2 : 3);
  const shown = sorted
    .filter((f) => attention(f) < 3 || slowest.includes(f))
    .sort((a, b) => attention(a) - attention(b) || (b.medianDurationMs ?? 0) - (a.medianDurationMs ?? 0));
  const green = sorted.filter((f) => !shown.includes(f));
  lines.push(...flowTable(shown, slowest));
  if (green.length > 0) {
    lines.push(
      "",
      `<details><summary>${pluralize(green.length, "more flow")} passed every run</summary>`,
      "",
      ...flowTable(green, slowest),
      "",
      "</details>",
    );
  }
  if (slowest.length > 0) {
    lines.push(
      "",
      `Slowest: ${slowest.map((f) => `${inlineCode(f.flowName)} ${formatDuration(f.medianDurationMs ?? 0)} median (${formatDuration(f.maxDurationMs ?? 0)} at worst)`).join(", ")}.`,
    );
  }
  return lines;
}

function flowTable(flows: readonly FlowHealth[], slowest: readonly FlowHealth[]): string[] {
  const lines = [
    "| Flow | Runs | Pass rate | Flaky | Failed | Median time |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const f of flows) {
    const mark = f.failed > 0 ? "❌ " : f.flaky > 0 ? "⚠️ " : slowest.includes(f) ? "🐢 " : "";
    lines.push(
      `| ${mark}${inlineCode(f.flowName)} | ${f.runs} | ${pct(f.passRate ?? 0)} | ${f.flaky} | ${f.failed} | ${f.medianDurationMs === null ? "–" : formatDuration(f.medianDurationMs)} |`,
    );
  }
  return lines;
}

function production(report: WeeklyReport): string[] {
  if (report.analytics.state !== "read") return [];
  // A one-page flow "succeeds" by being entered: only funnels of two or more steps say something.
  const flows = report.analytics.productionFlows.filter((f) => f.entered > 0 && f.steps.length >= 2);
  if (flows.length === 0) return [];
  const lines = [`## Flows in production (${sourceName(report.analytics.source)})`, ""];
  lines.push(
    "| Flow | Sessions | Success | Daily users | Median time | Most stop before | Mobile vs desktop |",
    "|---|---:|---:|---:|---:|---|---|",
  );
  for (const f of [...flows].sort((a, b) => b.entered - a.entered)) {
    const mobile = f.devices.mobile.successRate;
    const desktop = f.devices.desktop.successRate;
    lines.push(
      `| ${inlineCode(f.flow)} | ${f.entered.toLocaleString("en-US")} | ${f.successRate === null ? "–" : pct(f.successRate)} | ${Math.round(f.dailyUsers).toLocaleString("en-US")} | ${f.medianDurationMs === null ? "–" : formatDuration(f.medianDurationMs)} | ${f.topExitStep ? inlineCode(f.topExitStep.step, 60) : "–"} | ${mobile === null || desktop === null ? "–" : `${pct(mobile)} vs ${pct(desktop)}`} |`,
    );
  }
  lines.push("");
  return lines;
}

const DATABASE_NAME = { postgres: "PostgreSQL", supabase: "Supabase" } as const;

function outcomesSummary(report: WeeklyReport): string[] {
  const o = report.outcomes;
  if (o.state === "off") return [];
  if (o.state === "failed") {
    return [`- ⚠️ **Outcomes in ${DATABASE_NAME[o.database]} could not be counted:** ${plainText(o.error)}`];
  }
  const weeks = o.weeks.map(
    (w) => `${count(w.thisWeek)} ${plainText(w.name)} (${count(w.weekBefore)} the week before)`,
  );
  return [`- **Outcomes** (${DATABASE_NAME[o.database]}): ${weeks.join(", ")}.`];
}

function outcomes(report: WeeklyReport): string[] {
  const o = report.outcomes;
  if (o.state !== "read") return [];
  const lines = [`## Outcomes (${DATABASE_NAME[o.database]})`, ""];
  lines.push("| Outcome | This week | Week before | Change |", "|---|---:|---:|---:|");
  for (const w of o.weeks) {
    const change = w.weekBefore === 0 ? "–" : signedPct((w.thisWeek - w.weekBefore) / w.weekBefore);
    lines.push(`| ${plainText(w.name)} | ${count(w.thisWeek)} | ${count(w.weekBefore)} | ${change} |`);
  }
  if (o.checkpoints.length > 0) {
    lines.push("", "At this week's checkpoints:", "");
    for (const c of o.checkpoints) {
      const [first, ...rest] = c.outcomes;
      if (!first) continue;
      // "41 signups in the 7 days after the change to …, 29 before", and the other tables after it.
      const others = rest
        .map((w) => `; ${count(w.after)} ${plainText(w.name)} (${count(w.before)} before)`)
        .join("");
      lines.push(
        `- ${count(first.after)} ${plainText(first.name)} in the ${c.horizonDays} days after the change to ${plainText(c.element)} on ${plainText(c.pageName)}, ${count(first.before)} before${others}.`,
      );
    }
  }
  lines.push(
    "",
    "<sub>Rows of your own tables per window, counted read-only; they come from the whole product, so they are shown beside each verdict, not folded into it.</sub>",
    "",
  );
  return lines;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

function signedPct(value: number): string {
  return `${value >= 0 ? "+" : ""}${(value * 100).toFixed(0)}%`;
}

function coverageGaps(report: WeeklyReport): string[] {
  const lines = ["## Coverage gaps", ""];
  if (report.analytics.state !== "read")
    return [...lines, "Connect analytics to see which pages real visitors use that no flow tests."];
  if (report.coverageGaps.length === 0)
    return [...lines, "Every page real visitors use often is visited by a flow."];
  for (const gap of report.coverageGaps.slice(0, 10))
    lines.push(`- **${gap.severity}** · ${plainText(gap.title)}. ${plainText(actionOf(gap.body))}`);
  return lines;
}

function insights(report: WeeklyReport): string[] {
  const lines = ["## Open insights", ""];
  if (report.insights.length === 0) return [...lines, "None."];
  const sorted = [...report.insights].sort(
    (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity),
  );
  for (const insight of sorted.slice(0, 15)) {
    lines.push(`- **${insight.severity}** · ${plainText(insight.title)}`);
    const body = insight.body.split("\n").filter((line) => line.trim() !== "");
    for (const line of body.slice(0, 6))
      lines.push(`  ${line.startsWith("- ") ? `- ${plainText(line.slice(2))}` : plainText(line)}`);
  }
  return lines;
}

/** One suggestion, or each page's own when what they measured differs (e.g. a contrast ratio). */
function suggestionOf(pages: ReadonlyArray<Pick<PageFinding, "pageName" | "suggestion">>): string {
  const bySuggestion = new Map<string, string[]>();
  for (const p of pages)
    bySuggestion.set(p.suggestion, [...(bySuggestion.get(p.suggestion) ?? []), p.pageName]);
  if (bySuggestion.size === 1) return plainText(pages[0]?.suggestion ?? "");
  return [...bySuggestion]
    .map(([suggestion, names]) => `${names.map(plainText).join(", ")}: ${plainText(suggestion)}`)
    .join(" ");
}

function actionOf(body: string): string {
  const match = body.match(/Suggested action: (.*)$/s);
  return (match?.[1] ?? "").trim();
}

function checkName(finding: PageFinding): string {
  const names: Record<PageFinding["check"], string> = {
    axe: "accessibility (axe)",
    title: "title",
    "meta-description": "meta description",
    "open-graph": "Open Graph",
    h1: "h1",
    "cta-above-fold": "call to action",
    "image-alt": "alt text",
    "broken-link": "broken link",
    "console-error": "console errors",
    "page-weight": "page weight",
    "load-time": "load time",
    vision: "Claude's review",
  };
  return names[finding.check];
}

function predicted(finding: PageFinding): string {
  if (!finding.predicted) return "";
  const arrow = finding.predicted.direction === "increase" ? "↑" : "↓";
  return ` _Expected: ${finding.predicted.metric.replaceAll("_", " ")} ${arrow}._`;
}

function ordinal(n: number): string {
  const suffix =
    n % 100 >= 11 && n % 100 <= 13
      ? "th"
      : (({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th");
  return `${n}${suffix}`;
}

function sourceName(source: AnalyticsSource): string {
  return { posthog: "PostHog", ga4: "GA4", mixpanel: "Mixpanel" }[source];
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function shift(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function formatDay(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString("en-GB", {
    day: "numeric",
    month: "short",
    timeZone: "UTC",
  });
}
