import type { Page, Route } from "playwright-core";
import {
  AI_DEFAULTS,
  type AiSettings,
  type AiStep,
  type ConcreteStep,
  checkResolvedStep,
} from "../config/index.ts";
import { AI_CACHE_FILE, AiCache, type AiResolution, pageFingerprint } from "./ai-cache.ts";
import { executeStep, resolveUrl, type StepContext, StepFailure, type StepOutcome } from "./execute-step.ts";
import { stepTitle } from "./step-title.ts";

/*
 * An `ai` step: concrete steps from the cache when the page is the one they were resolved on,
 * otherwise (with a key) from Claude, turn by turn, each answer checked against the step schema
 * and the app's origin before it runs, until its steps pass or the budget runs out.
 */

/** What the resolver is told each turn. Page text in `snapshot` and `failure` is untrusted. */
export interface ProposalRequest {
  goal: string;
  outcome?: string;
  baseUrl: string;
  /** The page's path (and query) in the app. */
  url: string;
  /** Playwright's aria snapshot of the page. */
  snapshot: string;
  /** A PNG of the viewport, when the snapshot says little or the last answer failed. */
  screenshot?: Uint8Array;
  /** Placeholders a resolution may type (`{{persona.email}}`, `{{unique}}`), filled when its steps run. */
  templates: string[];
  /** Steps that already ran in this resolution and passed: the page is past them. */
  done: ConcreteStep[];
  /** Why the last answer (or the cached steps) did not reach the goal. */
  failure?: string;
  turn: number;
  /** Tokens left in the step's budget. */
  maxTokens: number;
  signal: AbortSignal;
}

/** Claude behind a port: the runner does not talk to Anthropic itself. */
export interface StepProposer {
  propose(request: ProposalRequest): Promise<{ steps: unknown[]; tokens: number }>;
}

/** A refusal from the model: no other answer will come, so the step fails at once. */
export class ProposalRefused extends Error {
  override name = "ProposalRefused";
}

export interface AiStepOptions {
  cache: AiCache;
  /** Absent without ANTHROPIC_API_KEY: only cached resolutions replay. */
  proposer?: StepProposer;
  budget?: Partial<Pick<AiSettings, "maxTurns" | "maxTokens" | "timeout">>;
  /** Ask Claude even when a cached resolution fits the page (`perceo flows resolve --force`). */
  refresh?: boolean;
}

export const AI_WAYS_OUT = `set ANTHROPIC_API_KEY (Claude resolves it during the run), or run \`perceo flows resolve\` where the key is set and commit ${AI_CACHE_FILE}`;

const MAX_STEPS = 20;

export async function runAiStep(
  step: AiStep,
  ctx: StepContext,
  flow: string,
  options: AiStepOptions = { cache: new AiCache() },
): Promise<StepOutcome> {
  const guard = await keepInApp(ctx.page, ctx.baseUrl);
  // Every return awaits: the guard is released in `finally` only once the step is done.
  try {
    const snapshot = await readSnapshot(ctx.page);
    const fingerprint = pageFingerprint(snapshot);
    const { match, stale } = options.cache.lookup(flow, step.ai, step.outcome, fingerprint);
    const key = { flow, step: step.ai, ...(step.outcome ? { expect: step.outcome } : {}), fingerprint };
    const resolve = (
      how: "resolved" | "re-resolved",
      why: string,
      from?: Partial<Replay>,
      replaces?: AiResolution,
    ) => resolveWithClaude(step, ctx, guard, options, { key, how, why, from, replaces });

    if (match && !options.refresh) {
      const replay = await runSteps(match.steps, ctx, guard);
      if (replay.ok) return { note: `replayed from ${AI_CACHE_FILE}: ${titles(match.steps)}` };
      if (!options.proposer)
        throw new StepFailure(
          `replaying its resolution from ${AI_CACHE_FILE} failed at ${replay.failure}; to resolve it again, ${AI_WAYS_OUT}`,
        );
      return await resolve(
        "re-resolved",
        `replaying ${AI_CACHE_FILE} failed at ${replay.failure}`,
        replay,
        match,
      );
    }
    if (!options.proposer) {
      if (!stale)
        throw new StepFailure(
          `no resolution of this step in ${AI_CACHE_FILE} and no ANTHROPIC_API_KEY to resolve it: ${AI_WAYS_OUT}`,
        );
      const replay = await runSteps(stale.steps, ctx, guard);
      if (replay.ok)
        return {
          note: `replayed from ${AI_CACHE_FILE}, resolved on a page that has changed since (\`perceo flows resolve\` refreshes it): ${titles(stale.steps)}`,
        };
      throw new StepFailure(
        `the page changed since this step was resolved, and replaying ${AI_CACHE_FILE} failed at ${replay.failure}; ${AI_WAYS_OUT}`,
      );
    }
    if (match) return await resolve("re-resolved", "asked to resolve it again", undefined, match);
    if (stale)
      return await resolve("re-resolved", "the page changed since it was resolved", undefined, stale);
    return await resolve("resolved", "not resolved before");
  } finally {
    await guard.release();
  }
}

