import { addDays, type DayRange } from "./correlation.ts";
import type { DailyPageMetrics } from "./metrics-source.ts";
import type { AnalyticsProvider, EventDayCount, ProviderEvent } from "./provider.ts";
import { AnalyticsError, excerpt, type HttpFailure, type HttpPolicy, requestOk } from "./provider-http.ts";
import { type Device, dayOf } from "./session-event.ts";

/*
 * Mixpanel through its Raw Event Export API (`GET https://data.mixpanel.com/api/2.0/export`, JSONL:
 * one `{"event", "properties": {time, distinct_id, $insert_id, …}}` a line) and its Query API's
 * segmentation report (`GET https://mixpanel.com/api/query/segmentation`: `{"data": {"series",
 * "values"}}`), both with a service account (HTTP Basic, `username:secret`) and `project_id`. Each
 * data residency has its own hosts, and a project answers only on its own: the key goes nowhere else.
 *
 * Mixpanel keeps no session id on events, so sessions are a visitor's events with less than 30
 * minutes between them (Mixpanel's own default session rule). Page views are the JavaScript SDK's
 * `$mp_web_page_view`.
 */

export const MIXPANEL_HOSTS = {
  us: { export: "https://data.mixpanel.com", query: "https://mixpanel.com" },
  eu: { export: "https://data-eu.mixpanel.com", query: "https://eu.mixpanel.com" },
  in: { export: "https://data-in.mixpanel.com", query: "https://in.mixpanel.com" },
} as const;
export type MixpanelResidency = keyof typeof MIXPANEL_HOSTS;
export const MIXPANEL_KEY_ENV = "PERCEO_MIXPANEL_SERVICE_ACCOUNT";
export const MIXPANEL_PAGE_VIEW = "$mp_web_page_view";
/** Events per page handed to the funnel matcher. */
export const MIXPANEL_PAGE_SIZE = 10_000;
/** Days one export request covers: a window's JSONL is held in memory while it is read. */
export const MIXPANEL_EXPORT_DAYS = 7;
const SESSION_GAP_MS = 30 * 60_000;

export interface MixpanelSettings {
  /** The numeric project id (Project settings → Overview). */
  projectId: string | number;
  /** Where the project's data lives (Project settings → Data residency). Default `us`. */
  residency?: MixpanelResidency;
  env?: NodeJS.ProcessEnv;
  http?: HttpPolicy;
  pageSize?: number;
  exportDays?: number;
}

/** A service account as Perceo keeps it: `username:secret`, one string (a variable or a stored secret). */
export function parseMixpanelServiceAccount(
  value: string,
  where: string,
): { username: string; secret: string } {
  const colon = value.indexOf(":");
  const username = colon > 0 ? value.slice(0, colon).trim() : "";
  const secret = colon > 0 ? value.slice(colon + 1).trim() : "";
  if (!username || !secret) {
    throw new AnalyticsError(
      "mixpanel",
      "invalid_credential",
      `${where} must hold a Mixpanel service account as username:secret (Organization settings → Service accounts), not a project token or secret alone`,
    );
  }
  return { username, secret };
}

