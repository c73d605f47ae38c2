import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Page, Locator as PwLocator } from "playwright-core";
import type { ConcreteStep, Locator, TextMatcher } from "../config/index.ts";
import { compileLocator, describeLocator } from "./locator.ts";
import { describeMatcher } from "./step-title.ts";
import { fillTemplate, type TemplateContext } from "./template.ts";

/** A step that did not do what the flow says, with what was expected and what was found. */
export class StepFailure extends Error {
  readonly expected: string | undefined;
  readonly actual: string | undefined;
  constructor(message: string, expected?: string, actual?: string) {
    super(message);
    this.name = "StepFailure";
    this.expected = expected;
    this.actual = actual;
  }
}

export interface StepContext {
  page: Page;
  baseUrl: string;
  timeout: number;
  navigationTimeout: number;
  template: TemplateContext;
  /** Where a `screenshot` step writes, without extension; returns the file written. */
  screenshotPath(name: string): string;
}

export interface StepOutcome {
  screenshot?: { name: string; file: string };
  /** What an ai step did: replayed from the cache or resolved by Claude, and the steps that ran. */
  note?: string;
}

export async function executeStep(step: ConcreteStep, ctx: StepContext): Promise<StepOutcome> {
  const { page } = ctx;
  const t = (text: string | number) => fillTemplate(String(text), ctx.template);
  const timeout = ctx.timeout;
  if ("goto" in step) {
    await page.goto(resolveUrl(ctx.baseUrl, t(step.goto)), {
      waitUntil: "load",
      timeout: ctx.navigationTimeout,
    });
    return {};
  }
  if ("click" in step) return act(ctx, step.click, "click", (l) => l.click({ timeout }));
  if ("hover" in step) return act(ctx, step.hover, "hover", (l) => l.hover({ timeout }));
  if ("check" in step) return act(ctx, step.check, "check", (l) => l.check({ timeout }));
  if ("uncheck" in step) return act(ctx, step.uncheck, "uncheck", (l) => l.uncheck({ timeout }));
  if ("fill" in step) {
    for (const field of Array.isArray(step.fill) ? step.fill : [step.fill]) {
      await act(ctx, field, "fill", (l) => l.fill(t(field.value), { timeout }));
    }
    return {};
  }
  if ("select" in step) {
    const options = [step.select.option].flat().map(t);
    return act(ctx, step.select, "select", (l) => l.selectOption(options, { timeout }));
  }
  if ("press" in step) {
    const press = step.press;
    if (typeof press === "string") {
      await page.keyboard.press(press);
      return {};
    }
    return act(ctx, press, "press", (l) => l.press(press.key, { timeout }));
  }
  if ("waitFor" in step) {
    const wait = step.waitFor;
    if ("url" in wait && !hasLocatorKey(wait)) {
      const matcher = wait.url as TextMatcher;
      await poll(
        timeout,
        () => pageUrl(page, ctx.baseUrl),
        (url) => matches(matcher, url),
        `URL ${describeMatcher(matcher)}`,
      );
      return {};
    }
    const locatorSpec = wait as Locator & { state?: "visible" | "hidden" | "attached" | "detached" };
    const state = typeof locatorSpec === "object" ? (locatorSpec.state ?? "visible") : "visible";
    return act(ctx, locatorSpec, `wait for ${state}`, (l) => l.first().waitFor({ state, timeout }));
  }
  if ("expect" in step) {
    await checkExpectation(step.expect, ctx);
    return {};
  }
  const shot = typeof step.screenshot === "string" ? { name: step.screenshot } : step.screenshot;
  const file = ctx.screenshotPath(shot.name);
  await mkdir(path.dirname(file), { recursive: true });
  await settle(page);
  const options = {
    path: file,
    animations: "disabled" as const,
    caret: "hide" as const,
    scale: "css" as const,
    timeout: ctx.navigationTimeout,
    mask: (shot.mask ?? []).map((m) => compileLocator(page, m)),
  };
  if (shot.element) await compileLocator(page, shot.element).screenshot(options);
  else {
    // A full-page shot taken mid-scroll paints sticky headers where the viewport happened to be.
    if (shot.fullPage) await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ ...options, fullPage: shot.fullPage ?? false });
  }
  return { screenshot: { name: shot.name, file } };
}

function hasLocatorKey(value: object): boolean {
  return ["role", "text", "label", "placeholder", "testId", "css"].some((k) => k in value);
}

/** Runs a Playwright action, turning its timeout into "expected X, found Y" that names the element. */
async function act(
  ctx: StepContext,
  spec: Locator,
  verb: string,
  action: (l: PwLocator) => Promise<unknown>,
): Promise<StepOutcome> {
  const locator = compileLocator(ctx.page, spec);
  try {
    await action(locator);
    return {};
  } catch (error) {
    throw await explainLocatorError(error, locator, spec, verb);
  }
}

async function explainLocatorError(
  error: unknown,
  locator: PwLocator,
  spec: Locator,
  verb: string,
): Promise<Error> {
  const raw = error instanceof Error ? error.message : String(error);
  const target = describeLocator(spec);
  const count = await locator.count().catch(() => -1);
  if (count === 0) {
    return new StepFailure(
      `${verb}: no element matches ${target}`,
      `${target} on the page`,
      "no matching element",
    );
  }
  if (/strict mode violation/.test(raw)) {
    return new StepFailure(
      `${verb}: ${target} matches ${count} elements; name it more precisely or add nth`,
      `exactly one ${target}`,
      `${count} elements`,
    );
  }
  const firstLine = (raw.split("\n")[0] ?? raw).replace(/^locator\.\w+: /, "");
  const state = await describeState(locator);
  return new StepFailure(`${verb} ${target}: ${firstLine}`, `${target} ready to ${verb}`, state);
}

