import type { Blobs, Project, Store } from "../store/index.ts";
import { projectPath } from "./paths.ts";
import type { Viewer } from "./viewer.ts";

/** What a page renderer is handed: the store, who is looking, and the project (already checked readable). */
export interface PageContext {
  store: Store;
  blobs: Blobs;
  basePath: string;
  viewer: Viewer;
  project: Project;
}

/**
 * The dashboard address of a stored object, or undefined for one outside the project's own folder
 * (`<project id>/…`): the dashboard serves a project's objects only under that project.
 */
export function objectUrl(
  ctx: { basePath: string; project: Project },
  bucket: "screenshots" | "traces",
  storagePath: string | null | undefined,
): string | undefined {
  const prefix = `${ctx.project.id}/`;
  if (!storagePath?.startsWith(prefix)) return undefined;
  const rest = storagePath.slice(prefix.length).split("/").map(encodeURIComponent).join("/");
  return `${projectPath(ctx.basePath, ctx.project.fullName)}/artifacts/${bucket}/${rest}`;
}
