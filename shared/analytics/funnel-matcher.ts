import { addToSketch, estimateSketch, newSketch } from "./distinct-count.ts";
import {
  describeSteps,
  type FunnelDefinition,
  type FunnelStep,
  splitUrl,
  stepMatchesUrl,
  stripOrigin,
} from "./funnel-definition.ts";
import { DAY_MS, DEVICES, type Device, dayOf, type SessionEvent } from "./session-event.ts";

/*
 * Streaming funnel matching. Events arrive in any order within a session; each open session keeps
 * only its own events, and when it has been idle for `sessionTimeoutMs` (by the newest time seen)
 * it is sorted, matched against every funnel at once and forgotten. Memory therefore grows with the
 * sessions open at a time, never with the events seen.
 *
 * Speed comes from doing the string work once per distinct URL: a URL (or event name) becomes an
 * integer code the first time it is seen, and the code's list of (funnel, step) pairs it satisfies is
 * computed then. Matching a session is then integer comparisons against one shared progress array.
 */

export interface FunnelMatcherOptions {
  /** A session with no event for this long is complete (default 30 minutes, as GA4 and PostHog). */
  sessionTimeoutMs?: number;
  /** Events kept per session; the rest are counted as dropped (bots). Default 5,000. */
  maxEventsPerSession?: number;
}

export interface DeviceStats {
  entered: number;
  completed: number;
  successRate: number | null;
}

export interface FlowDayStats {
  day: string;
  entered: number;
  completed: number;
  users: number;
}

export interface FlowFunnelStats {
  flow: string;
  steps: string[];
  /** Sessions that reached the first step. */
  entered: number;
  /** Sessions that reached every step, in order. */
  completed: number;
  /** completed / entered; null when nobody entered. */
  successRate: number | null;
  /** Distinct users entering the flow per day (±3%), averaged over the days the report spans. */
  dailyUsers: number;
  /** From the first step to the last, over completed sessions (250 ms resolution); null if none. */
  medianDurationMs: number | null;
  /** The step most sessions that entered never reached, with how many stopped before it. */
  topExitStep: { index: number; step: string; sessions: number } | null;
  devices: Record<Device, DeviceStats>;
  daily: FlowDayStats[];
}

export interface PageTraffic {
  /** The path, without the query. */
  path: string;
  pageviews: number;
  sessions: number;
  /** Some funnel step matches a URL of this path. */
  covered: boolean;
}

export interface FunnelReport {
  sessions: number;
  events: number;
  droppedEvents: number;
  firstEventAt: number | null;
  lastEventAt: number | null;
  flows: FlowFunnelStats[];
  /** Every path seen, most sessions first. */
  pages: PageTraffic[];
}

export interface FunnelMatcher {
  /** Adds one event. */
  push(event: SessionEvent): void;
  /** Integer code of a page URL, for `pushCoded`. */
  codeOfUrl(url: string): number;
  /** Integer code of a named event, for `pushCoded`. */
  codeOfEvent(name: string): number;
  /** Integer code of a user id, for `pushCoded`. */
  codeOfUser(userId: string): number;
  /** The allocation-free path: integer session, user, code and device (index in DEVICES). */
  pushCoded(session: number, user: number, time: number, code: number, device: number): void;
  /** Completes a session now instead of waiting for its timeout. */
  endSession(sessionId: string | number): void;
  readonly openSessions: number;
  /** Completes every open session and returns the figures. The matcher can keep going afterwards. */
  finish(): FunnelReport;
}

const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
// Idle sessions are looked for each time the newest time seen moves on by a quarter of the timeout.
const SWEEPS_PER_TIMEOUT = 4;
const DURATION_BIN_MS = 250;
const DURATION_BINS = 7_200; // 30 minutes of 250 ms bins, then one overflow bin
const DEVICE_COUNT = DEVICES.length;
const PAGE = 0;
const EVENT = 1;

