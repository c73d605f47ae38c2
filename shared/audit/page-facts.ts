import type { Page } from "playwright-core";

/** What the audit reads from a loaded page, in one evaluate. */
export interface PageFacts {
  title: string;
  metaDescription: string | null;
  openGraph: Record<string, string>;
  h1s: string[];
  imagesWithoutAlt: string[];
  links: string[];
  /** The most prominent call to action whose box is at least partly inside the first screen. */
  ctaAboveFold: { text: string; top: number } | null;
  /** Calls to action anywhere on the page, for the message when none is above the fold. */
  ctaCount: number;
  viewportHeight: number;
}

export function readPageFacts(page: Page): Promise<PageFacts> {
  return page.evaluate(() => {
    const text = (el: Element) => (el.textContent ?? "").replace(/\s+/g, " ").trim();
    const meta = (selector: string) => document.querySelector(selector)?.getAttribute("content") ?? null;
    const visible = (el: Element) => {
      const style = getComputedStyle(el);
      const rect = el.getBoundingClientRect();
      return style.visibility !== "hidden" && style.display !== "none" && rect.width > 0 && rect.height > 0;
    };
    const openGraph: Record<string, string> = {};
    for (const el of document.querySelectorAll('meta[property^="og:"]')) {
      const property = el.getAttribute("property");
      const content = el.getAttribute("content");
      if (property && content) openGraph[property] = content;
    }
    const imagesWithoutAlt = [...document.querySelectorAll("img")]
      .filter((img) => !img.hasAttribute("alt") && img.getAttribute("role") !== "presentation")
      .filter((img) => img.getAttribute("aria-hidden") !== "true")
      .map((img) => img.getAttribute("src") ?? img.outerHTML.slice(0, 120));
    const links = [
      ...new Set(
        [...document.querySelectorAll("a[href]")]
          .map((a) => (a as HTMLAnchorElement).href)
          .filter((href) => /^https?:/i.test(href))
          .map((href) => href.split("#")[0] as string),
      ),
    ];
    // A call to action: a button or a link styled as one, outside navigation, header and footer.
    const candidates = [
      ...document.querySelectorAll(
        'main button, main [role="button"], main input[type="submit"], main a[class*="button"], main a[class*="btn"], main a[class*="cta"], button, a[class*="button"], a[class*="btn"], a[class*="cta"]',
      ),
    ].filter((el) => !el.closest("nav, header, footer, dialog, [aria-hidden='true']") && visible(el));
    const fold = innerHeight;
    const above = candidates
      .map((el) => ({ el, rect: el.getBoundingClientRect() }))
      .filter(({ rect }) => rect.top < fold && rect.bottom > 0)
      .sort((a, b) => b.rect.width * b.rect.height - a.rect.width * a.rect.height)[0];
    return {
      title: document.title.trim(),
      metaDescription: meta('meta[name="description"]'),
      openGraph,
      h1s: [...document.querySelectorAll("h1")].filter(visible).map(text),
      imagesWithoutAlt,
      links,
      ctaAboveFold: above
        ? {
            text: text(above.el) || above.el.getAttribute("aria-label") || "",
            top: Math.round(above.rect.top),
          }
        : null,
      ctaCount: candidates.length,
      viewportHeight: fold,
    };
  });
}

/** Navigation timings and what was transferred, as the browser measured them. */
export interface PageTimings {
  ttfbMs: number;
  domContentLoadedMs: number;
  loadMs: number;
  /** Largest contentful paint, when the browser reported one. */
  lcpMs: number | null;
}

export function readTimings(page: Page): Promise<PageTimings> {
  return page.evaluate(async () => {
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
    const lcp = await new Promise<number | null>((resolve) => {
      let last: number | null = null;
      try {
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) last = entry.startTime;
        }).observe({ type: "largest-contentful-paint", buffered: true });
      } catch {
        resolve(null);
        return;
      }
      setTimeout(() => resolve(last), 50);
    });
    return {
      ttfbMs: Math.round(nav?.responseStart ?? 0),
      domContentLoadedMs: Math.round(nav?.domContentLoadedEventEnd ?? 0),
      loadMs: Math.round(nav?.loadEventEnd ?? 0),
      lcpMs: lcp === null ? null : Math.round(lcp),
    };
  });
}
