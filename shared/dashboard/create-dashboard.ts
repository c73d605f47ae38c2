import type { IncomingMessage, ServerResponse } from "node:http";
import type { Blobs, Project, Store } from "../store/index.ts";
import { ASSETS } from "./assets.ts";
import { DashboardError, readForm, redirect, send, sendHtml, sendJson, wantsJson } from "./http.ts";
import { errorPage } from "./layout.ts";
import { renderDeploysPage } from "./pages/deploys-page.ts";
import { renderOverviewPage } from "./pages/overview-page.ts";
import { renderProjectsPage } from "./pages/projects-page.ts";
import { renderReviewPage } from "./pages/review-page.ts";
import { renderRunPage } from "./pages/run-page.ts";
import { renderWeeklyPage } from "./pages/weekly-page.ts";
import { pullRequestReviewPath, trimBase } from "./paths.ts";
import { approveChanges, ignoreChanges, type ReviewAction, reviewDiffImage } from "./review.ts";
import type { ResolveViewer, Viewer } from "./viewer.ts";

export interface DashboardOptions {
  /** The full Store (runs, screenshots, baselines, predictions, deploys, weekly scans). */
  store: Store;
  /** Where screenshots live (`.perceo/blobs`, or Supabase Storage). */
  blobs: Blobs;
  /** The path the dashboard is mounted under: `""` locally, e.g. `/dashboard` in the App. */
  basePath: string;
  viewer: ResolveViewer;
  /**
   * Called after an approve or ignore was stored: the App updates the check run and the sticky
   * comment here, as the `/perceo approve` command does. Errors are logged by the host, not shown.
   */
  onReview?: (action: ReviewAction) => Promise<void>;
}

/** Resolves true when it answered the request, false for a path outside `basePath`. */
export type DashboardHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function createDashboard(options: DashboardOptions): DashboardHandler {
  const base = trimBase(options.basePath);
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://dashboard.invalid");
    const path = url.pathname;
    if (path !== base && !path.startsWith(`${base}/`)) return false;
    const segments = path
      .slice(base.length)
      .split("/")
      .filter((s) => s !== "");
    let viewer: Viewer | undefined;
    try {
      if (segments[0] === "assets" && segments.length === 2 && req.method === "GET") {
        const asset = ASSETS[segments[1] as string];
        if (!asset) throw new DashboardError(404, "no such file");
        send(res, 200, asset.type, asset.body, { "cache-control": "no-cache" });
        return true;
      }
      viewer = await options.viewer(req);
      await route({ ...options, basePath: base }, viewer, req, res, segments.map(decodeSegment));
    } catch (error) {
      const status = error instanceof DashboardError ? error.status : 500;
      const message =
        error instanceof DashboardError ? error.message : "the dashboard could not answer this request";
      if (status === 500) console.error("perceo dashboard:", error);
      if (res.headersSent) res.end();
      else if (wantsJson(req)) sendJson(res, status, { error: message });
      else sendHtml(res, status, errorPage(base, status, message, viewer?.login ?? null));
    }
    return true;
  };
}

type Context = DashboardOptions & { basePath: string };

