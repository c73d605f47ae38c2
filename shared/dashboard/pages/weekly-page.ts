import { escapeHtml as e } from "../../report/index.ts";
import type { WeeklyScan } from "../../store/index.ts";
import { renderPage, statusBadge, utcTime } from "../layout.ts";
import type { PageContext } from "../page-context.ts";

const SCANS_SHOWN = 12;

/** The weekly scans that opened an issue, newest first, and the suggestions still open. */
export async function renderWeeklyPage(ctx: PageContext): Promise<string> {
  const scans: WeeklyScan[] = [];
  // The week after next: the newest scan, this week's included.
  let before = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
  while (scans.length < SCANS_SHOWN) {
    const scan = await ctx.store.previousWeeklyScan(ctx.project.id, before);
    if (!scan) break;
    scans.push(scan);
    before = scan.weekStart;
  }
  const suggestions = await ctx.store.listTrackedSuggestions(ctx.project.id, {
    status: ["open", "accepted"],
  });
  const repo = /^[^/]+\/[^/]+$/.test(ctx.project.fullName) ? ctx.project.fullName : undefined;
  const rows = scans
    .map((s) => {
      const issue =
        s.issueNumber && repo
          ? `<a href="https://github.com/${e(repo)}/issues/${s.issueNumber}">#${s.issueNumber}</a>`
          : s.issueNumber
            ? `#${s.issueNumber}`
            : "—";
      return `<tr><th scope="row">${e(s.weekStart)}</th><td>${statusBadge(s.status)}</td><td>${issue}</td><td>${utcTime(
        s.finishedAt,
      )}</td><td>${s.error ? e(s.error) : ""}</td></tr>`;
    })
    .join("");
  const suggestionItems = suggestions
    .map(
      (s) =>
        `<li>${s.impact ? `<span class="badge ${e(s.impact)}">${e(s.impact)}</span> ` : ""}<strong>${e(s.title)}</strong> <small>suggested ${s.timesSuggested}×</small>${
          s.body ? `<p>${e(s.body)}</p>` : ""
        }</li>`,
    )
    .join("");
  const body = `<h1>Weekly scans</h1>${
    scans.length
      ? `<table><thead><tr><th scope="col">Week of</th><th scope="col">Status</th><th scope="col">Issue</th><th scope="col">Finished</th><th scope="col">Error</th></tr></thead><tbody>${rows}</tbody></table>`
      : "<p>No weekly scan has opened an issue yet.</p>"
  }<h2>Open suggestions</h2>${suggestionItems ? `<ul class="insights">${suggestionItems}</ul>` : "<p>None open.</p>"}`;
  return renderPage({
    base: ctx.basePath,
    title: `Weekly scans · ${ctx.project.fullName}`,
    project: ctx.project.fullName,
    current: "weekly",
    login: ctx.viewer.login,
    body,
  });
}