interface Replay {
  ok: boolean;
  passed: ConcreteStep[];
  /** `step 2 (click button "Buy"): no element matches …` */
  failure?: string;
}

async function resolveWithClaude(
  step: AiStep,
  ctx: StepContext,
  guard: InAppGuard,
  options: AiStepOptions,
  plan: {
    key: Omit<AiResolution, "steps">;
    how: "resolved" | "re-resolved";
    why: string;
    from: Partial<Replay> | undefined;
    replaces: AiResolution | undefined;
  },
): Promise<StepOutcome> {
  const proposer = options.proposer as StepProposer;
  const budget = { ...AI_DEFAULTS, ...options.budget };
  const deadline = Date.now() + budget.timeout;
  const done: ConcreteStep[] = [...(plan.from?.passed ?? [])];
  let failure = plan.from?.failure ? `the cached steps failed at ${plan.from.failure}` : undefined;
  let tokens = 0;
  for (let turn = 1; turn <= budget.maxTurns; turn++) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    if (tokens >= budget.maxTokens)
      throw new StepFailure(
        `Claude spent the step's token budget (${tokens} of ai.maxTokens ${budget.maxTokens}) before it reached the goal${failure ? `; last: ${failure}` : ""}`,
      );
    const snapshot = await readSnapshot(ctx.page);
    const screenshot =
      failure || snapshot.length < 400
        ? await ctx.page.screenshot({ type: "png", timeout: 5_000 }).catch(() => undefined)
        : undefined;
    let answer: { steps: unknown[]; tokens: number };
    try {
      answer = await proposer.propose({
        goal: step.ai,
        ...(step.outcome ? { outcome: step.outcome } : {}),
        baseUrl: ctx.baseUrl,
        url: appPath(ctx.page.url(), ctx.baseUrl),
        snapshot,
        ...(screenshot ? { screenshot } : {}),
        templates: [...Object.keys(ctx.template.persona).map((k) => `{{persona.${k}}}`), "{{unique}}"],
        done: [...done],
        ...(failure ? { failure } : {}),
        turn,
        maxTokens: budget.maxTokens - tokens,
        signal: AbortSignal.timeout(left),
      });
    } catch (error) {
      if (error instanceof ProposalRefused)
        throw new StepFailure(`Claude declined to resolve it: ${error.message}`);
      if (Date.now() >= deadline)
        throw new StepFailure(
          `Claude did not resolve it within ai.timeout (${budget.timeout} ms)${failure ? `; last: ${failure}` : ""}`,
        );
      throw new StepFailure(`Claude could not be asked: ${(error as Error).message}`);
    }
    tokens += answer.tokens;
    const checked = checkProposal(answer.steps, ctx.baseUrl);
    if (checked.problems.length > 0) {
      failure = `your answer was refused, nothing of it ran: ${checked.problems.join("; ")}`;
      continue;
    }
    const ran = await runSteps(checked.steps, ctx, guard);
    done.push(...ran.passed);
    if (!ran.ok) {
      failure = `${ran.failure}; the steps before it ran and passed`;
      continue;
    }
    if (step.outcome && !done.some((s) => "expect" in s || "waitFor" in s)) {
      failure = "the steps ran, but none checks the expected outcome: end with expect steps that prove it";
      continue;
    }
    options.cache.store({ ...plan.key, steps: done }, plan.replaces);
    const answers = `${turn} answer${turn === 1 ? "" : "s"}`;
    return { note: `${plan.how} by Claude (${plan.why}; ${answers}, ${tokens} tokens): ${titles(done)}` };
  }
  if (Date.now() >= deadline)
    throw new StepFailure(
      `Claude did not resolve it within ai.timeout (${budget.timeout} ms)${failure ? `; last: ${failure}` : ""}`,
    );
  throw new StepFailure(
    `Claude did not reach the goal in ai.maxTurns (${budget.maxTurns}) answers; the last: ${failure ?? "none"}`,
  );
}

