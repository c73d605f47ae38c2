import type { DayRange } from "./correlation.ts";
import type { DailyPageMetrics } from "./metrics-source.ts";
import type { AnalyticsProvider, ProviderEvent } from "./provider.ts";
import { AnalyticsError, excerpt, type HttpFailure, type HttpPolicy, requestJson } from "./provider-http.ts";
import { deviceOf } from "./session-event.ts";

/*
 * PostHog through its query API: `POST {host}/api/projects/{id}/query/` with a HogQLQuery, a
 * personal API key (scope query:read) as a Bearer token. Answers carry `results` (rows as arrays),
 * `columns` and `hasMore`. Values go in through HogQL placeholders, never spliced into the query.
 */

/** The only hosts a key is sent to without an explicit self-hosted URL. */
export const POSTHOG_CLOUD_HOSTS = { us: "https://us.posthog.com", eu: "https://eu.posthog.com" } as const;
export const POSTHOG_KEY_ENV = ["PERCEO_POSTHOG_API_KEY", "POSTHOG_PERSONAL_API_KEY"] as const;
/** Rows per query page; PostHog suggests at most 50k and timestamp (keyset) pagination. */
export const POSTHOG_PAGE_SIZE = 10_000;

export interface PostHogSettings {
  /** `us` or `eu` cloud, or a cloud URL (`https://eu.posthog.com`). Default `us`. */
  host?: string;
  /** A self-hosted instance's URL: the key is sent there and nowhere else. */
  selfHostedUrl?: string;
  /** The numeric project id from the project's settings. */
  projectId: string | number;
  env?: NodeJS.ProcessEnv;
  http?: HttpPolicy;
  pageSize?: number;
}

export function resolvePostHogHost(settings: Pick<PostHogSettings, "host" | "selfHostedUrl">): string {
  if (settings.selfHostedUrl) {
    let url: URL;
    try {
      url = new URL(settings.selfHostedUrl);
    } catch {
      throw config(`selfHostedUrl "${settings.selfHostedUrl}" is not a URL`);
    }
    const local = url.hostname === "localhost" || url.hostname === "127.0.0.1";
    if (url.protocol !== "https:" && !(local && url.protocol === "http:")) {
      throw config(
        `selfHostedUrl must use https (the API key travels with every request), not ${url.protocol}`,
      );
    }
    return url.origin;
  }
  const host = (settings.host ?? "us").replace(/\/+$/, "");
  if (host === "us" || host === "eu") return POSTHOG_CLOUD_HOSTS[host];
  const cloud = Object.values(POSTHOG_CLOUD_HOSTS).find((h) => h === host);
  if (cloud) return cloud;
  if (host === "https://app.posthog.com") return POSTHOG_CLOUD_HOSTS.us;
  if (/^https:\/\/(us|eu)\.i\.posthog\.com$/.test(host)) {
    throw config(`${host} only receives events; queries go to ${host.replace(".i.", ".")}`);
  }
  throw config(
    `PostHog host "${host}" is not PostHog Cloud (us, eu); for your own instance set selfHostedUrl so the key is sent there knowingly`,
  );
}

