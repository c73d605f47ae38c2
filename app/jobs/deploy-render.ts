import type { CheckRunResult } from "../github/check-run.ts";
import { plainText } from "../impact/markdown.ts";

export const DEPLOY_CHECK = "Perceo / Deploy";

export interface ViewportShot {
  viewport: "desktop" | "mobile";
  /** Links to Perceo's own artifact route; absent when the App has no public URL. */
  before?: string;
  after?: string;
  diff?: string;
  changedPixels?: number;
}

export interface PageChange {
  element: string;
  kind: string;
  before: string | null;
  after: string | null;
  viewports: string[];
  /** One line from the vision pass, when it ran. */
  description?: string;
  /** True when an earlier deploy already recorded it (still watching). */
  known?: boolean;
}

export interface PageReport {
  name: string;
  url: string;
  reason: string;
  outcome: "baseline" | "compared" | "failed";
  baselineSha?: string;
  shots: ViewportShot[];
  changes: PageChange[];
  reverted: Array<{ element: string; before: string | null }>;
  error?: string;
}

export interface DeployReport {
  sha: string;
  environmentUrl?: string;
  changedFiles?: number;
  pages: PageReport[];
  /** Names of pages no changed file can reach. */
  skipped: string[];
  /** Set when the deploy could not be diffed at all (no config, invalid config). */
  note?: string;
}

const MAX_CELL = 120;

/** The `Perceo / Deploy` check run: one before/after table per captured page, diff images, reverts. */
export function renderDeployCheck(report: DeployReport): CheckRunResult {
  const short = report.sha.slice(0, 7);
  if (report.note) return { conclusion: "neutral", title: "No page captured", summary: report.note };
  if (report.pages.length === 0) {
    const files = report.changedFiles ?? 0;
    return {
      conclusion: "success",
      title: "Backend-only deploy: no page captured",
      summary: [
        `${files} changed file${files === 1 ? "" : "s"} in ${short}, none of which can change a monitored page, so nothing was captured.`,
        report.skipped.length ? `\nNot captured: ${report.skipped.map(plainText).join(", ")}.` : "",
      ].join(""),
    };
  }
  const newChanges = report.pages.flatMap((p) => p.changes.filter((c) => !c.known));
  const failed = report.pages.filter((p) => p.outcome === "failed");
  const baselines = report.pages.filter((p) => p.outcome === "baseline");
  const reverted = report.pages.reduce((n, p) => n + p.reverted.length, 0);
  const title = [
    newChanges.length > 0
      ? `${newChanges.length} change${newChanges.length === 1 ? "" : "s"} detected`
      : baselines.length === report.pages.length
        ? `Baselines set for ${baselines.length} page${baselines.length === 1 ? "" : "s"}`
        : "No visible changes",
    reverted > 0 ? `${reverted} reverted` : "",
    failed.length > 0 ? `${failed.length} page${failed.length === 1 ? "" : "s"} failed` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const sections = report.pages.map(renderPage);
  if (report.skipped.length)
    sections.push(
      `Not captured (no changed file reaches them): ${report.skipped.map(plainText).join(", ")}.`,
    );
  return {
    conclusion: failed.length > 0 ? "neutral" : "success",
    title,
    summary: `Deploy of ${short}${report.environmentUrl ? ` to ${plainText(report.environmentUrl)}` : ""}: ${title.toLowerCase()}.`,
    text: sections.join("\n\n"),
  };
}

function renderPage(page: PageReport): string {
  const lines = [`### ${plainText(page.name)}`, "", `${plainText(page.url)} — ${plainText(page.reason)}`, ""];
  if (page.outcome === "failed") {
    lines.push(`Capture failed: ${plainText(page.error ?? "unknown error")}`);
    return lines.join("\n");
  }
  if (page.outcome === "baseline") {
    lines.push("No baseline yet (or older than 14 days): this capture is the page's baseline now.");
  } else if (page.changes.length === 0) {
    lines.push(
      `No visible change against the baseline of ${page.baselineSha?.slice(0, 7) ?? "an earlier capture"}.`,
    );
  } else {
    lines.push(
      `Against the baseline of ${page.baselineSha?.slice(0, 7) ?? "an earlier capture"}:`,
      "",
      "| Element | Before | After | Where |",
      "|---|---|---|---|",
      ...page.changes.map(
        (c) =>
          `| ${cell(c.element)}${c.description ? `<br>${cell(c.description)}` : ""} | ${value(c.before)} | ${value(c.after)} | ${c.viewports.join(", ")}${c.known ? " (seen before)" : ""} |`,
      ),
    );
  }
  for (const r of page.reverted)
    lines.push("", `Reverted: ${cell(r.element)} shows ${value(r.before)} again.`);
  const images = page.shots.filter((s) => s.after);
  if (images.length > 0) {
    lines.push("", "| Viewport | Before | After | Diff |", "|---|---|---|---|");
    for (const s of images) {
      lines.push(
        `| ${s.viewport} | ${link("before", s.before)} | ${link("after", s.after)} | ${s.diff ? `[![diff](${s.diff})](${s.diff})` : "—"} |`,
      );
    }
  }
  return lines.join("\n");
}

function cell(text: string): string {
  return plainText(text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text);
}

function value(text: string | null): string {
  return text === null || text === "" ? "—" : `“${cell(text)}”`;
}

/** Only URLs the job built from the App's own artifact route reach here. */
function link(label: string, url: string | undefined): string {
  return url ? `[${label}](${url})` : "—";
}
