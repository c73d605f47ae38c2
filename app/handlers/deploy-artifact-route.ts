import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Blobs, Bucket } from "../../shared/store/index.ts";

export const ARTIFACT_PATH = "/api/perceo/artifacts/";

/*
 * Check runs link to screenshots and diff images through this route, never to a third party. A link
 * is a capability: the object path signed with a key derived from the webhook secret, so a link
 * cannot be forged for another project's objects, and the bucket is always `screenshots`.
 */

export function artifactKey(webhookSecret: string): Buffer {
  return createHmac("sha256", webhookSecret).update("perceo artifact links v1").digest();
}

function sign(key: Buffer, bucket: Bucket, path: string): string {
  return createHmac("sha256", key).update(`${bucket}\n${path}`).digest("base64url").slice(0, 32);
}

/** The public link to one artifact: `<publicUrl>/api/perceo/artifacts/<signature>/<path>`. */
export function artifactLink(publicUrl: string, key: Buffer, bucket: Bucket, path: string): string {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return `${publicUrl.replace(/\/+$/, "")}${ARTIFACT_PATH}${sign(key, bucket, path)}/${encoded}`;
}

/** `GET /api/perceo/artifacts/<signature>/<path>`: a screenshot or diff image, when the signature fits. */
export function artifactRoute(options: { blobs: Blobs; key: Buffer }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = req.url?.split("?")[0] ?? "";
    if (!url.startsWith(ARTIFACT_PATH)) return false;
    const notFound = () => {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return true;
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return true;
    }
    const rest = url.slice(ARTIFACT_PATH.length);
    const slash = rest.indexOf("/");
    if (slash <= 0) return notFound();
    let path: string;
    try {
      path = rest
        .slice(slash + 1)
        .split("/")
        .map(decodeURIComponent)
        .join("/");
    } catch {
      return notFound();
    }
    const given = Buffer.from(rest.slice(0, slash));
    const expected = Buffer.from(sign(options.key, "screenshots", path));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return notFound();
    const body = await options.blobs.get("screenshots", path).catch(() => undefined);
    if (!body) return notFound();
    res
      .writeHead(200, {
        "content-type": path.endsWith(".png") ? "image/png" : "application/octet-stream",
        "content-length": body.byteLength,
        "cache-control": "private, max-age=86400",
        "x-content-type-options": "nosniff",
      })
      .end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}