export function mixpanelProvider(
  settings: MixpanelSettings,
): AnalyticsProvider & Required<Pick<AnalyticsProvider, "fetchEventCounts">> {
  const projectId = String(settings.projectId);
  if (!/^\d+$/.test(projectId)) {
    throw new AnalyticsError(
      "mixpanel",
      "bad_config",
      `Mixpanel project id must be the number from Project settings → Overview, not "${projectId}"${/^[0-9a-f]{32}$/i.test(projectId) ? " (that looks like the project token)" : ""}`,
    );
  }
  const residency = settings.residency ?? "us";
  const hosts = MIXPANEL_HOSTS[residency];
  if (!hosts) {
    throw new AnalyticsError(
      "mixpanel",
      "bad_config",
      `Mixpanel residency "${residency}" is not one of us, eu, in`,
    );
  }
  const env = settings.env ?? process.env;
  const raw = env[MIXPANEL_KEY_ENV];
  if (!raw) {
    throw new AnalyticsError(
      "mixpanel",
      "missing_credential",
      `set ${MIXPANEL_KEY_ENV} to a Mixpanel service account as username:secret, with the Consumer role (or higher) on project ${projectId}`,
    );
  }
  const account = parseMixpanelServiceAccount(raw, MIXPANEL_KEY_ENV);
  const authorization = `Basic ${Buffer.from(`${account.username}:${account.secret}`).toString("base64")}`;
  const http = settings.http ?? {};
  const pageSize = settings.pageSize ?? MIXPANEL_PAGE_SIZE;
  const exportDays = settings.exportDays ?? MIXPANEL_EXPORT_DAYS;

  const explain = ({ status, body }: HttpFailure): AnalyticsError => {
    const detail =
      typeof body === "object" && body && "error" in body
        ? String((body as { error: unknown }).error)
        : excerpt(body);
    const who = `the service account ${account.username}`;
    // A project asked for on another residency's hosts is refused as "invalid project id for cluster".
    if (/cluster|residency|region/i.test(detail) && status < 500) {
      return new AnalyticsError(
        "mixpanel",
        "bad_config",
        `Mixpanel project ${projectId} is not on the ${residency.toUpperCase()} servers (${status}: ${detail}): set analytics.residency to the data residency in Project settings (us, eu or in)`,
        status,
      );
    }
    switch (status) {
      case 401:
        return new AnalyticsError(
          "mixpanel",
          "invalid_credential",
          `Mixpanel refused ${who} (401: ${detail}): check the username and secret in ${MIXPANEL_KEY_ENV}, or create a new secret`,
          status,
        );
      case 403:
        return new AnalyticsError(
          "mixpanel",
          "permission_denied",
          `${who} may not read project ${projectId} (403: ${detail}): give it the Consumer role (or higher) on this project in Organization settings → Service accounts`,
          status,
        );
      case 404:
        return new AnalyticsError(
          "mixpanel",
          "not_found",
          `no Mixpanel project ${projectId} on the ${residency.toUpperCase()} servers (404: ${detail}): check the project id and analytics.residency`,
          status,
        );
      case 429:
        return new AnalyticsError(
          "mixpanel",
          "rate_limited",
          `Mixpanel is rate-limiting project ${projectId} (429: ${detail}); the export allows 60 queries an hour: try again later`,
          status,
        );
      case 400:
        return new AnalyticsError(
          "mixpanel",
          "bad_request",
          `Mixpanel refused the query (400: ${detail})`,
          status,
        );
      default:
        return new AnalyticsError(
          "mixpanel",
          "unavailable",
          `Mixpanel answered ${status}: ${detail}`,
          status,
        );
    }
  };

  const get = (url: URL, accept: string) =>
    requestOk(
      "mixpanel",
      url.toString(),
      { method: "GET", headers: { authorization, accept } },
      http,
      explain,
      (response) => response.text(),
    ).then((r) => r.text);

  /** Raw events of [from, to), a window at a time, each window's lines in time order. */
  async function* exportEvents(range: DayRange, names: readonly string[]): AsyncGenerator<MixpanelEvent[]> {
    for (let from = range.from; from < range.to; from = addDays(from, exportDays)) {
      const to = [addDays(from, exportDays), range.to].sort()[0] as string;
      const url = new URL("/api/2.0/export", hosts.export);
      url.searchParams.set("project_id", projectId);
      url.searchParams.set("from_date", from);
      url.searchParams.set("to_date", addDays(to, -1));
      url.searchParams.set("event", JSON.stringify(names));
      url.searchParams.set("time_in_ms", "true");
      const text = await get(url, "text/plain");
      const events: MixpanelEvent[] = [];
      for (const line of text.split("\n")) {
        if (line.trim() === "") continue;
        events.push(readExportLine(line));
      }
      // Mixpanel's window is whole days in UTC (projects since 2023); a line outside it is dropped.
      const within = events.filter((e) => {
        const day = dayOf(e.time);
        return day >= from && day < to;
      });
      within.sort((a, b) => a.time - b.time || a.id.localeCompare(b.id));
      yield within;
    }
  }

  /** Sessions cut at 30 idle minutes per visitor; the cut carries over from one window to the next. */
  function sessionizer() {
    const last = new Map<string, { time: number; session: string }>();
    return (event: MixpanelEvent): string => {
      const previous = last.get(event.distinctId);
      const session =
        previous && event.time - previous.time < SESSION_GAP_MS
          ? previous.session
          : `${event.distinctId}:${event.time}`;
      last.set(event.distinctId, { time: event.time, session });
      return session;
    };
  }

  return {
    source: "mixpanel",

    async *fetchEvents(range, options = {}) {
      const session = sessionizer();
      const seen = new Set<string>();
      let page: ProviderEvent[] = [];
      for await (const window of exportEvents(range, [MIXPANEL_PAGE_VIEW, ...(options.eventNames ?? [])])) {
        for (const event of window) {
          // Raw exports are not deduplicated: Mixpanel says to drop repeats of (name, visitor, time, $insert_id).
          const key = `${event.name}\u0000${event.distinctId}\u0000${event.time}\u0000${event.id}`;
          if (seen.has(key)) continue;
          seen.add(key);
          page.push(toProviderEvent(event, session(event)));
          if (page.length >= pageSize) {
            yield page;
            page = [];
          }
        }
        seen.clear();
      }
      if (page.length > 0) yield page;
    },

    async fetchDailyPageMetrics(range) {
      const session = sessionizer();
      const rows = new Map<string, DailyPageMetrics & { people: Set<string> }>();
      const sessions = new Map<string, { day: string; path: string; views: number }>();
      const row = (day: string, path: string) => {
        const key = `${day} ${path}`;
        let found = rows.get(key);
        if (!found) {
          found = {
            day,
            path,
            pageviews: 0,
            visitors: 0,
            sessions: 0,
            bouncedSessions: 0,
            people: new Set(),
          };
          rows.set(key, found);
        }
        return found;
      };
      for await (const window of exportEvents(range, [MIXPANEL_PAGE_VIEW])) {
        for (const event of window) {
          const path = event.path ?? "/";
          const day = dayOf(event.time);
          const r = row(day, path);
          r.pageviews++;
          r.people.add(event.distinctId);
          const id = session(event);
          const s = sessions.get(id);
          if (s) s.views++;
          else sessions.set(id, { day, path, views: 1 });
        }
      }
      for (const s of sessions.values()) {
        const entry = row(s.day, s.path);
        entry.sessions++;
        if (s.views === 1) entry.bouncedSessions++;
      }
      return [...rows.values()]
        .map(({ people, ...r }) => ({ ...r, visitors: people.size }))
        .sort((a, b) => a.day.localeCompare(b.day) || a.path.localeCompare(b.path));
    },

    async fetchEventCounts(range, eventNames) {
      const counts: EventDayCount[] = [];
      for (const event of eventNames) {
        const url = new URL("/api/query/segmentation", hosts.query);
        url.searchParams.set("project_id", projectId);
        url.searchParams.set("event", event);
        url.searchParams.set("from_date", range.from);
        url.searchParams.set("to_date", addDays(range.to, -1));
        url.searchParams.set("unit", "day");
        url.searchParams.set("type", "general");
        const body = parseSegmentation(await get(url, "application/json"));
        for (const [day, count] of Object.entries(body[event] ?? {})) {
          if (day >= range.from && day < range.to) counts.push({ event, day, count });
        }
      }
      return counts.sort((a, b) => a.event.localeCompare(b.event) || a.day.localeCompare(b.day));
    },
  };
}

