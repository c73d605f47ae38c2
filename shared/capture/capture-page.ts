import type { BrowserContext, Page } from "playwright-core";
import { type Box, compareImagesAsync, type DomSnapshot } from "../visual/index.ts";
import type { BrowserPool } from "./browser-pool.ts";
import { assertStayedAllowed, gotoGuarded, guardContext } from "./guard-context.ts";
import { type GuardingProxy, startGuardingProxy } from "./guarding-proxy.ts";
import { hasLazyContent, installPageProbes, NetworkActivity, waitForQuiet } from "./page-activity.ts";
import { checkUrl, type GuardOptions, RequestGuard } from "./ssrf-guard.ts";
import { dismissCookieBanners, STABILIZING_CSS, waitForContent, wakeLazyContent } from "./stabilize.ts";
import { takeDomSnapshot } from "./take-dom-snapshot.ts";
import { type CaptureViewport, VIEWPORT_CONTEXTS } from "./viewports.ts";
import { pinnedBrowserArgs } from "./visit-page.ts";

export interface CaptureRequest {
  url: string;
  viewports?: readonly CaptureViewport[];
  /** CSS selectors painted over and ignored: clocks, ads, user names. */
  masks?: readonly string[];
}

export interface CaptureOptions extends GuardOptions {
  pool: BrowserPool;
  /** Per viewport, navigation included (default 45 s). */
  timeoutMs?: number;
  /** Screenshots taken until two in a row match (default 5). */
  maxShots?: number;
  /** Lazy-loading scroll stops after this many pixels (default 15 000). */
  scrollCap?: number;
  /** The time the page's clock is frozen at, so clocks and date-driven content repeat. */
  pageTime?: Date;
}

export interface Capture {
  viewport: CaptureViewport;
  /** The page's URL after redirects. */
  url: string;
  png: Uint8Array;
  width: number;
  height: number;
  dom: DomSnapshot;
  /** Masked areas in page pixels; pass them to compareImages. */
  masks: Box[];
  /** Screenshots taken; `stable` is false when no two in a row matched. */
  shots: number;
  stable: boolean;
  /** Requests refused by the guard or the tracker block list. */
  blocked: string[];
  /** Where this viewport's capture spent its time. */
  timings: CaptureTimings;
}

/** Milliseconds per step of one viewport's capture, in the order they run. */
export interface CaptureTimings {
  /** URL check and guarding proxy (first viewport only), context, request rules, frozen clock. */
  setup: number;
  /** Until the load event. */
  navigation: number;
  /** Until no request is in flight and the DOM stops changing. */
  networkQuiet: number;
  /** Web fonts, image decoding, aria-busy, the cookie banner. */
  content: number;
  /** The scroll pass that wakes lazy images and what it loaded; 0 when the page has nothing lazy. */
  lazyContent: number;
  /** Stabilizing CSS and the page's clock run forward. */
  stabilize: number;
  /** Screenshots until two in a row match. */
  shots: number;
  /** DOM snapshot, mask boxes, the last guard check. */
  dom: number;
}

/** Milliseconds since the previous call (or since it was made). */
function stopwatch(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const elapsed = now - last;
    last = now;
    return elapsed;
  };
}

const DEFAULT_PAGE_TIME = new Date("2025-01-15T12:00:00Z");
const MASK_COLOR = "#FF00FF";

/**
 * Captures a page at each viewport:
 * 1. SSRF guard on the URL: the host is resolved once and pinned for the browser
 * 2. a context of a warm browser; every request and WebSocket re-checked, service workers blocked, trackers/ads/chat/video blocked
 * 3. frozen clock, load, network and DOM quiet, fonts and images, cookie banner dismissed, lazy content
 *    woken (only on a page with something lazy), back to the top
 * 4. animations, transitions and caret off; screenshots until two in a row match; the DOM snapshot
 */
export async function capturePage(request: CaptureRequest, options: CaptureOptions): Promise<Capture[]> {
  const lap = stopwatch();
  const checked = await checkUrl(request.url, options);
  const { pins, args } = pinnedBrowserArgs(checked);
  const captures: Capture[] = [];
  const proxy = await startGuardingProxy(options, pins);
  try {
    for (const viewport of request.viewports ?? ["desktop", "mobile"]) {
      captures.push(
        await captureViewport(viewport, checked.url.href, request, options, pins, args, proxy, lap),
      );
    }
  } finally {
    await proxy.close();
  }
  return captures;
}

