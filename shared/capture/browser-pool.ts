import type { Browser, BrowserContext, BrowserContextOptions } from "playwright-core";
import { launchBrowser } from "../runner/index.ts";

/** Starts a Chromium with extra arguments (the host-resolver pins); injectable for tests. */
export type LaunchBrowser = (extraArgs: string[]) => Promise<Browser>;

export const launchCaptureBrowser: LaunchBrowser = (extraArgs) =>
  launchBrowser(undefined, ["--hide-scrollbars", "--mute-audio", ...extraArgs]);

export interface PoolOptions {
  /** Captures at once (default 2: each is a renderer process). */
  concurrency?: number;
  /** Browsers kept warm, one per set of pins (default 2); the least recently used closes first. */
  maxBrowsers?: number;
  launch?: LaunchBrowser;
}

interface PooledBrowser {
  key: string;
  browser: Promise<Browser>;
  users: number;
  lastUsed: number;
}

/**
 * Warm Chromium processes for captures. A browser is launched per set of Chromium arguments
 * (the SSRF guard pins host names with --host-resolver-rules, which is per process), each capture
 * gets its own context, at most `concurrency` run at once, and a browser that crashed or was closed
 * is dropped and relaunched on next use; a capture that lost its browser mid-way is retried once.
 */
export class BrowserPool {
  readonly #concurrency: number;
  readonly #maxBrowsers: number;
  readonly #launch: LaunchBrowser;
  readonly #browsers = new Map<string, PooledBrowser>();
  readonly #waiting: Array<() => void> = [];
  #running = 0;
  #closed = false;
  /** Browsers launched so far (for tests and logs). */
  launches = 0;

  constructor(options: PoolOptions = {}) {
    this.#concurrency = options.concurrency ?? 2;
    this.#maxBrowsers = options.maxBrowsers ?? 2;
    this.#launch = options.launch ?? launchCaptureBrowser;
  }

  /** Runs `work` in a fresh context of a warm browser started with `args`; the context is closed after. */
  async withContext<T>(
    args: string[],
    contextOptions: BrowserContextOptions,
    work: (context: BrowserContext) => Promise<T>,
  ): Promise<T> {
    await this.#acquire();
    try {
      for (let attempt = 1; ; attempt++) {
        const pooled = await this.#browserFor(args);
        let context: BrowserContext | undefined;
        try {
          const browser = await pooled.browser;
          context = await browser.newContext(contextOptions);
          return await work(context);
        } catch (error) {
          const crashed = !(await pooled.browser.then((b) => b.isConnected()).catch(() => false));
          if (crashed) this.#drop(pooled);
          if (!crashed || attempt >= 2) throw error;
        } finally {
          pooled.users--;
          await context?.close().catch(() => {});
        }
      }
    } finally {
      this.#release();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#browsers.values()];
    this.#browsers.clear();
    await Promise.all(all.map((p) => p.browser.then((b) => b.close()).catch(() => {})));
  }

  async #browserFor(args: string[]): Promise<PooledBrowser> {
    if (this.#closed) throw new Error("The browser pool is closed.");
    const key = args.join("\u0000");
    let pooled = this.#browsers.get(key);
    if (pooled && !(await pooled.browser.then((b) => b.isConnected()).catch(() => false))) {
      this.#drop(pooled);
      pooled = undefined;
    }
    if (!pooled) {
      this.launches++;
      const browser = this.#launch(args);
      pooled = { key, browser, users: 0, lastUsed: Date.now() };
      const entry = pooled;
      browser.then((b) => b.on("disconnected", () => this.#drop(entry))).catch(() => this.#drop(entry));
      this.#browsers.set(key, pooled);
      this.#evict();
    }
    pooled.users++;
    pooled.lastUsed = Date.now();
    return pooled;
  }

  #evict(): void {
    const idle = [...this.#browsers.values()]
      .filter((p) => p.users === 0)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    while (this.#browsers.size > this.#maxBrowsers && idle.length > 0) {
      const oldest = idle.shift() as PooledBrowser;
      this.#drop(oldest);
      void oldest.browser.then((b) => b.close()).catch(() => {});
    }
  }

  #drop(pooled: PooledBrowser): void {
    if (this.#browsers.get(pooled.key) === pooled) this.#browsers.delete(pooled.key);
  }

  async #acquire(): Promise<void> {
    if (this.#running < this.#concurrency) {
      this.#running++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running--;
  }
}