async function route(
  ctx: Context,
  viewer: Viewer,
  req: IncomingMessage,
  res: ServerResponse,
  segments: string[],
): Promise<void> {
  const method = req.method ?? "GET";
  if (segments.length === 0) {
    allow(method, "GET");
    return sendHtml(res, 200, await renderProjectsPage(ctx, viewer));
  }
  if (segments[0] !== "projects" || segments[1] === undefined) throw new DashboardError(404, "no such page");
  const project = await readableProject(ctx.store, viewer, segments[1]);
  const [kind, id, ...rest] = segments.slice(2);
  const page = { ...ctx, viewer, project };

  if (kind === undefined) {
    allow(method, "GET");
    return sendHtml(res, 200, await renderOverviewPage(page));
  }
  if (kind === "runs" && id !== undefined && rest.length === 0) {
    allow(method, "GET");
    return sendHtml(res, 200, await renderRunPage(page, id));
  }
  if (kind === "artifacts" && rest.length >= 1 && id !== undefined) {
    // `<project>/artifacts/<bucket>/<object path>`: only objects under the project's own id.
    allow(method, "GET");
    return sendObject(ctx.blobs, res, project, id, rest);
  }
  if (kind === "deploys" && id === undefined) {
    allow(method, "GET");
    return sendHtml(res, 200, await renderDeploysPage(page));
  }
  if (kind === "weekly" && id === undefined) {
    allow(method, "GET");
    return sendHtml(res, 200, await renderWeeklyPage(page));
  }
  if (kind === "pulls" && id !== undefined) {
    const prNumber = Number(id);
    if (!Number.isSafeInteger(prNumber) || prNumber < 1)
      throw new DashboardError(404, "no such pull request");
    if (rest.length === 0) {
      allow(method, "GET");
      return sendHtml(res, 200, await renderReviewPage(page, prNumber));
    }
    if (rest[0] === "diffs" && rest.length === 2 && rest[1]?.endsWith(".png")) {
      allow(method, "GET");
      const png = await reviewDiffImage(ctx, project, prNumber, rest[1].slice(0, -4));
      if (!png) throw new DashboardError(404, "no diff for this screenshot");
      return send(res, 200, "image/png", png, { "cache-control": "private, max-age=300" });
    }
    if (rest.length === 1 && (rest[0] === "approve" || rest[0] === "ignore")) {
      allow(method, "POST");
      const form = await readForm(req);
      await assertMayWrite(viewer, project, form.csrf);
      const ids = (form.screenshots ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const input = {
        project,
        prNumber,
        actor: viewer.login ?? "local",
        screenshotIds: ids,
        all: form.all === "1",
      };
      const action =
        rest[0] === "approve" ? await approveChanges(ctx, input) : await ignoreChanges(ctx, input);
      if (action.screenshotIds.length > 0) await ctx.onReview?.(action);
      if (wantsJson(req)) return sendJson(res, 200, action);
      return redirect(res, pullRequestReviewPath(ctx.basePath, project.fullName, prNumber));
    }
  }
  throw new DashboardError(404, "no such page");
}

function allow(method: string, expected: "GET" | "POST"): void {
  if (method === expected || (expected === "GET" && method === "HEAD")) return;
  throw new DashboardError(405, `use ${expected} for this address`);
}

async function readableProject(store: Store, viewer: Viewer, fullName: string): Promise<Project> {
  // The same answer for a project that does not exist and one the viewer may not read.
  const readable = await viewer.canRead(fullName);
  const project = readable ? await store.getProject(fullName) : undefined;
  if (!project) throw new DashboardError(404, "no such project, or you cannot see it");
  return project;
}

async function assertMayWrite(viewer: Viewer, project: Project, csrf: string | undefined): Promise<void> {
  if (viewer.csrfToken !== null && csrf !== viewer.csrfToken)
    throw new DashboardError(
      403,
      "the form is stale or came from another site: reload the page and try again",
    );
  if (!(await viewer.canWrite(project.fullName)))
    throw new DashboardError(403, `approving needs write access to ${project.fullName}`);
}

async function sendObject(
  blobs: Blobs,
  res: ServerResponse,
  project: Project,
  bucket: string,
  rest: string[],
): Promise<void> {
  if (bucket !== "screenshots" && bucket !== "traces") throw new DashboardError(404, "no such file");
  const objectPath = [project.id, ...rest].join("/");
  let body: Uint8Array | undefined;
  try {
    body = await blobs.get(bucket, objectPath);
  } catch {
    // An invalid path (`..`, control characters) is refused by the blobs' own path rules.
    throw new DashboardError(404, "no such file");
  }
  if (!body) throw new DashboardError(404, "no such file");
  const type = objectPath.endsWith(".png") ? "image/png" : "application/zip";
  send(res, 200, type, body, {
    "cache-control": "private, max-age=300",
    ...(type === "application/zip"
      ? { "content-disposition": `attachment; filename="${objectPath.split("/").pop()?.replace(/"/g, "")}"` }
      : {}),
  });
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new DashboardError(404, "no such page");
  }
}