function captureViewport(
  viewport: CaptureViewport,
  url: string,
  request: CaptureRequest,
  options: CaptureOptions,
  pins: ReadonlyMap<string, string>,
  args: string[],
  proxy: GuardingProxy,
  lap: () => number,
): Promise<Capture> {
  const contextOptions = {
    ...VIEWPORT_CONTEXTS[viewport],
    proxy: { server: proxy.server },
    serviceWorkers: "block" as const,
    bypassCSP: true,
    reducedMotion: "reduce" as const,
    colorScheme: "light" as const,
    locale: "en-US",
    timezoneId: "UTC",
  };
  return options.pool.withContext(args, contextOptions, (context) =>
    captureInContext(context, url, viewport, request, options, pins, proxy, lap),
  );
}

async function captureInContext(
  context: BrowserContext,
  url: string,
  viewport: CaptureViewport,
  request: CaptureRequest,
  options: CaptureOptions,
  pins: ReadonlyMap<string, string>,
  proxy: GuardingProxy,
  lap: () => number,
): Promise<Capture> {
  const timeout = options.timeoutMs ?? 45_000;
  const deadline = Date.now() + timeout;
  const left = () => Math.max(1_000, deadline - Date.now());
  const guard = new RequestGuard(options, pins);
  // Frozen time: clocks, carousels and timers move only when runFor says so, the same way every capture.
  const pageTime = (options.pageTime ?? DEFAULT_PAGE_TIME).getTime();
  // Independent registrations on the context, sent together: each is a round trip to the browser.
  const [refusals] = await Promise.all([
    guardContext(context, guard),
    context.clock.install({ time: pageTime }).then(() => context.clock.pauseAt(pageTime + 1_000)),
    installPageProbes(context),
  ]);

  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const network = new NetworkActivity(page);
  const timings = { setup: lap() } as CaptureTimings;
  await gotoGuarded(page, url, proxy, left());
  timings.navigation = lap();
  await settle(page, network, left());
  timings.networkQuiet = lap();
  await waitForContent(page, Math.min(left(), 10_000));
  await dismissCookieBanners(page);
  timings.content = lap();
  if (await hasLazyContent(page)) {
    await wakeLazyContent(page, options.scrollCap ?? 15_000, async () => {
      await page.clock.runFor(100);
      await page.waitForTimeout(50);
    });
    await settle(page, network, left());
    await waitForContent(page, Math.min(left(), 10_000));
  }
  timings.lazyContent = lap();
  await page.addStyleTag({ content: STABILIZING_CSS });
  await page.clock.runFor(500);
  await page.evaluate(() => scrollTo(0, 0));
  timings.stabilize = lap();

  const maskLocators = (request.masks ?? []).map((selector) => page.locator(selector));
  let previous: Uint8Array | undefined;
  let png: Uint8Array = new Uint8Array(0);
  let shots = 0;
  let stable = false;
  while (shots < (options.maxShots ?? 5)) {
    png = await page.screenshot({
      fullPage: true,
      animations: "disabled",
      caret: "hide",
      scale: "css",
      mask: maskLocators,
      maskColor: MASK_COLOR,
      timeout: left(),
    });
    shots++;
    if (
      previous &&
      (await compareImagesAsync(previous, png, { threshold: 0, antialiasing: false, untilFirstChange: true }))
        .identical
    ) {
      stable = true;
      break;
    }
    previous = png;
    await page.clock.runFor(250);
    await page.waitForTimeout(100);
  }
  timings.shots = lap();
  const dom = await takeDomSnapshot(page);
  const masks = await maskBoxes(page, request.masks ?? []);
  await assertStayedAllowed(page, url, guard, refusals);
  timings.dom = lap();
  const size = pngSize(png);
  return {
    viewport,
    url: page.url(),
    png,
    width: size.width,
    height: size.height,
    dom,
    masks,
    shots,
    stable,
    blocked: [...new Set([...refusals.blocked, ...guard.blocked, ...proxy.refused.map((r) => r.target)])],
    timings,
  };
}

/** No request in flight and no DOM change for a moment, then the page's timers run forward a little. */
async function settle(page: Page, network: NetworkActivity, timeoutMs: number): Promise<void> {
  await waitForQuiet(page, network, { timeoutMs: Math.min(timeoutMs, 10_000) });
  await page.clock.runFor(200);
}

async function maskBoxes(page: Page, selectors: readonly string[]): Promise<Box[]> {
  if (selectors.length === 0) return [];
  return page.evaluate((list) => {
    const boxes: Box[] = [];
    for (const selector of list) {
      for (const el of document.querySelectorAll(selector)) {
        const r = el.getBoundingClientRect();
        boxes.push({
          x: Math.floor(r.left + scrollX),
          y: Math.floor(r.top + scrollY),
          width: Math.ceil(r.width),
          height: Math.ceil(r.height),
        });
      }
    }
    return boxes;
  }, selectors);
}

function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
