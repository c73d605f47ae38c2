import type { BrowserContext, Page, Request } from "playwright-core";

/** What the probes installed in a capture's pages count; read by `readProbes`. */
interface PageProbes {
  /** DOM mutation records since the document started. */
  mutations: number;
  /** Elements handed to an IntersectionObserver (lazy images, infinite lists, reveal-on-scroll). */
  observed: number;
  /** Scroll listeners on the window or the document. */
  scrollListeners: number;
}

/**
 * Runs in every page of the context before its own scripts (self-contained, no imports): counts
 * DOM mutations, IntersectionObserver targets and scroll listeners, so the capture can wait for the
 * DOM to stop changing and skip the lazy-content scroll on a page where nothing waits for a scroll.
 */
function installProbes(): void {
  const probes = { mutations: 0, observed: 0, scrollListeners: 0 };
  Object.defineProperty(window, "__perceoProbes", { value: probes });
  new MutationObserver((records) => {
    probes.mutations += records.length;
  }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  if (typeof IntersectionObserver === "function") {
    const observe = IntersectionObserver.prototype.observe;
    IntersectionObserver.prototype.observe = function (this: IntersectionObserver, target: Element) {
      probes.observed++;
      return observe.call(this, target);
    };
  }
  const addEventListener = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (
    this: EventTarget,
    type: string,
    ...rest: [EventListenerOrEventListenerObject | null, (boolean | AddEventListenerOptions)?]
  ) {
    if (type === "scroll" && (this === window || this === document)) probes.scrollListeners++;
    return addEventListener.call(this, type, ...rest);
  };
}

export async function installPageProbes(context: BrowserContext): Promise<void> {
  await context.addInitScript(installProbes);
}

async function readProbes(page: Page): Promise<PageProbes> {
  return page.evaluate(
    () =>
      (window as unknown as { __perceoProbes?: PageProbes }).__perceoProbes ?? {
        mutations: 0,
        observed: 0,
        scrollListeners: 0,
      },
  );
}

/**
 * Whether scrolling could load more: lazy images or frames, lazy-loading libraries' markers,
 * IntersectionObserver targets or scroll listeners. A page with none of them looks the same
 * without the scroll pass.
 */
export async function hasLazyContent(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const probes = (window as unknown as { __perceoProbes?: PageProbes }).__perceoProbes;
    if (probes && (probes.observed > 0 || probes.scrollListeners > 0)) return true;
    return (
      document.querySelector(
        '[loading="lazy"], [data-src], [data-srcset], [data-lazy], [data-bg], .lazyload, .lazy',
      ) !== null
    );
  });
}

/** Requests a page has in flight, as the browser reports them; the time of the last start or end. */
export class NetworkActivity {
  readonly #inFlight = new Map<Request, number>();
  #lastChange = performance.now();

  constructor(page: Page) {
    page.on("request", (request) => this.#start(request));
    page.on("requestfinished", (request) => this.#end(request));
    page.on("requestfailed", (request) => this.#end(request));
  }

  #start(request: Request): void {
    this.#inFlight.set(request, performance.now());
    this.#lastChange = performance.now();
  }

  #end(request: Request): void {
    this.#inFlight.delete(request);
    this.#lastChange = performance.now();
  }

  /**
   * Milliseconds since a request last started or ended; 0 while one is in flight. A request open
   * longer than `longLivedMs` (a stream, a long poll, an event source) does not count: it may never end.
   */
  idleFor(longLivedMs: number): number {
    const now = performance.now();
    for (const started of this.#inFlight.values()) if (now - started < longLivedMs) return 0;
    return now - this.#lastChange;
  }
}

export interface QuietOptions {
  /** How long nothing may happen (default 100 ms). */
  quietMs?: number;
  /** Give up and go on after this long (default 10 s). */
  timeoutMs?: number;
}

const LONG_LIVED_MS = 3_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until no request has started or ended and the DOM has not changed for `quietMs`: the end of
 * a page's loading as it happens, instead of Playwright's fixed 500 ms of network silence.
 */
export async function waitForQuiet(
  page: Page,
  network: NetworkActivity,
  options: QuietOptions = {},
): Promise<void> {
  const quietMs = options.quietMs ?? 100;
  const deadline = performance.now() + (options.timeoutMs ?? 10_000);
  let mutations = (await readProbes(page)).mutations;
  let mutationsReadAt = performance.now();
  while (performance.now() < deadline) {
    const idle = network.idleFor(LONG_LIVED_MS);
    const unchangedFor = performance.now() - mutationsReadAt;
    if (idle < quietMs || unchangedFor < quietMs) {
      await sleep(Math.max(5, quietMs - Math.min(idle, unchangedFor)));
      continue;
    }
    const now = (await readProbes(page)).mutations;
    if (now === mutations && network.idleFor(LONG_LIVED_MS) >= quietMs) return;
    mutations = now;
    mutationsReadAt = performance.now();
  }
}
