import type { IncomingMessage, ServerResponse } from "node:http";

/*
 * What every dashboard answer carries: no inline script or style (scripts and the stylesheet are
 * files under `<base>/assets/`), never framed, types not sniffed, no referrer to other origins.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function securityHeaders(): Record<string, string> {
  return {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
  };
}

export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Uint8Array,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...securityHeaders(),
    "content-type": contentType,
    "content-length": String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength),
    "cache-control": "no-store",
    ...extra,
  });
  res.end(body);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  send(res, status, "text/html; charset=utf-8", html);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(value));
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { ...securityHeaders(), location, "content-length": "0" });
  res.end();
}

/** A request the dashboard refuses; the message is shown to the person. */
export class DashboardError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const MAX_FORM_BYTES = 16 * 1024;

/** A POST body: `application/x-www-form-urlencoded` (forms) or JSON (the review viewer's fetch). */
export async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new DashboardError(413, "the form is larger than 16 KB");
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  const type = String(req.headers["content-type"] ?? "")
    .split(";")[0]
    ?.trim();
  if (type === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text || "{}");
    } catch {
      throw new DashboardError(400, "the request body is not JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new DashboardError(400, "the request body must be a JSON object");
    return Object.fromEntries(
      Object.entries(parsed).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])),
    );
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** The viewer's fetch asks for JSON; a plain form post is answered with a redirect back. */
export function wantsJson(req: IncomingMessage): boolean {
  return String(req.headers.accept ?? "").includes("application/json");
}
