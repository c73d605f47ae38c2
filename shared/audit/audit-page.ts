import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { BrowserContext, Page } from "playwright-core";
import {
  BLOCKED_HOSTS,
  type BrowserPool,
  type CaptureViewport,
  checkUrl,
  type GuardOptions,
  hostResolverRules,
  RequestGuard,
  VIEWPORT_CONTEXTS,
} from "../capture/index.ts";
import { checkLinks, type LinkCheckOptions, type LinkReport } from "./check-links.ts";
import {
  type AxeViolation,
  deterministicFindings,
  type ViewportObservation,
} from "./deterministic-checks.ts";
import type { AuditFinding } from "./finding.ts";
import { readPageFacts, readTimings } from "./page-facts.ts";

export interface AuditOptions extends GuardOptions {
  pool: BrowserPool;
  viewports?: readonly CaptureViewport[];
  /** Per viewport, navigation included (default 45 s). */
  timeoutMs?: number;
  links?: Omit<LinkCheckOptions, keyof GuardOptions>;
}

export interface PageAudit {
  url: string;
  findings: AuditFinding[];
  observations: ViewportObservation[];
  axe: AxeViolation[];
  links: LinkReport;
}

let axeSource: Promise<string> | undefined;
function loadAxe(): Promise<string> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  return axeSource;
}

/**
 * Audits one page without judgement:
 * 1. SSRF guard on the URL, the host pinned for the browser; every request the page makes checked
 * 2. each viewport: load, network quiet; console errors, bytes transferred, navigation timings, the DOM facts
 * 3. axe-core injected on the first viewport
 * 4. the page's links checked through the same guard
 * 5. facts → findings
 */
export async function auditPage(url: string, options: AuditOptions): Promise<PageAudit> {
  const checked = await checkUrl(url, options);
  const pins = new Map<string, string>();
  if (checked.pinnedAddress) pins.set(checked.url.hostname, checked.pinnedAddress);
  const rules = hostResolverRules(pins);
  const args = rules ? [`--host-resolver-rules=${rules}`] : [];
  const observations: ViewportObservation[] = [];
  let axe: AxeViolation[] = [];
  for (const [index, viewport] of (options.viewports ?? ["desktop", "mobile"]).entries()) {
    const contextOptions = {
      ...VIEWPORT_CONTEXTS[viewport],
      serviceWorkers: "block" as const,
      bypassCSP: true,
      locale: "en-US",
      timezoneId: "UTC",
    };
    const visit = await options.pool.withContext(args, contextOptions, (context) =>
      visitPage(context, checked.url.href, viewport, options, pins, index === 0),
    );
    observations.push(visit.observation);
    if (visit.axe) axe = visit.axe;
  }
  const facts = observations[0]?.facts;
  const links = await checkLinks(facts?.links ?? [], {
    ...options.links,
    ...(options.allowedTargets ? { allowedTargets: options.allowedTargets } : {}),
    ...(options.resolve ? { resolve: options.resolve } : {}),
  });
  return {
    url: checked.url.href,
    findings: deterministicFindings({ observations, axe, links }),
    observations,
    axe,
    links,
  };
}

async function visitPage(
  context: BrowserContext,
  url: string,
  viewport: CaptureViewport,
  options: AuditOptions,
  pins: ReadonlyMap<string, string>,
  withAxe: boolean,
): Promise<{ observation: ViewportObservation; axe?: AxeViolation[] }> {
  const timeout = options.timeoutMs ?? 45_000;
  const guard = new RequestGuard(options, pins);
  await context.route("**/*", async (route) => {
    const target = route.request().url();
    if (isBlockedHost(target) || (await guard.check(target))) return route.abort("blockedbyclient");
    return route.continue();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().includes("ERR_BLOCKED_BY_CLIENT"))
      consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(`Uncaught ${error.name}: ${error.message}`));
  let transferBytes = 0;
  let requests = 0;
  const sizes: Promise<void>[] = [];
  page.on("requestfinished", (request) => {
    requests++;
    sizes.push(
      request.sizes().then(
        (s) => {
          transferBytes += s.responseBodySize + s.responseHeadersSize;
        },
        () => {},
      ),
    );
  });
  await page.goto(url, { waitUntil: "load", timeout });
  await page.waitForLoadState("networkidle", { timeout: Math.min(timeout, 10_000) }).catch(() => {});
  const facts = await readPageFacts(page);
  const timings = await readTimings(page);
  const axe = withAxe ? await runAxe(page) : undefined;
  await Promise.all(sizes);
  return {
    observation: { viewport, facts, timings, transferBytes, requests, consoleErrors },
    ...(axe ? { axe } : {}),
  };
}

async function runAxe(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: await loadAxe() });
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(
            context: Document,
            options: object,
          ): Promise<{
            violations: Array<{
              id: string;
              impact: AxeViolation["impact"];
              help: string;
              helpUrl: string;
              nodes: Array<{
                target: unknown[];
                failureSummary?: string;
                any: Array<{ data?: unknown }>;
                all: Array<{ data?: unknown }>;
              }>;
            }>;
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      targets: v.nodes.map((n) => n.target.map(String).join(" ")),
      nodes: v.nodes.map((n) => {
        // Only the flat facts a suggestion can quote (colours, ratios, sizes): axe's data is page-sized otherwise.
        const data: Record<string, string | number> = {};
        for (const check of [...n.any, ...n.all]) {
          if (!check.data || typeof check.data !== "object") continue;
          for (const [key, value] of Object.entries(check.data as Record<string, unknown>)) {
            if (typeof value === "number" || (typeof value === "string" && value.length <= 40))
              data[key] = value;
          }
        }
        return {
          target: n.target.map(String).join(" "),
          ...(n.failureSummary ? { failureSummary: n.failureSummary.slice(0, 600) } : {}),
          data,
        };
      }),
    }));
  });
}

function isBlockedHost(url: string): boolean {
  try {
    return BLOCKED_HOSTS.test(new URL(url).hostname);
  } catch {
    return false;
  }
}
