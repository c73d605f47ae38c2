import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ShopResponse } from "./responses.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

export const PUBLIC_DIR = path.join(import.meta.dirname, "..", "..", "public");

/**
 * Serves a file under `public/` for a `/public/...` path, or returns undefined when there is none.
 * Files are revalidated by ETag after an hour, so a changed stylesheet shows up without a restart.
 */
export async function serveStatic(
  urlPath: string,
  ifNoneMatch: string | undefined,
): Promise<ShopResponse | undefined> {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath.replace(/^\/public\//, ""));
  } catch {
    return undefined;
  }
  const file = path.resolve(PUBLIC_DIR, relative);
  if (!file.startsWith(PUBLIC_DIR + path.sep)) return undefined;
  const contentType = CONTENT_TYPES[path.extname(file).toLowerCase()];
  if (!contentType) return undefined;
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return undefined;
  }
  const etag = `"${createHash("sha1").update(body).digest("base64url").slice(0, 16)}"`;
  const headers = {
    "content-type": contentType,
    "cache-control": "public, max-age=3600, must-revalidate",
    etag,
  };
  if (ifNoneMatch === etag) return { status: 304, headers, body: "" };
  return { status: 200, headers, body };
}
