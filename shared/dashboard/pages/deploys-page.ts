import { escapeHtml as e } from "../../report/index.ts";
import type { ChangeCheckpoint, ChangeLifecycleEvent } from "../../store/index.ts";
import { renderPage, statusBadge, utcTime } from "../layout.ts";
import type { PageContext } from "../page-context.ts";

const CHANGES_SHOWN = 100;

/**
 * What deploys changed on the live pages, element by element: each detected change with its status
 * (watching → validated / regressed / inconclusive / reverted), its checkpoints at 7…90 days and the
 * history of its status (Loupe's timeline).
 */
export async function renderDeploysPage(ctx: PageContext): Promise<string> {
  const changes = await ctx.store.listDetectedChanges(ctx.project.id, { limit: CHANGES_SHOWN });
  const checkpoints = await ctx.store.listChangeCheckpoints(changes.map((c) => c.id));
  const byChange = new Map<string, ChangeCheckpoint[]>();
  for (const cp of checkpoints) byChange.set(cp.changeId, [...(byChange.get(cp.changeId) ?? []), cp]);
  const events = new Map<string, ChangeLifecycleEvent[]>();
  for (const change of changes) events.set(change.id, await ctx.store.listChangeEvents(change.id));
  const rows = changes
    .map((c) => {
      const cps = (byChange.get(c.id) ?? [])
        .sort((a, b) => a.horizonDays - b.horizonDays)
        .map((cp) => `<li>${cp.horizonDays} days: ${statusBadge(cp.verdict)}</li>`)
        .join("");
      const history = (events.get(c.id) ?? [])
        .map(
          (ev) =>
            `<li>${utcTime(ev.occurredAt)}: ${ev.fromStatus ? `${e(ev.fromStatus)} → ` : ""}${e(ev.toStatus)}${
              ev.reason ? ` — ${e(ev.reason)}` : ""
            }${ev.actor ? ` (${e(ev.actor)})` : ""}</li>`,
        )
        .join("");
      return `<tr><td>${e(c.firstDetectedDate)}</td><th scope="row"><code>${e(c.element)}</code></th><td>${e(c.kind)}</td><td class="text">${e(
        c.before ?? "—",
      )}</td><td class="text">${e(c.after ?? "—")}</td><td>${statusBadge(c.status)}</td><td>${
        cps ? `<ul class="checkpoints">${cps}</ul>` : "—"
      }</td><td>${history ? `<details><summary>history</summary><ul>${history}</ul></details>` : "—"}</td></tr>`;
    })
    .join("");
  const body = changes.length
    ? `<h1>Deploys · detected changes</h1><table class="changes-table"><thead><tr><th scope="col">First seen</th><th scope="col">Element</th><th scope="col">Kind</th><th scope="col">Before</th><th scope="col">After</th><th scope="col">Status</th><th scope="col">Checkpoints</th><th scope="col">Timeline</th></tr></thead><tbody>${rows}</tbody></table>`
    : "<h1>Deploys · detected changes</h1><p>No changes detected on deploys yet: the App compares the live pages after each deploy.</p>";
  return renderPage({
    base: ctx.basePath,
    title: `Deploys · ${ctx.project.fullName}`,
    project: ctx.project.fullName,
    current: "deploys",
    login: ctx.viewer.login,
    body,
  });
}
