import { escapeHtml as e } from "../../report/index.ts";
import type { Store } from "../../store/index.ts";
import { renderPage, utcTime } from "../layout.ts";
import { projectPath } from "../paths.ts";
import type { Viewer } from "../viewer.ts";

/** Every project the viewer can read: those with recorded runs and those the App is installed on. */
export async function renderProjectsPage(
  ctx: { store: Store; basePath: string },
  viewer: Viewer,
): Promise<string> {
  const runs = await ctx.store.listRuns({ limit: 500 });
  const latest = new Map<string, string>();
  for (const run of runs) if (!latest.has(run.project)) latest.set(run.project, run.startedAt);
  for (const p of await ctx.store.listInstalledProjects())
    if (!latest.has(p.fullName)) latest.set(p.fullName, "");
  const visible: Array<[string, string]> = [];
  for (const [name, at] of latest) if (await viewer.canRead(name)) visible.push([name, at]);
  visible.sort((a, b) => a[0].localeCompare(b[0]));
  const rows = visible
    .map(
      ([name, at]) =>
        `<tr><td><a href="${e(projectPath(ctx.basePath, name))}">${e(name)}</a></td><td>${at ? utcTime(at) : "no runs yet"}</td></tr>`,
    )
    .join("");
  const body = visible.length
    ? `<h1>Projects</h1><table><thead><tr><th scope="col">Project</th><th scope="col">Last run</th></tr></thead><tbody>${rows}</tbody></table>`
    : "<h1>Projects</h1><p>No projects yet: <code>perceo run</code> (or <code>perceo demo</code>) records one.</p>";
  return renderPage({ base: ctx.basePath, title: "Projects", login: viewer.login, body });
}