export function postHogProvider(settings: PostHogSettings): AnalyticsProvider {
  const host = resolvePostHogHost(settings);
  const projectId = String(settings.projectId);
  if (!/^\d+$/.test(projectId)) {
    throw config(
      `PostHog project id must be the number from your project settings, not "${projectId}"${projectId.startsWith("phc_") ? " (that is the project API key)" : ""}`,
    );
  }
  const env = settings.env ?? process.env;
  const keyEnv = POSTHOG_KEY_ENV.find((name) => env[name]);
  const apiKey = keyEnv ? env[keyEnv] : undefined;
  if (!keyEnv || !apiKey) {
    throw new AnalyticsError(
      "posthog",
      "missing_credential",
      `set ${POSTHOG_KEY_ENV[0]} to a PostHog personal API key with the query:read scope`,
    );
  }
  if (apiKey.startsWith("phc_")) {
    throw new AnalyticsError(
      "posthog",
      "invalid_credential",
      `${keyEnv} holds a project API key (phc_…), which only sends events; create a personal API key (phx_…) with query:read`,
    );
  }
  const pageSize = settings.pageSize ?? POSTHOG_PAGE_SIZE;
  const url = `${host}/api/projects/${projectId}/query/`;

  const explain = ({ status, body }: HttpFailure): AnalyticsError => {
    const detail = typeof body === "object" && body && "detail" in body ? String(body.detail) : excerpt(body);
    switch (status) {
      case 401:
        return new AnalyticsError(
          "posthog",
          "invalid_credential",
          `PostHog refused ${keyEnv} (401: ${detail}): create a new personal API key`,
          status,
        );
      case 403:
        return new AnalyticsError(
          "posthog",
          "permission_denied",
          `${keyEnv} may not query project ${projectId} (403: ${detail}): give the key the query:read scope and access to this project`,
          status,
        );
      case 404:
        return new AnalyticsError(
          "posthog",
          "not_found",
          `no PostHog project ${projectId} at ${host}: check the project id and the region`,
          status,
        );
      case 429:
        return new AnalyticsError(
          "posthog",
          "rate_limited",
          `PostHog is rate-limiting queries (429: ${detail}); try again later`,
          status,
        );
      case 400:
        return new AnalyticsError(
          "posthog",
          "bad_request",
          `PostHog refused the query (400: ${detail})`,
          status,
        );
      default:
        return new AnalyticsError("posthog", "unavailable", `PostHog answered ${status}: ${detail}`, status);
    }
  };

  async function query(name: string, hogql: string, values: Record<string, unknown>): Promise<QueryAnswer> {
    const body = await requestJson(
      "posthog",
      url,
      {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ query: { kind: "HogQLQuery", query: hogql, values }, name }),
      },
      settings.http ?? {},
      explain,
    );
    return readAnswer(body);
  }

  return {
    source: "posthog",

    async *fetchEvents(range: DayRange, options = {}) {
      const names = ["$pageview", ...(options.eventNames ?? [])];
      let cursor: { time: string; id: string } | undefined;
      for (;;) {
        const answer = await query(
          "perceo-analytics-events",
          `SELECT uuid, event, distinct_id, timestamp, properties.$session_id, properties.$current_url, properties.$device_type
FROM events
WHERE timestamp >= toDateTime({from}) AND timestamp < toDateTime({to}) AND event IN {names}${
            cursor
              ? "\n  AND (timestamp > toDateTime64({after_time}, 6) OR (timestamp = toDateTime64({after_time}, 6) AND toString(uuid) > {after_id}))"
              : ""
          }
ORDER BY timestamp, uuid
LIMIT {page_size}`,
          {
            from: `${range.from} 00:00:00`,
            to: `${range.to} 00:00:00`,
            names,
            page_size: pageSize,
            ...(cursor ? { after_time: cursor.time, after_id: cursor.id } : {}),
          },
        );
        const events = answer.rows.map(toEvent);
        if (events.length > 0) yield events;
        const last = answer.rows.at(-1);
        if (!last || answer.rows.length < pageSize) return;
        cursor = { time: String(last[3]), id: String(last[0]) };
      }
    },

    async fetchDailyPageMetrics(range) {
      const window = { from: `${range.from} 00:00:00`, to: `${range.to} 00:00:00` };
      const views = await query(
        "perceo-page-views",
        `SELECT toDate(timestamp) AS day, properties.$pathname AS path, count() AS pageviews,
  count(DISTINCT person_id) AS visitors
FROM events
WHERE event = '$pageview' AND timestamp >= toDateTime({from}) AND timestamp < toDateTime({to})
GROUP BY day, path
ORDER BY day, path
LIMIT 50000`,
        window,
      );
      const sessions = await query(
        "perceo-page-sessions",
        `SELECT toDate($start_timestamp) AS day, $entry_pathname AS path, count() AS sessions,
  countIf($is_bounce) AS bounced
FROM sessions
WHERE $start_timestamp >= toDateTime({from}) AND $start_timestamp < toDateTime({to})
GROUP BY day, path
ORDER BY day, path
LIMIT 50000`,
        window,
      );
      const rows = new Map<string, DailyPageMetrics>();
      const row = (day: unknown, path: unknown) => {
        const key = `${String(day)} ${String(path)}`;
        let found = rows.get(key);
        if (!found) {
          found = {
            day: String(day).slice(0, 10),
            path: String(path ?? "/"),
            pageviews: 0,
            visitors: 0,
            sessions: 0,
            bouncedSessions: 0,
          };
          rows.set(key, found);
        }
        return found;
      };
      for (const [day, path, pageviews, visitors] of views.rows) {
        const r = row(day, path);
        r.pageviews = Number(pageviews);
        r.visitors = Number(visitors);
      }
      for (const [day, path, count, bounced] of sessions.rows) {
        const r = row(day, path);
        r.sessions = Number(count);
        r.bouncedSessions = Number(bounced);
      }
      return [...rows.values()].filter((r) => r.day >= range.from && r.day < range.to);
    },
  };
}

interface QueryAnswer {
  rows: unknown[][];
}

function readAnswer(body: unknown): QueryAnswer {
  if (typeof body !== "object" || body === null || !Array.isArray((body as { results?: unknown }).results)) {
    throw new AnalyticsError("posthog", "bad_response", `PostHog answered without results: ${excerpt(body)}`);
  }
  const results = (body as { results: unknown[] }).results;
  return { rows: results.filter((r): r is unknown[] => Array.isArray(r)) };
}

function toEvent(row: unknown[]): ProviderEvent {
  const [uuid, name, distinctId, timestamp, sessionId, url, device] = row;
  const event = String(name);
  const time = Date.parse(String(timestamp));
  return {
    eventId: String(uuid),
    name: event,
    sessionId: sessionId ? String(sessionId) : `${String(distinctId)}:${String(timestamp).slice(0, 10)}`,
    userId: String(distinctId),
    time,
    device: deviceOf(device),
    ...(event === "$pageview" ? { url: String(url ?? "/") } : { event }),
  };
}

function config(message: string): AnalyticsError {
  return new AnalyticsError("posthog", "bad_config", message);
}
