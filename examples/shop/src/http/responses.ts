import type { Html } from "./html.ts";

export interface ShopResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export function htmlResponse(page: Html, status = 200): ShopResponse {
  return {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
    body: `<!doctype html>\n${page.text}`,
  };
}

export function jsonResponse(data: unknown, status = 200): ShopResponse {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
    body: JSON.stringify(data),
  };
}

/** 303 so that a POSTed form becomes a GET of the next page, and reloading never resubmits. */
export function redirect(location: string): ShopResponse {
  return { status: 303, headers: { location, "cache-control": "no-store" }, body: "" };
}

export function textResponse(text: string, status = 200): ShopResponse {
  return {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
    body: text,
  };
}

/** Only same-site paths, so `?next=` can never send someone to another site. */
export function safeLocalPath(candidate: string | null | undefined, fallback: string): string {
  if (!candidate?.startsWith("/") || candidate.startsWith("//") || candidate.includes("\\")) {
    return fallback;
  }
  return candidate;
}