/** Runs concrete steps until one fails; a step that tries to leave the app fails. */
async function runSteps(
  steps: readonly ConcreteStep[],
  ctx: StepContext,
  guard: InAppGuard,
): Promise<Replay> {
  const passed: ConcreteStep[] = [];
  for (const [index, step] of steps.entries()) {
    const refusedBefore = guard.refused.length;
    try {
      await executeStep(step, ctx);
    } catch (error) {
      const message =
        error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error);
      const left = guard.refused.slice(refusedBefore)[0];
      if (left) await backInApp(ctx);
      const why = left ? `it tried to leave the app for ${left}, which ai steps never do` : message;
      return { ok: false, passed, failure: `step ${index + 1} (${stepTitle(step)}): ${why}` };
    }
    const left = guard.refused.slice(refusedBefore)[0];
    if (left) await backInApp(ctx);
    if (left)
      return {
        ok: false,
        passed,
        failure: `step ${index + 1} (${stepTitle(step)}): it tried to leave the app for ${left}, which ai steps never do`,
      };
    passed.push(step);
  }
  return { ok: true, passed };
}

/**
 * An answer runs only when every step passes the flow schema and stays on the app: no `ai` or
 * screenshot steps, no `{{env.…}}` values (the environment holds secrets), and `goto` only where
 * a flow's relative goto would go (the base URL's origin, under its path).
 */
export function checkProposal(raw: unknown, baseUrl: string): { steps: ConcreteStep[]; problems: string[] } {
  const problems: string[] = [];
  const steps: ConcreteStep[] = [];
  if (!Array.isArray(raw) || raw.length === 0) return { steps, problems: ["steps must be a non-empty list"] };
  if (raw.length > MAX_STEPS) problems.push(`at most ${MAX_STEPS} steps per answer, found ${raw.length}`);
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/$/, "");
  raw.slice(0, MAX_STEPS).forEach((value, index) => {
    const at = `step ${index + 1}`;
    if (/\{\{\s*env\./.test(JSON.stringify(value ?? null))) {
      problems.push(`${at}: {{env.…}} values are not allowed in a resolution`);
      return;
    }
    const checked = checkResolvedStep(value);
    if (!checked.step) {
      problems.push(`${at}: ${checked.problems.join("; ")}`);
      return;
    }
    if ("screenshot" in checked.step) {
      problems.push(`${at}: screenshots are the flow file's own steps, not part of a resolution`);
      return;
    }
    if ("goto" in checked.step) {
      let target: URL;
      try {
        target = new URL(resolveUrl(baseUrl, checked.step.goto));
      } catch {
        problems.push(`${at}: goto ${checked.step.goto} is not a URL or a path`);
        return;
      }
      if (target.origin !== base.origin || !`${target.pathname}/`.startsWith(`${prefix}/`)) {
        problems.push(`${at}: goto ${target.href} leaves the app at ${baseUrl}; ai steps stay on it`);
        return;
      }
    }
    steps.push(checked.step);
  });
  return { steps, problems };
}

interface InAppGuard {
  /** Navigations the page tried outside the app's origin, refused. */
  refused: string[];
  release(): Promise<void>;
}

/** While an ai step runs, the page's main frame cannot navigate away from the app's origin. */
async function keepInApp(page: Page, baseUrl: string): Promise<InAppGuard> {
  const origin = new URL(baseUrl).origin;
  const refused: string[] = [];
  const outside = (url: URL) => url.origin !== origin;
  const handler = (route: Route) => {
    const request = route.request();
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      refused.push(request.url());
      return route.abort("blockedbyclient");
    }
    return route.fallback();
  };
  await page.route(outside, handler);
  return { refused, release: () => page.unroute(outside, handler).catch(() => undefined) };
}

/** A refused navigation can leave Chromium's error page behind: back to the app's page before it. */
async function backInApp(ctx: StepContext): Promise<void> {
  if (new URL(ctx.page.url()).origin !== new URL(ctx.baseUrl).origin)
    await ctx.page.goBack({ timeout: ctx.navigationTimeout }).catch(() => undefined);
}

/** The accessibility tree once the page has settled (single-page apps render after load). */
async function readSnapshot(page: Page): Promise<string> {
  await page.waitForLoadState("networkidle", { timeout: 3_000 }).catch(() => undefined);
  return page
    .locator("body")
    .ariaSnapshot({ timeout: 5_000 })
    .catch(() => "");
}

function appPath(url: string, baseUrl: string): string {
  const current = new URL(url);
  const base = new URL(baseUrl);
  return current.origin === base.origin ? `${current.pathname}${current.search}` : current.href;
}

function titles(steps: readonly ConcreteStep[]): string {
  return steps.map((s) => stepTitle(s)).join(" → ");
}
