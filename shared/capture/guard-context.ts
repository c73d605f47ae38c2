import type { BrowserContext, Page } from "playwright-core";
import type { GuardingProxy } from "./guarding-proxy.ts";
import { BlockedUrlError, type RequestGuard } from "./ssrf-guard.ts";
import { BLOCKED_HOSTS } from "./stabilize.ts";

/** What a guarded context refused: subresources (`blocked`) and navigations that redirected somewhere refused (`violations`). */
export interface ContextRefusals {
  blocked: string[];
  violations: string[];
}

/**
 * The SSRF rules for every request a context makes after its first URL: each request and WebSocket
 * is checked by the guard, trackers, ads and media are blocked, and a navigation that redirected to
 * a refused address is recorded as a violation.
 */
export async function guardContext(context: BrowserContext, guard: RequestGuard): Promise<ContextRefusals> {
  const refusals: ContextRefusals = { blocked: [], violations: [] };
  // Both rules go to the browser together: two round trips in the time of one.
  await Promise.all([
    context.route("**/*", async (route) => {
      const req = route.request();
      const target = req.url();
      if (req.resourceType() === "media" || isBlockedHost(target)) {
        refusals.blocked.push(target);
        return route.abort("blockedbyclient");
      }
      const reason = await guard.check(target);
      if (reason) {
        refusals.blocked.push(target);
        return route.abort("blockedbyclient");
      }
      return route.continue();
    }),
    context.routeWebSocket(/.*/, async (ws) => {
      const reason = await guard.check(ws.url());
      if (reason) {
        refusals.blocked.push(ws.url());
        await ws.close({ code: 1008, reason: "Blocked by Perceo" });
      } else ws.connectToServer();
    }),
  ]);
  // Redirects are followed inside the browser's network stack, past context.route: the guarding
  // proxy refuses a bad hop before it is sent; this fails the visit that led to one.
  context.on("request", (req) => {
    if (!req.redirectedFrom()) return;
    void guard.check(req.url()).then((reason) => {
      if (!reason) return;
      // An image or script that redirects inward is just blocked, like any other subresource.
      if (req.isNavigationRequest()) refusals.violations.push(`${req.url()} (redirect): ${reason}`);
      else refusals.blocked.push(req.url());
    });
  });
  return refusals;
}

/** Navigates; a redirect hop the proxy refused ends the navigation in a tunnel or 403 error, so say why. */
export async function gotoGuarded(page: Page, url: string, proxy: GuardingProxy, timeout: number) {
  try {
    return await page.goto(url, { waitUntil: "load", timeout });
  } catch (error) {
    const refusal = proxy.refused[0];
    if (refusal) throw new BlockedUrlError(url, `it led to ${refusal.target}: ${refusal.reason}`);
    throw error;
  }
}

/** After the visit: a redirect to a refused address, or a page that ended up on one, fails it. */
export async function assertStayedAllowed(
  page: Page,
  url: string,
  guard: RequestGuard,
  refusals: ContextRefusals,
): Promise<void> {
  if (refusals.violations.length > 0) throw new BlockedUrlError(url, refusals.violations[0] as string);
  const reason = await guard.check(page.url());
  if (reason) throw new BlockedUrlError(url, `it redirected to ${page.url()}: ${reason}`);
}

function isBlockedHost(url: string): boolean {
  try {
    return BLOCKED_HOSTS.test(new URL(url).hostname);
  } catch {
    return false;
  }
}
