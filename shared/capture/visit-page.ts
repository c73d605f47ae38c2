import type { BrowserContextOptions, Page, Response } from "playwright-core";
import type { BrowserPool } from "./browser-pool.ts";
import { assertStayedAllowed, gotoGuarded, guardContext } from "./guard-context.ts";
import { startGuardingProxy } from "./guarding-proxy.ts";
import {
  type CheckedUrl,
  checkUrl,
  type GuardOptions,
  hostResolverRules,
  RequestGuard,
} from "./ssrf-guard.ts";
import { VIEWPORT_CONTEXTS } from "./viewports.ts";

export interface VisitOptions extends GuardOptions {
  pool: BrowserPool;
  /** Navigation and reading together (default 30 s). */
  timeoutMs?: number;
  contextOptions?: BrowserContextOptions;
}

export interface PageVisit {
  page: Page;
  /** The navigation's response (null for a same-document navigation). */
  response: Response | null;
  /** Requests the rules refused so far. */
  blocked: string[];
}

/** The host name pinned to the address the guard checked, as Chromium arguments for the browser that opens it. */
export function pinnedBrowserArgs(checked: CheckedUrl): { pins: Map<string, string>; args: string[] } {
  const pins = new Map<string, string>();
  if (checked.pinnedAddress) pins.set(checked.url.hostname, checked.pinnedAddress);
  const rules = hostResolverRules(pins);
  return { pins, args: rules ? [`--host-resolver-rules=${rules}`] : [] };
}

/**
 * Opens one page under the same SSRF rules as a capture (the URL checked and its host pinned, every
 * request, WebSocket and redirect hop checked, service workers blocked), lets `read` look at it
 * once the network is quiet, and closes it. A page that redirected somewhere refused throws
 * BlockedUrlError.
 */
export async function visitPage<T>(
  url: string,
  options: VisitOptions,
  read: (visit: PageVisit) => Promise<T>,
): Promise<T> {
  const timeout = options.timeoutMs ?? 30_000;
  const checked = await checkUrl(url, options);
  const { pins, args } = pinnedBrowserArgs(checked);
  const proxy = await startGuardingProxy(options, pins);
  const contextOptions: BrowserContextOptions = {
    ...VIEWPORT_CONTEXTS.desktop,
    locale: "en-US",
    timezoneId: "UTC",
    colorScheme: "light",
    reducedMotion: "reduce",
    ...options.contextOptions,
    proxy: { server: proxy.server },
    serviceWorkers: "block",
  };
  try {
    return await options.pool.withContext(args, contextOptions, async (context) => {
      const guard = new RequestGuard(options, pins);
      const refusals = await guardContext(context, guard);
      const page = await context.newPage();
      page.setDefaultTimeout(timeout);
      const response = await gotoGuarded(page, checked.url.href, proxy, timeout);
      // Single-page apps render after load: give their first requests a moment to settle.
      await page.waitForLoadState("networkidle", { timeout: Math.min(timeout, 5_000) }).catch(() => {});
      await assertStayedAllowed(page, url, guard, refusals);
      return read({ page, response, blocked: [...refusals.blocked, ...guard.blocked] });
    });
  } finally {
    await proxy.close();
  }
}
