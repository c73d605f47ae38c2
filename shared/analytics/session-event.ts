/** The devices analytics tools report, in the order the matcher codes them (0…3). */
export const DEVICES = ["desktop", "mobile", "tablet", "other"] as const;
export type Device = (typeof DEVICES)[number];

/**
 * One thing a visitor did, as the funnel matcher reads it: a page view (`url`) or a named event
 * (`event`). `time` is epoch milliseconds.
 */
export interface SessionEvent {
  sessionId: string;
  userId?: string;
  time: number;
  device?: Device;
  url?: string;
  event?: string;
}

export const DAY_MS = 86_400_000;

/** `2025-03-01` for a time in epoch milliseconds (UTC). */
export function dayOf(time: number): string {
  return new Date(Math.floor(time / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** Maps whatever a provider calls a device (`Mobile`, `smartphone`, `Desktop`) to ours. */
export function deviceOf(value: unknown): Device {
  const text = typeof value === "string" ? value.toLowerCase() : "";
  if (text === "desktop" || text === "laptop") return "desktop";
  if (text === "mobile" || text === "smartphone" || text === "phone") return "mobile";
  if (text === "tablet") return "tablet";
  return "other";
}