interface MixpanelEvent {
  id: string;
  name: string;
  distinctId: string;
  time: number;
  url?: string;
  path?: string;
  device: Device;
}

function readExportLine(line: string): MixpanelEvent {
  let parsed: { event?: unknown; properties?: Record<string, unknown> };
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    throw new AnalyticsError(
      "mixpanel",
      "bad_response",
      `Mixpanel's export has a line that is not JSON: ${excerpt(line, 120)}`,
    );
  }
  const p = parsed.properties ?? {};
  const rawTime = Number(p.time);
  if (typeof parsed.event !== "string" || !Number.isFinite(rawTime)) {
    throw new AnalyticsError(
      "mixpanel",
      "bad_response",
      `Mixpanel's export has an event without a name or time: ${excerpt(line, 120)}`,
    );
  }
  // time_in_ms answers milliseconds; an old export answers seconds.
  const time = rawTime < 10_000_000_000 ? rawTime * 1000 : rawTime;
  const distinctId = String(p.distinct_id ?? p.$device_id ?? "anonymous");
  const url = typeof p.$current_url === "string" ? p.$current_url : undefined;
  const path = typeof p.current_url_path === "string" ? p.current_url_path : url ? pathOf(url) : undefined;
  return {
    id: typeof p.$insert_id === "string" ? p.$insert_id : `${parsed.event}:${distinctId}:${time}`,
    name: parsed.event,
    distinctId,
    time,
    ...(url !== undefined ? { url } : path !== undefined ? { url: path } : {}),
    ...(path !== undefined ? { path } : {}),
    device: mixpanelDevice(p.$os, p.$device),
  };
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split(/[?#]/)[0] || "/";
  }
}

/** Mixpanel's web SDK reports an operating system and, on phones and tablets, a device name. */
function mixpanelDevice(os: unknown, device: unknown): Device {
  const name = typeof device === "string" ? device.toLowerCase() : "";
  if (name.includes("ipad") || name.includes("tablet")) return "tablet";
  const system = typeof os === "string" ? os.toLowerCase() : "";
  if (system === "ios" || system === "android" || system === "windows phone" || name) return "mobile";
  if (["windows", "mac os x", "linux", "chrome os", "ubuntu"].includes(system)) return "desktop";
  return "other";
}

function toProviderEvent(event: MixpanelEvent, sessionId: string): ProviderEvent {
  const pageView = event.name === MIXPANEL_PAGE_VIEW;
  return {
    eventId: event.id,
    name: pageView ? "$pageview" : event.name,
    sessionId,
    userId: event.distinctId,
    time: event.time,
    device: event.device,
    ...(pageView ? { url: event.url ?? "/" } : { event: event.name }),
  };
}

function parseSegmentation(text: string): Record<string, Record<string, number>> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const values = (body as { data?: { values?: unknown } } | undefined)?.data?.values;
  if (typeof values !== "object" || values === null) {
    throw new AnalyticsError(
      "mixpanel",
      "bad_response",
      `Mixpanel's segmentation answer has no data.values: ${excerpt(text)}`,
    );
  }
  return values as Record<string, Record<string, number>>;
}
