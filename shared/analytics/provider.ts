import type { AnalyticsEventInput } from "../store/index.ts";
import type { DayRange } from "./correlation.ts";
import type { DailyPageMetrics } from "./metrics-source.ts";
import type { AnalyticsSource } from "./provider-http.ts";
import type { SessionEvent } from "./session-event.ts";

/** An event as a provider hands it over: what the funnel matcher reads, plus its id and name. */
export interface ProviderEvent extends SessionEvent {
  /** The provider's id for the event; a re-sync of the same event stores nothing new. */
  eventId: string;
  /** `$pageview` for page views, else the event's own name. */
  name: string;
}

/** How many times a named event happened on a day. */
export interface EventDayCount {
  event: string;
  day: string;
  count: number;
}

/** PostHog, GA4 and Mixpanel behind one face. */
export interface AnalyticsProvider {
  readonly source: AnalyticsSource;
  /**
   * Every page view and named event in the window, a page at a time, oldest first. GA4's Data API
   * reports only aggregates, so a GA4 provider has no such method.
   */
  fetchEvents?(
    range: DayRange,
    options?: { eventNames?: readonly string[] },
  ): AsyncGenerator<ProviderEvent[]>;
  /** Per day and path: page views, visitors, sessions and bounced sessions. */
  fetchDailyPageMetrics(range: DayRange): Promise<DailyPageMetrics[]>;
  /** Per day, how many times each named event happened (counted by the provider, not from raw events). */
  fetchEventCounts?(range: DayRange, eventNames: readonly string[]): Promise<EventDayCount[]>;
}

/** The row the Store keeps for a provider event. */
export function toStoredEvent(source: AnalyticsSource, event: ProviderEvent): AnalyticsEventInput {
  const properties: Record<string, unknown> = { session_id: event.sessionId };
  if (event.url !== undefined) properties.url = event.url;
  if (event.device !== undefined) properties.device = event.device;
  return {
    source,
    eventId: event.eventId,
    eventName: event.name,
    ...(event.userId !== undefined ? { distinctId: event.userId } : {}),
    occurredAt: new Date(event.time).toISOString(),
    properties,
  };
}
