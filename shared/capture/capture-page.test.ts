import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningShop, type StartShopOptions, startShop } from "../../examples/shop/server.ts";
import { compareImages, describeChanges } from "../visual/index.ts";
import { BrowserPool, launchCaptureBrowser } from "./browser-pool.ts";
import { type Capture, capturePage } from "./capture-page.ts";
import { BlockedUrlError } from "./ssrf-guard.ts";

// One warm browser for the whole file: the machine is small and shared.
let pool: BrowserPool;
let launched: Browser[] = [];
let shop: RunningShop;

beforeAll(async () => {
  pool = new BrowserPool({
    concurrency: 1,
    launch: async (args) => {
      const browser = await launchCaptureBrowser(args);
      launched.push(browser);
      return browser;
    },
  });
  shop = await startShop();
});

afterAll(async () => {
  await pool.close();
  await shop.close();
});

async function captureDesktop(url: string, allowed: string): Promise<Capture> {
  const [capture] = await capturePage({ url, viewports: ["desktop"] }, { pool, allowedTargets: [allowed] });
  return capture as Capture;
}

describe("capturePage", () => {
  it("20 consecutive captures of a page with an animation, a carousel, a clock and a focused input are pixel-identical", async () => {
    const url = `${shop.url}/lab/moving-parts`;
    const first = await captureDesktop(url, shop.url);
    expect(first.stable).toBe(true);
    for (let i = 1; i < 20; i++) {
      const next = await captureDesktop(url, shop.url);
      const result = compareImages(first.png, next.png, { threshold: 0, antialiasing: false });
      expect({ capture: i, changedPixels: result.changedPixels }).toEqual({ capture: i, changedPixels: 0 });
    }
  }, 120_000);

  it("captures desktop at 1280 and mobile at 390 wide, full page, with what people read", async () => {
    const [desktop, mobile] = await capturePage(
      { url: `${shop.url}/` },
      { pool, allowedTargets: [shop.url] },
    );
    expect(desktop).toMatchObject({ viewport: "desktop", width: 1280, stable: true });
    expect(mobile).toMatchObject({ viewport: "mobile", width: 390, stable: true });
    expect(desktop?.height).toBeGreaterThan(800);
    const dom = desktop?.dom;
    expect(dom?.title).toBe("Home — Lumen & Oak");
    expect(dom?.description).toMatch(/^Lamps, furniture and textiles/);
    expect(dom?.elements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: "heading",
          level: 1,
          text: "Light, wood and linen for slow evenings",
          key: "#hero-title",
        }),
        expect.objectContaining({ kind: "cta", text: "Shop the collection", href: "/products" }),
        expect.objectContaining({ kind: "section", role: "navigation", text: "Main" }),
        expect.objectContaining({ kind: "section", text: "Why shop with us" }),
        expect.objectContaining({ kind: "link", text: "About", section: "Main" }),
      ]),
    );
    expect(dom?.elements.some((e) => e.text === "Skip to content")).toBe(false);
    const h1 = dom?.elements.find((e) => e.kind === "heading" && e.level === 1);
    expect(h1?.box.width).toBeGreaterThan(100);
  }, 60_000);

  it("masks are painted over and returned as boxes to ignore", async () => {
    const [capture] = await capturePage(
      { url: `${shop.url}/lab/moving-parts`, viewports: ["desktop"], masks: ["[data-clock]"] },
      { pool, allowedTargets: [shop.url] },
    );
    expect(capture?.masks).toHaveLength(1);
    expect(capture?.masks[0]?.width).toBeGreaterThan(10);
  }, 30_000);
});

