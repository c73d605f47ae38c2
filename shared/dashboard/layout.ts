import { escapeHtml as e } from "../report/index.ts";
import { projectPath, trimBase } from "./paths.ts";

export interface PageFrame {
  base: string;
  title: string;
  /** The project the page is about: adds its navigation. */
  project?: string;
  /** Which tab of the project's navigation is current. */
  current?: "overview" | "runs" | "deploys" | "weekly";
  login: string | null;
  /** Scripts under `<base>/assets/`, loaded as files (the CSP allows no inline script). */
  scripts?: string[];
  /** Echoed by the review viewer's requests; forms carry it in a hidden field too. */
  csrfToken?: string | null;
  body: string;
}

/** The page every dashboard view sits in. Everything interpolated into `body` is escaped by its renderer. */
export function renderPage(frame: PageFrame): string {
  const base = trimBase(frame.base);
  const scripts = (frame.scripts ?? [])
    .map((s) => `<script src="${e(`${base}/assets/${s}`)}" defer></script>`)
    .join("");
  const csrf = frame.csrfToken ? `<meta name="perceo-csrf" content="${e(frame.csrfToken)}">` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(frame.title)} · Perceo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${e(`${base}/assets/dashboard.css`)}">${csrf}${scripts}
</head>
<body>
<header class="top">
  <a class="brand" href="${e(`${base}/`)}">Perceo</a>
  ${frame.project ? projectNav(base, frame.project, frame.current) : ""}
  <span class="who">${frame.login ? `Signed in as ${e(frame.login)}` : "Local dashboard"}</span>
</header>
<main>
${frame.body}
</main>
</body>
</html>
`;
}

function projectNav(base: string, project: string, current: PageFrame["current"]): string {
  const root = projectPath(base, project);
  const tab = (id: NonNullable<PageFrame["current"]>, href: string, label: string) =>
    `<a href="${e(href)}"${current === id ? ' aria-current="page"' : ""}>${label}</a>`;
  return `<nav aria-label="Project"><span class="project">${e(project)}</span>${tab("overview", root, "Overview")}${tab(
    "deploys",
    `${root}/deploys`,
    "Deploys",
  )}${tab("weekly", `${root}/weekly`, "Weekly scans")}</nav>`;
}

export function csrfField(token: string | null): string {
  return token ? `<input type="hidden" name="csrf" value="${e(token)}">` : "";
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${Math.round(value * 1000) / 10}%`;
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 7) : "—";
}

export function utcTime(iso: string | null | undefined): string {
  return iso ? `${iso.replace("T", " ").slice(0, 16)} UTC` : "—";
}

export function statusBadge(status: string): string {
  return `<span class="badge ${e(status)}">${e(status)}</span>`;
}

export function errorPage(base: string, status: number, message: string, login: string | null): string {
  return renderPage({
    base,
    title: status === 404 ? "Not found" : "Error",
    login,
    body: `<h1>${status === 404 ? "Not found" : `Error ${status}`}</h1><p>${e(message)}</p>`,
  });
}
