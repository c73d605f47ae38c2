import type { IncomingMessage, ServerResponse } from "node:http";
import { parseCookies, serializeCookie } from "./http/cookies.ts";
import { BodyTooLargeError, readForm } from "./http/request-body.ts";
import { type ShopResponse, textResponse } from "./http/responses.ts";
import type { ShopRequest } from "./http/shop-request.ts";
import { serveStatic } from "./http/static-files.ts";
import { showNotFound } from "./pages/not-found.ts";
import { matchRoute } from "./routes.ts";
import { SESSION_COOKIE } from "./state/sessions.ts";
import type { ShopState } from "./state/shop-state.ts";

/** Same-origin only, no inline script: the shop loads nothing from anywhere else. */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

/**
 * The whole request pipeline:
 * 1. static files under /public
 * 2. resume (or start) the shopper's session from its cookie
 * 3. match a route; unknown paths get the 404 page, known paths with another method a 405
 * 4. write the response with the security headers and, for a new session, its cookie
 */
export function createRequestHandler(state: ShopState) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let response: ShopResponse;
    let cookie: string | undefined;
    try {
      const url = new URL(req.url ?? "/", "http://shop.invalid");
      const method = req.method ?? "GET";
      const isStatic = url.pathname.startsWith("/public/");
      const staticFile =
        isStatic && (method === "GET" || method === "HEAD")
          ? await serveStatic(url.pathname, req.headers["if-none-match"])
          : undefined;
      if (staticFile) {
        response = staticFile;
      } else if (url.pathname === "/healthz") {
        response = textResponse("ok");
      } else if (url.pathname === "/test-changes.css") {
        response = textResponse(state.testChanges.css ?? "");
        response.headers["content-type"] = "text/css; charset=utf-8";
      } else {
        const { session, created } = state.sessions.resume(
          parseCookies(req.headers.cookie).get(SESSION_COOKIE),
        );
        if (created) cookie = serializeCookie(SESSION_COOKIE, session.id);
        const match = matchRoute(method, url.pathname);
        const request: ShopRequest = {
          method,
          url,
          params: match.kind === "found" ? match.params : {},
          headers: req.headers,
          state,
          copy: state.copy,
          session,
          account: session.accountEmail ? state.accounts.get(session.accountEmail) : undefined,
          wantsJson: (req.headers.accept ?? "").includes("application/json"),
          readForm: () => readForm(req),
        };
        if (match.kind === "found") response = await match.handle(request);
        else if (match.kind === "wrong-method") {
          response = textResponse("Method not allowed", 405);
          response.headers.allow = match.allow.join(", ");
        } else response = showNotFound(request);
      }
    } catch (error) {
      if (error instanceof BodyTooLargeError) response = textResponse("Request body too large", 413);
      else {
        console.error("shop: request failed", error);
        response = textResponse("Something went wrong", 500);
      }
    }
    const headers: Record<string, string | string[]> = { ...SECURITY_HEADERS, ...response.headers };
    if (cookie) headers["set-cookie"] = cookie;
    res.writeHead(response.status, headers);
    res.end(req.method === "HEAD" ? undefined : response.body);
  };
}