async function describeState(locator: PwLocator): Promise<string> {
  const first = locator.first();
  const [visible, enabled] = await Promise.all([
    first.isVisible().catch(() => false),
    first.isEnabled().catch(() => false),
  ]);
  if (!visible) return "the element is hidden";
  if (!enabled) return "the element is disabled";
  return "the element did not respond in time (covered by another element, or moving)";
}

async function checkExpectation(
  e: Extract<ConcreteStep, { expect: unknown }>["expect"],
  ctx: StepContext,
): Promise<void> {
  const { page, timeout } = ctx;
  if ("visible" in e) {
    const visible = compileLocator(page, e.visible).filter({ visible: true });
    const target = describeLocator(e.visible);
    await poll(
      timeout,
      () => visible.count(),
      (n) => n > 0,
      `${target} visible`,
      (n) => (n === 0 ? "not visible" : `${n}`),
    );
    return;
  }
  if ("hidden" in e) {
    const visible = compileLocator(page, e.hidden).filter({ visible: true });
    const target = describeLocator(e.hidden);
    await poll(
      timeout,
      () => visible.count(),
      (n) => n === 0,
      `${target} hidden`,
      (n) => `${n} visible`,
    );
    return;
  }
  if ("enabled" in e || "disabled" in e) {
    const spec = "enabled" in e ? e.enabled : e.disabled;
    const want = "enabled" in e ? "enabled" : "disabled";
    const locator = compileLocator(page, spec);
    const state = async () => {
      const n = await locator.count();
      if (n !== 1) return n === 0 ? "no element" : `${n} elements`;
      return (await locator.isEnabled()) ? "enabled" : "disabled";
    };
    await poll(
      timeout,
      state,
      (s) => s === want,
      `${describeLocator(spec)} ${want}`,
      (s) => s,
    );
    return;
  }
  if ("url" in e) {
    await poll(
      timeout,
      () => pageUrl(page, ctx.baseUrl),
      (url) => matches(e.url, url),
      `URL ${describeMatcher(e.url)}`,
    );
    return;
  }
  if ("title" in e) {
    await poll(
      timeout,
      () => page.title(),
      (title) => matches(e.title, title),
      `title ${describeMatcher(e.title)}`,
    );
    return;
  }
  const locator = compileLocator(page, e.element);
  const target = describeLocator(e.element);
  if ("count" in e) {
    await poll(
      timeout,
      () => locator.count(),
      (n) => n === e.count,
      `${e.count} × ${target}`,
      (n) => `${n}`,
    );
    return;
  }
  // textContent, as Playwright's toHaveText: CSS such as text-transform does not change what is compared.
  const read =
    "text" in e ? async (l: PwLocator) => (await l.textContent()) ?? "" : (l: PwLocator) => l.inputValue();
  const matcher = "text" in e ? e.text : e.value;
  const what = "text" in e ? "text" : "value";
  await poll(
    timeout,
    async () => {
      const n = await locator.count();
      if (n !== 1) return n === 0 ? "<no element>" : `<${n} elements>`;
      return normalize(await read(locator.first()));
    },
    (actual) => !actual.startsWith("<") && matches(matcher, actual, ctx),
    `${target} ${what} ${describeMatcher(matcher)}`,
  );
}

/** Retries a read until it passes or time runs out, like Playwright's own expect. */
async function poll<T>(
  timeout: number,
  read: () => Promise<T>,
  passes: (value: T) => boolean,
  expected: string,
  show: (value: T) => string = (value) => JSON.stringify(value),
): Promise<void> {
  const deadline = Date.now() + timeout;
  const pauses = [0, 20, 50, 100, 100, 250, 500];
  let attempt = 0;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (passes(last)) return;
    if (Date.now() >= deadline) break;
    const pause = pauses[Math.min(attempt++, pauses.length - 1)] ?? 500;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - Date.now()))));
  }
  const found = show(last as T);
  throw new StepFailure(`expected ${expected}, found ${found} after ${timeout}ms`, expected, found);
}

function matches(matcher: TextMatcher, actual: string, ctx?: StepContext): boolean {
  const fill = (s: string) => (ctx ? fillTemplate(s, ctx.template) : s);
  if (typeof matcher === "string") return normalize(actual) === normalize(fill(matcher));
  if ("equals" in matcher) return normalize(actual) === normalize(fill(matcher.equals));
  if ("contains" in matcher) return normalize(actual).includes(normalize(fill(matcher.contains)));
  return new RegExp(matcher.matches).test(actual);
}

function normalize(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** The page's path and query when it is on the app under test; the full URL elsewhere. */
function pageUrl(page: Page, baseUrl: string): Promise<string> {
  const current = new URL(page.url());
  const base = new URL(baseUrl);
  return Promise.resolve(
    current.origin === base.origin ? `${current.pathname}${current.search}` : current.href,
  );
}

export function resolveUrl(baseUrl: string, target: string): string {
  if (/^https?:\/\//.test(target)) return target;
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/$/, "");
  return new URL(`${prefix}${target.startsWith("/") ? "" : "/"}${target}`, base.origin).href;
}

/** Fonts loaded and images decoded, so a screenshot does not catch the page half-painted. */
async function settle(page: Page): Promise<void> {
  await page
    .evaluate(async () => {
      await document.fonts.ready;
      await Promise.all(
        Array.from(document.images)
          .filter((img) => !img.complete)
          .map(
            (img) =>
              new Promise((resolve) => {
                img.addEventListener("load", resolve, { once: true });
                img.addEventListener("error", resolve, { once: true });
                setTimeout(resolve, 5_000);
              }),
          ),
      );
    })
    .catch(() => undefined);
}