export function createFunnelMatcher(
  funnels: readonly FunnelDefinition[],
  options: FunnelMatcherOptions = {},
): FunnelMatcher {
  const timeout = options.sessionTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxEvents = options.maxEventsPerSession ?? 5_000;
  const flowCount = funnels.length;
  const stepCounts = funnels.map((f) => f.steps.length);
  const maxSteps = Math.max(1, ...stepCounts);

  // Codes: one per distinct URL or event name, with the (funnel, step) pairs it satisfies.
  const codeByKey = new Map<string, number>();
  const codeKind: number[] = [];
  const codeLabel: string[] = [];
  const pairStart: number[] = [];
  const pairEnd: number[] = [];
  const pairFlow: number[] = [];
  const pairStep: number[] = [];
  const pageviews: number[] = [];
  const sessionsPerCode: number[] = [];
  const seenStamp: number[] = [];

  const users = new Map<string, number>();

  // Open sessions: slots reused from a free list, their event buffers kept for the next session.
  const slotByString = new Map<string, number>();
  const slotByNumber = new Map<number, number>();
  const slotKey: Array<string | number> = [];
  const slotTimes: number[][] = [];
  const slotCodes: number[][] = [];
  const slotUser: number[] = [];
  const slotDevice: number[] = [];
  const slotLast: number[] = [];
  const slotSorted: boolean[] = [];
  const freeSlots: number[] = [];
  let openSlots: number[] = [];

  // Matching scratch, shared by every session since sessions are matched one at a time.
  const progress = new Uint8Array(flowCount);
  const startTime = new Float64Array(flowCount);
  const endTime = new Float64Array(flowCount);
  const touched = new Int32Array(flowCount);

  // Figures.
  const entered = new Float64Array(flowCount);
  const completed = new Float64Array(flowCount);
  const enteredBy = new Float64Array(flowCount * DEVICE_COUNT);
  const completedBy = new Float64Array(flowCount * DEVICE_COUNT);
  const reachedOnly = new Float64Array(flowCount * (maxSteps + 1));
  const durations = new Uint32Array(flowCount * (DURATION_BINS + 1));
  const days = new Map<number, { entered: number; completed: number; users: Uint8Array }>();
  let sessionCount = 0;
  let eventCount = 0;
  let dropped = 0;
  let firstAt = Number.POSITIVE_INFINITY;
  let lastAt = Number.NEGATIVE_INFINITY;
  let watermark = Number.NEGATIVE_INFINITY;
  let nextSweepAt = Number.NEGATIVE_INFINITY;
  let stamp = 0;

  function addCode(key: string, kind: number, label: string): number {
    const code = codeKind.length;
    codeByKey.set(key, code);
    codeKind.push(kind);
    codeLabel.push(label);
    pageviews.push(0);
    sessionsPerCode.push(0);
    seenStamp.push(0);
    pairStart.push(pairFlow.length);
    for (let f = 0; f < flowCount; f++) {
      const steps = funnels[f]?.steps ?? [];
      // Later steps first, so one event never advances the same funnel twice.
      for (let k = steps.length - 1; k >= 0; k--) {
        const step = steps[k] as FunnelStep;
        const hit =
          kind === EVENT ? step.kind === "event" && step.name === label : stepMatchesUrl(step, label);
        if (hit) {
          pairFlow.push(f);
          pairStep.push(k);
        }
      }
    }
    pairEnd.push(pairFlow.length);
    return code;
  }

  function codeOfUrl(url: string): number {
    const local = stripOrigin(url);
    return codeByKey.get(local) ?? addCode(local, PAGE, local);
  }

  function codeOfEvent(name: string): number {
    const key = `\u0000${name}`;
    return codeByKey.get(key) ?? addCode(key, EVENT, name);
  }

  function codeOfUser(userId: string): number {
    let code = users.get(userId);
    if (code === undefined) {
      code = users.size;
      users.set(userId, code);
    }
    return code;
  }

  function openSlot(key: string | number, user: number, device: number): number {
    let slot = freeSlots.pop();
    if (slot === undefined) {
      slot = slotKey.length;
      slotKey.push(key);
      slotTimes.push([]);
      slotCodes.push([]);
      slotUser.push(user);
      slotDevice.push(device);
      slotLast.push(Number.NEGATIVE_INFINITY);
      slotSorted.push(true);
    } else {
      slotKey[slot] = key;
      slotUser[slot] = user;
      slotDevice[slot] = device;
      slotLast[slot] = Number.NEGATIVE_INFINITY;
      slotSorted[slot] = true;
    }
    if (typeof key === "string") slotByString.set(key, slot);
    else slotByNumber.set(key, slot);
    openSlots.push(slot);
    sessionCount++;
    return slot;
  }

  function record(slot: number, time: number, code: number): void {
    eventCount++;
    if (time < firstAt) firstAt = time;
    if (time > lastAt) lastAt = time;
    const times = slotTimes[slot] as number[];
    if (times.length >= maxEvents) {
      dropped++;
      return;
    }
    if (time < (slotLast[slot] as number)) slotSorted[slot] = false;
    else slotLast[slot] = time;
    times.push(time);
    (slotCodes[slot] as number[]).push(code);
    if (time > watermark) {
      watermark = time;
      if (watermark >= nextSweepAt) sweep();
    }
  }

  function pushCoded(session: number, user: number, time: number, code: number, device: number): void {
    let slot = slotByNumber.get(session);
    if (slot === undefined) slot = openSlot(session, user, device);
    else if (time - (slotLast[slot] as number) > timeout) restartSlot(slot);
    record(slot, time, code);
  }

  function push(event: SessionEvent): void {
    const code =
      event.url !== undefined
        ? codeOfUrl(event.url)
        : event.event !== undefined
          ? codeOfEvent(event.event)
          : -1;
    if (code < 0) return;
    let slot = slotByString.get(event.sessionId);
    if (slot === undefined) {
      const device = DEVICES.indexOf(event.device ?? "other");
      slot = openSlot(event.sessionId, codeOfUser(event.userId ?? event.sessionId), device);
    } else if (event.time - (slotLast[slot] as number) > timeout) restartSlot(slot);
    record(slot, event.time, code);
  }

  function sweep(): void {
    nextSweepAt = watermark + timeout / SWEEPS_PER_TIMEOUT;
    const cutoff = watermark - timeout;
    const stillOpen: number[] = [];
    for (const slot of openSlots) {
      if ((slotLast[slot] as number) < cutoff) closeSlot(slot);
      else stillOpen.push(slot);
    }
    openSlots = stillOpen;
  }

  function endSession(sessionId: string | number): void {
    const slot = typeof sessionId === "string" ? slotByString.get(sessionId) : slotByNumber.get(sessionId);
    if (slot === undefined) return;
    closeSlot(slot);
    openSlots = openSlots.filter((s) => s !== slot);
  }

  /** The same session id after a long idle gap is a new session: match the old one, keep the slot. */
  function restartSlot(slot: number): void {
    matchSlot(slot);
    slotLast[slot] = Number.NEGATIVE_INFINITY;
    slotSorted[slot] = true;
    sessionCount++;
  }

  function matchSlot(slot: number): void {
    const times = slotTimes[slot] as number[];
    const codes = slotCodes[slot] as number[];
    if (!slotSorted[slot]) sortByTime(times, codes);
    matchSession(times, codes, slotUser[slot] as number, slotDevice[slot] as number);
    times.length = 0;
    codes.length = 0;
  }

  function closeSlot(slot: number): void {
    matchSlot(slot);
    const key = slotKey[slot] as string | number;
    if (typeof key === "string") slotByString.delete(key);
    else slotByNumber.delete(key);
    freeSlots.push(slot);
  }

  function matchSession(times: number[], codes: number[], user: number, device: number): void {
    stamp++;
    let touchedCount = 0;
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i] as number;
      const time = times[i] as number;
      if (codeKind[code] === PAGE) {
        pageviews[code] = (pageviews[code] as number) + 1;
        if (seenStamp[code] !== stamp) {
          seenStamp[code] = stamp;
          sessionsPerCode[code] = (sessionsPerCode[code] as number) + 1;
        }
      }
      const end = pairEnd[code] as number;
      for (let p = pairStart[code] as number; p < end; p++) {
        const f = pairFlow[p] as number;
        const k = pairStep[p] as number;
        if (progress[f] !== k) continue;
        progress[f] = k + 1;
        if (k === 0) {
          startTime[f] = time;
          touched[touchedCount++] = f;
        }
        endTime[f] = time;
      }
    }
    for (let i = 0; i < touchedCount; i++) {
      const f = touched[i] as number;
      const reached = progress[f] as number;
      progress[f] = 0;
      entered[f] = (entered[f] as number) + 1;
      enteredBy[f * DEVICE_COUNT + device] = (enteredBy[f * DEVICE_COUNT + device] as number) + 1;
      const done = reached === stepCounts[f];
      if (done) {
        completed[f] = (completed[f] as number) + 1;
        completedBy[f * DEVICE_COUNT + device] = (completedBy[f * DEVICE_COUNT + device] as number) + 1;
        const bin = Math.min(
          DURATION_BINS,
          Math.floor(((endTime[f] as number) - (startTime[f] as number)) / DURATION_BIN_MS),
        );
        durations[f * (DURATION_BINS + 1) + bin] = (durations[f * (DURATION_BINS + 1) + bin] as number) + 1;
      } else {
        reachedOnly[f * (maxSteps + 1) + reached] = (reachedOnly[f * (maxSteps + 1) + reached] as number) + 1;
      }
      const dayKey = Math.floor((startTime[f] as number) / DAY_MS) * flowCount + f;
      let day = days.get(dayKey);
      if (!day) {
        day = { entered: 0, completed: 0, users: newSketch() };
        days.set(dayKey, day);
      }
      day.entered++;
      if (done) day.completed++;
      addToSketch(day.users, user);
    }
  }

  function finish(): FunnelReport {
    for (const slot of openSlots) closeSlot(slot);
    openSlots = [];
    return buildReport();
  }

  function buildReport(): FunnelReport {
    const spanDays = eventCount > 0 ? Math.floor(lastAt / DAY_MS) - Math.floor(firstAt / DAY_MS) + 1 : 0;
    const dailyByFlow = new Map<number, FlowDayStats[]>();
    for (const [key, stats] of days) {
      const f = key % flowCount;
      const day = (key - f) / flowCount;
      const list = dailyByFlow.get(f) ?? [];
      list.push({
        day: dayOf(day * DAY_MS),
        entered: stats.entered,
        completed: stats.completed,
        users: estimateSketch(stats.users),
      });
      dailyByFlow.set(f, list);
    }
    const flows = funnels.map((funnel, f): FlowFunnelStats => {
      const daily = (dailyByFlow.get(f) ?? []).sort((a, b) => a.day.localeCompare(b.day));
      const userDays = daily.reduce((sum, d) => sum + d.users, 0);
      const devices = {} as Record<Device, DeviceStats>;
      DEVICES.forEach((device, d) => {
        const e = enteredBy[f * DEVICE_COUNT + d] as number;
        const c = completedBy[f * DEVICE_COUNT + d] as number;
        devices[device] = { entered: e, completed: c, successRate: e > 0 ? c / e : null };
      });
      const e = entered[f] as number;
      const c = completed[f] as number;
      return {
        flow: funnel.name,
        steps: describeSteps(funnel.steps),
        entered: e,
        completed: c,
        successRate: e > 0 ? c / e : null,
        dailyUsers: spanDays > 0 ? userDays / spanDays : 0,
        medianDurationMs: medianDuration(f, c),
        topExitStep: topExit(f, funnel),
        devices,
        daily,
      };
    });
    return {
      sessions: sessionCount,
      events: eventCount,
      droppedEvents: dropped,
      firstEventAt: eventCount > 0 ? firstAt : null,
      lastEventAt: eventCount > 0 ? lastAt : null,
      flows,
      pages: pageTraffic(),
    };
  }

  function medianDuration(f: number, count: number): number | null {
    if (count === 0) return null;
    const half = Math.ceil(count / 2); // the lower median for an even count
    let seen = 0;
    for (let bin = 0; bin <= DURATION_BINS; bin++) {
      seen += durations[f * (DURATION_BINS + 1) + bin] as number;
      if (seen >= half) return bin * DURATION_BIN_MS + DURATION_BIN_MS / 2;
    }
    return DURATION_BINS * DURATION_BIN_MS;
  }

  function topExit(f: number, funnel: FunnelDefinition): FlowFunnelStats["topExitStep"] {
    let best: FlowFunnelStats["topExitStep"] = null;
    for (let reached = 1; reached < funnel.steps.length; reached++) {
      const sessions = reachedOnly[f * (maxSteps + 1) + reached] as number;
      if (sessions > 0 && (!best || sessions > best.sessions)) {
        best = { index: reached, step: describeSteps(funnel.steps)[reached] as string, sessions };
      }
    }
    return best;
  }

  function pageTraffic(): PageTraffic[] {
    const byPath = new Map<string, PageTraffic>();
    for (let code = 0; code < codeKind.length; code++) {
      if (codeKind[code] !== PAGE) continue;
      const path = splitUrl(codeLabel[code] as string).path;
      const page = byPath.get(path) ?? { path, pageviews: 0, sessions: 0, covered: false };
      page.pageviews += pageviews[code] as number;
      // A session that saw two URLs of one path counts twice here; close enough for ranking.
      page.sessions += sessionsPerCode[code] as number;
      page.covered ||= (pairEnd[code] as number) > (pairStart[code] as number);
      byPath.set(path, page);
    }
    return [...byPath.values()]
      .filter((p) => p.pageviews > 0)
      .sort((a, b) => b.sessions - a.sessions || a.path.localeCompare(b.path));
  }

  return {
    push,
    pushCoded,
    codeOfUrl,
    codeOfEvent,
    codeOfUser,
    endSession,
    get openSessions() {
      return openSlots.length;
    },
    finish,
  };
}

/** Insertion sort of two parallel arrays by time: a session's events are nearly in order. */
function sortByTime(times: number[], codes: number[]): void {
  for (let i = 1; i < times.length; i++) {
    const t = times[i] as number;
    const c = codes[i] as number;
    let j = i - 1;
    while (j >= 0 && (times[j] as number) > t) {
      times[j + 1] = times[j] as number;
      codes[j + 1] = codes[j] as number;
      j--;
    }
    times[j + 1] = t;
    codes[j + 1] = c;
  }
}

/** Matches a finite list of events in one go. */
export function matchFunnels(
  funnels: readonly FunnelDefinition[],
  events: Iterable<SessionEvent>,
  options: FunnelMatcherOptions = {},
): FunnelReport {
  const matcher = createFunnelMatcher(funnels, options);
  for (const event of events) matcher.push(event);
  return matcher.finish();
}