describe("seeded deploy changes on the shop's home page", () => {
  let baseline: Capture;
  beforeAll(async () => {
    baseline = await captureDesktop(`${shop.url}/`, shop.url);
  }, 30_000);

  async function changesAfter(options: StartShopOptions) {
    const changed = await startShop(options);
    try {
      const after = await captureDesktop(`${changed.url}/`, changed.url);
      const pixels = compareImages(baseline.png, after.png);
      expect(pixels.identical).toBe(false);
      return describeChanges(pixels.regions, baseline.dom, after.dom).map((c) => ({
        element: c.element,
        elementType: c.elementType,
        scope: c.scope,
        kind: c.kind,
        before: c.before,
        after: c.after,
      }));
    } finally {
      await changed.close();
    }
  }

  it("names a new headline", async () => {
    expect(await changesAfter({ copy: { heroTitle: "Ship safely, sleep well" } })).toEqual([
      {
        element: 'Heading (h1) "Light, wood and linen for slow evenings"',
        elementType: "heading",
        scope: "element",
        kind: "text",
        before: "Light, wood and linen for slow evenings",
        after: "Ship safely, sleep well",
      },
    ]);
  }, 30_000);

  it("names a recoloured call to action", async () => {
    const changes = await changesAfter({
      testChanges: { css: ".hero .button-primary { background: rgb(176, 0, 32); }" },
    });
    expect(changes).toEqual([
      expect.objectContaining({
        element: 'Call to action "Shop the collection"',
        kind: "visual",
        after: expect.stringContaining("background-color: rgb(176, 0, 32)"),
      }),
    ]);
  }, 30_000);

  it("names a removed section", async () => {
    expect(await changesAfter({ testChanges: { withoutBenefits: true } })).toEqual([
      {
        element: 'Section "Why shop with us"',
        elementType: "section",
        scope: "section",
        kind: "removed",
        before: "Why shop with us",
        after: null,
      },
    ]);
  }, 30_000);

  it("names a new banner", async () => {
    expect(await changesAfter({ testChanges: { banner: "Summer sale: 20% off everything" } })).toEqual([
      {
        element: 'Section "Announcement"',
        elementType: "section",
        scope: "section",
        kind: "added",
        before: null,
        after: "Announcement",
      },
    ]);
  }, 30_000);

  it("names reordered navigation", async () => {
    expect(await changesAfter({ testChanges: { reverseNav: true } })).toEqual([
      {
        element: 'Navigation "Main"',
        elementType: "section",
        scope: "section",
        kind: "layout",
        before: "Shop · Lighting · Furniture · About",
        after: "About · Furniture · Lighting · Shop",
      },
    ]);
  }, 30_000);
});

describe("the SSRF guard in the browser", () => {
  let inward: Server;
  let inwardUrl: string;
  let inwardHits: string[];
  let outside: Server;
  let outsideUrl: string;

  beforeAll(async () => {
    inwardHits = [];
    inward = createServer((req, res) => {
      inwardHits.push(req.url ?? "");
      res.end("secret");
    });
    // A page the team allowed, which tries to reach inward.
    outside = createServer((req, res) => {
      if (req.url === "/redirect") {
        res.writeHead(302, { location: `${inwardUrl}/admin` });
        res.end();
        return;
      }
      if (req.url === "/redirect-image") {
        res.writeHead(302, { location: `${inwardUrl}/via-redirect.png` });
        res.end();
        return;
      }
      if (req.url === "/hop") {
        res.writeHead(302, { location: "/redirect" });
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><title>Outside</title><h1>Hello</h1>
<img src="${inwardUrl}/pixel.png" alt=""><img src="/redirect-image" alt="">
<script>fetch("${inwardUrl}/api").catch(() => {}); fetch("http://169.254.169.254/latest/meta-data/").catch(() => {});
try { new WebSocket("${inwardUrl.replace("http", "ws")}/socket"); } catch {}</script>`);
    });
    for (const server of [inward, outside])
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    inwardUrl = `http://127.0.0.1:${(inward.address() as AddressInfo).port}`;
    outsideUrl = `http://127.0.0.1:${(outside.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const server of [inward, outside]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("refuses a page that is not an allowed target before any browser opens it", async () => {
    await expect(
      capturePage({ url: `${inwardUrl}/` }, { pool, allowedTargets: [shop.url] }),
    ).rejects.toBeInstanceOf(BlockedUrlError);
    expect(inwardHits).toEqual([]);
  });

  it("blocks what an allowed page fetches inward: images, an image that redirects inward, fetch, metadata, WebSockets", async () => {
    const capture = await captureDesktop(`${outsideUrl}/`, outsideUrl);
    expect(capture.dom.title).toBe("Outside");
    expect(inwardHits).toEqual([]);
    expect(capture.blocked).toEqual(
      expect.arrayContaining([
        `${inwardUrl}/pixel.png`,
        `${inwardUrl}/api`,
        `${inwardUrl}/via-redirect.png`,
        "http://169.254.169.254/latest/meta-data/",
      ]),
    );
  }, 30_000);

  it("fails the capture when an allowed page redirects inward, before the inward request is sent", async () => {
    for (const start of ["/redirect", "/hop"]) {
      await expect(captureDesktop(`${outsideUrl}${start}`, outsideUrl)).rejects.toThrow(BlockedUrlError);
    }
    expect(inwardHits).toEqual([]);
  }, 30_000);
});

describe("BrowserPool", () => {
  it("relaunches a browser that crashed, and keeps it warm after", async () => {
    await captureDesktop(`${shop.url}/about`, shop.url);
    const before = pool.launches;
    await launched.at(-1)?.close(); // as if Chromium crashed
    await captureDesktop(`${shop.url}/about`, shop.url);
    await captureDesktop(`${shop.url}/about`, shop.url);
    expect(pool.launches).toBe(before + 1);
    launched = launched.filter((b) => b.isConnected());
  }, 60_000);
});
