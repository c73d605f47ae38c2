import type { FunnelDefinition, FunnelStep } from "../funnel-definition.ts";
import { DEVICES, type Device, type SessionEvent } from "../session-event.ts";

/*
 * Realistic analytics for the example shop: visitors who follow one of its flows (with pages in
 * between, the odd repeated page view, events that arrive out of order, and drop-offs that are worse
 * on phones) and visitors who only browse. Deterministic for a seed. Tests and the benchmark share it.
 */

export interface GenerateOptions {
  /** Sessions to generate. */
  sessions: number;
  seed?: number;
  /** Epoch ms of the first session (default 2025-03-01T00:00Z). */
  start?: number;
  /** Days the sessions spread over (default 30). */
  days?: number;
  /** Chance of leaving before each step after the first (default 0.15; phones add `mobilePenalty`). */
  dropOff?: number;
  mobilePenalty?: number;
  /** Share of sessions that only browse (default 0.3). */
  browseOnly?: number;
  /** Chance that an event is delivered before the one it follows (default 0.05). */
  outOfOrder?: number;
  /** Chance that a page view is repeated, as a reload does (default 0.05). */
  repeats?: number;
  /** Relative weight of each funnel; default: the first gets 4, the rest 1. */
  weights?: Record<string, number>;
  /** Distinct visitors (default sessions / 1.5): returning visitors share an id. */
  users?: number;
  /** Extra pages browsers open (default: the shop's). */
  browsePages?: readonly string[];
}

export const SHOP_BROWSE_PAGES = [
  "/",
  "/products",
  "/products/aurora-lamp",
  "/products/nordic-bench",
  "/products/stoneware-mug",
  "/products/ember-candle-set",
  "/products/linen-throw",
  "/products?category=Furniture",
  "/cart",
  "/about",
  "/shipping",
  "/contact",
  "/blog/spring-collection",
  "/gift-cards",
] as const;

const DEVICE_WEIGHTS: Record<Device, number> = { desktop: 0.55, mobile: 0.38, tablet: 0.05, other: 0.02 };

/** What the generator intended for one session: which funnel and how many of its steps. */
export interface IntendedSession {
  sessionId: string;
  funnel: string | null;
  device: Device;
  stepsReached: number;
}

/** Sessions, one after another, each session's events in delivery order (not always time order). */
export function* generateSessionEvents(
  funnels: readonly FunnelDefinition[],
  options: GenerateOptions,
  intended?: IntendedSession[],
): Generator<SessionEvent> {
  const random = mulberry32(options.seed ?? 1);
  const start = options.start ?? Date.UTC(2025, 2, 1);
  const spanMs = (options.days ?? 30) * 86_400_000;
  const dropOff = options.dropOff ?? 0.15;
  const mobilePenalty = options.mobilePenalty ?? 0.1;
  const browseOnly = options.browseOnly ?? 0.3;
  const outOfOrder = options.outOfOrder ?? 0.05;
  const repeats = options.repeats ?? 0.05;
  const userCount = Math.max(1, options.users ?? Math.ceil(options.sessions / 1.5));
  const browse = options.browsePages ?? SHOP_BROWSE_PAGES;
  const weights = funnels.map((f, i) => options.weights?.[f.name] ?? (i === 0 ? 4 : 1));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const samples = funnels.map((f) => sampleUrls(f.steps, random));
  const batch: SessionEvent[] = [];

  for (let s = 0; s < options.sessions; s++) {
    const sessionId = `s${s}`;
    const userId = `u${Math.floor(random() * userCount)}`;
    const device = pickDevice(random());
    let time = start + Math.floor((s / options.sessions) * spanMs) + Math.floor(random() * 1000);
    batch.length = 0;
    const view = (url: string) => {
      batch.push({ sessionId, userId, time, device, url });
      time += 3_000 + Math.floor(random() * 40_000);
      if (random() < repeats) {
        batch.push({ sessionId, userId, time, device, url });
        time += 1_000 + Math.floor(random() * 5_000);
      }
    };
    const wander = (max: number) => {
      const n = Math.floor(random() * (max + 1));
      for (let i = 0; i < n; i++) view(browse[Math.floor(random() * browse.length)] ?? "/");
    };

    let funnel: FunnelDefinition | undefined;
    let reached = 0;
    if (funnels.length > 0 && random() >= browseOnly) {
      let pick = random() * totalWeight;
      let index = 0;
      while (index < funnels.length - 1 && pick >= (weights[index] ?? 0)) pick -= weights[index++] ?? 0;
      funnel = funnels[index];
      const urls = samples[index] ?? [];
      const leave = dropOff + (device === "mobile" ? mobilePenalty : 0);
      wander(1);
      for (let k = 0; k < urls.length; k++) {
        if (k > 0 && random() < leave) break;
        const step = funnel?.steps[k];
        if (step?.kind === "event") {
          batch.push({ sessionId, userId, time, device, event: step.name });
          time += 2_000 + Math.floor(random() * 20_000);
        } else view(urls[k] ?? "/");
        reached = k + 1;
        if (k < urls.length - 1) wander(1);
      }
    } else {
      wander(5);
      if (batch.length === 0) view("/");
    }
    intended?.push({ sessionId, funnel: funnel?.name ?? null, device, stepsReached: reached });

    for (let i = 1; i < batch.length; i++) {
      if (random() < outOfOrder) {
        const a = batch[i - 1] as SessionEvent;
        batch[i - 1] = batch[i] as SessionEvent;
        batch[i] = a;
      }
    }
    yield* batch;
  }
}

/** A URL that satisfies each step, chosen once per funnel. */
function sampleUrls(steps: readonly FunnelStep[], random: () => number): string[] {
  const urls: string[] = [];
  let previous = "/";
  for (const step of steps) {
    let url: string;
    switch (step.kind) {
      case "page":
        url = step.query.length ? `${step.path}?${step.query.join("&")}` : step.path;
        break;
      case "route":
        url = step.pattern
          .split("/")
          .map((part) =>
            part === ":id"
              ? String(1000 + Math.floor(random() * 9000))
              : part.startsWith(":")
                ? `x${Math.floor(random() * 1e6)}`
                : part,
          )
          .join("/");
        break;
      case "url-equals":
        url = step.url;
        break;
      case "url-contains":
        url = step.text.startsWith("/")
          ? `${step.text}${step.text.endsWith("=") ? "%2Faccount" : ""}`
          : `${previous.split("?")[0]}?${step.text}`;
        break;
      case "url-matches":
        url = step.regex
          .replace(/^\^/, "")
          .replace(/\$$/, "")
          .replace(/\\d\+/g, () => String(1000 + Math.floor(random() * 9000)))
          .replace(/\\d/g, () => String(Math.floor(random() * 10)))
          .replace(/\\(.)/g, "$1");
        break;
      case "event":
        url = step.name;
        break;
    }
    urls.push(url);
    if (step.kind !== "event") previous = url;
  }
  return urls;
}

function pickDevice(roll: number): Device {
  let left = roll;
  for (const device of DEVICES) {
    left -= DEVICE_WEIGHTS[device];
    if (left < 0) return device;
  }
  return "desktop";
}

/** A small fast deterministic PRNG (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
