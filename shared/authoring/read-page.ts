import type { Page } from "playwright-core";
import { parse as parseYaml } from "yaml";
import { type BrowserPool, visitPage } from "../capture/index.ts";
import type { Locator } from "../config/index.ts";
import { compileLocator } from "../runner/index.ts";

/** What `perceo init` learns from one page: whether it is a page at all, its main heading, its links. */
export interface PageReading {
  /** The URL asked for. */
  url: string;
  /** Where the browser ended up (after redirects). */
  finalUrl: string;
  status: number;
  html: boolean;
  title: string;
  /** The page's main heading as a locator that matched exactly one visible element on the page. */
  heading?: { locator: Extract<Locator, { role: string }>; name: string };
  /** Links to pages of the same origin, absolute, without hash. */
  links: string[];
}

interface AriaHeading {
  name: string;
  level: number;
  inMain: boolean;
}

export async function readPage(
  url: string,
  options: { pool: BrowserPool; allowedTargets: readonly string[]; timeoutMs?: number },
): Promise<PageReading> {
  return visitPage(
    url,
    {
      pool: options.pool,
      allowedTargets: options.allowedTargets,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    },
    async ({ page, response }) => {
      const contentType = (await response?.headerValue("content-type")) ?? "";
      const html = contentType === "" || /html/i.test(contentType);
      const reading: PageReading = {
        url,
        finalUrl: page.url(),
        status: response?.status() ?? 0,
        html,
        title: html ? await page.title() : "",
        links: html ? await sameOriginLinks(page) : [],
      };
      if (!html) return reading;
      const heading = await mainHeading(page);
      return heading ? { ...reading, heading } : reading;
    },
  );
}

/**
 * The heading a starter flow expects: from the accessibility tree, level 1 first (inside `main`
 * before outside it), and only one whose role/name locator matches exactly one visible element.
 */
async function mainHeading(page: Page): Promise<PageReading["heading"]> {
  const snapshot = await page
    .locator("body")
    .ariaSnapshot({ timeout: 5_000 })
    .catch(() => "");
  const headings = headingsOf(snapshot)
    .filter((h) => h.name.trim().length > 0)
    .sort((a, b) => a.level - b.level || Number(b.inMain) - Number(a.inMain));
  for (const h of headings.slice(0, 12)) {
    for (const exact of [false, true]) {
      const locator = {
        role: "heading" as const,
        name: h.name,
        level: h.level,
        ...(exact ? { exact: true } : {}),
      };
      const compiled = compileLocator(page, locator);
      if ((await compiled.count()) === 1 && (await compiled.isVisible())) return { locator, name: h.name };
    }
  }
  return undefined;
}

const HEADING = /^heading "((?:[^"\\]|\\.)*)"(?: \[(?:[^\]]*\b)?level=(\d)[^\]]*\])?/;

/** Headings in Playwright's aria snapshot (a YAML tree of `role "name" [attributes]` entries). */
export function headingsOf(snapshot: string): AriaHeading[] {
  let tree: unknown;
  try {
    tree = parseYaml(snapshot);
  } catch {
    return [];
  }
  const found: AriaHeading[] = [];
  const walk = (node: unknown, inMain: boolean) => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item, inMain);
      return;
    }
    if (typeof node === "string") {
      add(node, inMain);
      return;
    }
    if (node && typeof node === "object") {
      for (const [key, children] of Object.entries(node)) {
        add(key, inMain);
        walk(children, inMain || /^main\b/.test(key));
      }
    }
  };
  const add = (entry: string, inMain: boolean) => {
    const match = HEADING.exec(entry);
    if (!match) return;
    let name: string;
    try {
      name = JSON.parse(`"${match[1]}"`) as string;
    } catch {
      name = match[1] as string;
    }
    found.push({ name, level: Number(match[2] ?? 2), inMain });
  };
  walk(tree, false);
  return found;
}

async function sameOriginLinks(page: Page): Promise<string[]> {
  const hrefs = await page
    .evaluate(() => Array.from(document.querySelectorAll("a[href]"), (a) => (a as HTMLAnchorElement).href))
    .catch(() => [] as string[]);
  const origin = new URL(page.url()).origin;
  const links = new Set<string>();
  for (const href of hrefs) {
    try {
      const url = new URL(href);
      if (url.origin !== origin) continue;
      url.hash = "";
      links.add(url.href);
    } catch {
      // not a URL
    }
  }
  return [...links];
}
