import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchCaptureBrowser } from "./browser-pool.ts";
import { hasLazyContent, installPageProbes, NetworkActivity, waitForQuiet } from "./page-activity.ts";

const PAGES: Record<string, string> = {
  "/plain": "<h1>Nothing lazy here</h1><p>Text and a button.</p><button>Buy</button>",
  "/lazy-image": '<h1>Lazy</h1><img loading="lazy" src="/pixel.png" width="10" height="10">',
  "/observer":
    "<h1>Reveal</h1><div id=card></div><script>new IntersectionObserver(() => {}).observe(card)</script>",
  "/scroll": "<h1>Sticky</h1><script>addEventListener('scroll', () => {})</script>",
  // Loads its content with a request sent after the load event, answered 400 ms later.
  "/late":
    "<h1>Late</h1><script>addEventListener('load', () => fetch('/slow').then((r) => r.text()).then((t) => { const p = document.createElement('p'); p.id = 'late'; p.textContent = t; document.body.append(p); }))</script>",
};

let server: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === "/slow") {
      setTimeout(() => response.end("arrived"), 400);
      return;
    }
    const html = PAGES[request.url ?? ""];
    response.writeHead(html ? 200 : 404, { "content-type": "text/html" });
    response.end(html ?? "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchCaptureBrowser([]);
});

afterAll(async () => {
  await browser.close();
  await new Promise((resolve) => server.close(resolve));
});

async function open<T>(path: string, look: (page: Page, network: NetworkActivity) => Promise<T>): Promise<T> {
  const context = await browser.newContext();
  try {
    await installPageProbes(context);
    const page = await context.newPage();
    const network = new NetworkActivity(page);
    await page.goto(`${base}${path}`);
    return await look(page, network);
  } finally {
    await context.close();
  }
}

describe("hasLazyContent", () => {
  it("is false on a page where nothing waits for a scroll, true with a lazy image, an observed element or a scroll listener", async () => {
    const lazy: Record<string, boolean> = {};
    for (const path of ["/plain", "/lazy-image", "/observer", "/scroll"])
      lazy[path] = await open(path, (page) => hasLazyContent(page));
    expect(lazy).toEqual({ "/plain": false, "/lazy-image": true, "/observer": true, "/scroll": true });
  }, 60_000);
});

describe("waitForQuiet", () => {
  it("waits for a request sent after the load event and the DOM change it brings", async () => {
    const text = await open("/late", async (page, network) => {
      await waitForQuiet(page, network, { quietMs: 100, timeoutMs: 10_000 });
      return page.evaluate(() => document.getElementById("late")?.textContent);
    });
    expect(text).toBe("arrived");
  }, 30_000);

  it("ends at its timeout on a page that never stops changing", async () => {
    const waited = await open("/plain", async (page, network) => {
      await page.evaluate(() => setInterval(() => document.body.append("."), 20));
      const start = performance.now();
      await waitForQuiet(page, network, { quietMs: 100, timeoutMs: 600 });
      return performance.now() - start;
    });
    expect(waited).toBeGreaterThanOrEqual(590);
    expect(waited).toBeLessThan(5_000);
  }, 30_000);
});
