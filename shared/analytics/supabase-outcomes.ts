import {
  checkIdentifiers,
  type OutcomeCount,
  type OutcomeSource,
  type OutcomeTable,
  outcomeName,
} from "./outcome-source.ts";
import { AnalyticsError, excerpt, type HttpFailure, type HttpPolicy, requestOk } from "./provider-http.ts";

/*
 * Outcomes counted through a Supabase project's REST API (PostgREST): the tables and their columns
 * are found in the OpenAPI document `GET /rest/v1/` serves, and each window is one
 * `HEAD /rest/v1/<table>?<ts>=gte.<from>&<ts>=lt.<to>` with `Prefer: count=exact`, whose
 * Content-Range header (`0-0/41`, or a star for the range when nothing matched) carries the
 * count; no row is sent back.
 */

export const SUPABASE_KEY_ENV = "PERCEO_OUTCOMES_SUPABASE_KEY";

export interface SupabaseOutcomesSettings {
  /** https://<ref>.supabase.co (or a self-hosted origin the caller allowed). */
  url: string;
  key: string;
  /** Where the key came from, for messages (never the key). */
  credentialName: string;
  schema?: string;
  tables: readonly OutcomeTable[];
  http?: HttpPolicy;
}

/** A Supabase Cloud project's API origin: `https://<ref>.supabase.co`, default port, nothing else. */
export function isSupabaseCloudUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      url.protocol === "https:" &&
      !url.port &&
      !url.username &&
      !url.password &&
      /^[a-z0-9]{10,40}\.supabase\.co$/.test(url.hostname)
    );
  } catch {
    return false;
  }
}

export function supabaseOutcomes(settings: SupabaseOutcomesSettings): OutcomeSource {
  const schema = settings.schema ?? "public";
  checkIdentifiers("supabase", schema, settings.tables);
  const origin = new URL(settings.url).origin;
  const http = settings.http ?? {};
  const headers: Record<string, string> = {
    apikey: settings.key,
    // Legacy keys are JWTs and go in Authorization too; the new sb_secret_ keys go in apikey only.
    ...(settings.key.startsWith("eyJ") ? { authorization: `Bearer ${settings.key}` } : {}),
    ...(schema !== "public" ? { "accept-profile": schema } : {}),
  };
  let discovered: Promise<void> | undefined;

  const explain =
    (what: string) =>
    ({ status, body }: HttpFailure): AnalyticsError => {
      const detail =
        typeof body === "object" && body && "message" in body
          ? String((body as { message: unknown }).message)
          : excerpt(body);
      if (status === 401 || status === 403) {
        return new AnalyticsError(
          "supabase",
          status === 401 ? "invalid_credential" : "permission_denied",
          `Supabase refused ${settings.credentialName} for ${what} (${status}: ${detail}): use the project's service role (or secret) key, which may read the outcome tables and the API's schema`,
          status,
        );
      }
      if (status === 404)
        return new AnalyticsError(
          "supabase",
          "not_found",
          `Supabase has no ${what} at ${origin} (404: ${detail})`,
          status,
        );
      if (status === 406 && /schema/i.test(detail)) {
        return new AnalyticsError(
          "supabase",
          "bad_config",
          `schema ${schema} is not exposed by ${origin}'s API (406: ${detail}): add it under API settings → Exposed schemas, or use public`,
          status,
        );
      }
      if (status === 429)
        return new AnalyticsError(
          "supabase",
          "rate_limited",
          `Supabase is rate-limiting ${what} (429); try again later`,
          status,
        );
      if (status === 400)
        return new AnalyticsError(
          "supabase",
          "bad_request",
          `Supabase refused ${what} (400: ${detail})`,
          status,
        );
      return new AnalyticsError(
        "supabase",
        "unavailable",
        `Supabase answered ${status} for ${what}: ${detail}`,
        status,
      );
    };

  /** The OpenAPI document names every table and view the key may read, with their columns. */
  async function discover(): Promise<void> {
    const { text } = await requestOk(
      "supabase",
      `${origin}/rest/v1/`,
      { method: "GET", headers: { ...headers, accept: "application/openapi+json" } },
      http,
      explain("the API's OpenAPI document"),
      (r) => r.text(),
    );
    let document: { definitions?: Record<string, { properties?: Record<string, unknown> }> };
    try {
      document = JSON.parse(text) as typeof document;
    } catch {
      throw new AnalyticsError(
        "supabase",
        "bad_response",
        `${origin}/rest/v1/ did not answer with an OpenAPI document`,
      );
    }
    const definitions = document.definitions ?? {};
    const known = Object.keys(definitions).sort();
    for (const table of settings.tables) {
      const definition = definitions[table.table];
      if (!definition) {
        throw new AnalyticsError(
          "supabase",
          "not_found",
          `no table or view ${schema}.${table.table} in ${origin}'s API${known.length ? ` (it has ${known.slice(0, 12).join(", ")}${known.length > 12 ? ", …" : ""})` : " (it lists none: is the key the service role key?)"}: check analytics.outcomes.tables in .perceo/config.yml`,
        );
      }
      if (!definition.properties || !(table.timestamp in definition.properties)) {
        const columns = Object.keys(definition.properties ?? {});
        throw new AnalyticsError(
          "supabase",
          "not_found",
          `${schema}.${table.table} has no column ${table.timestamp}${columns.length ? ` (it has ${columns.slice(0, 12).join(", ")})` : ""}: name its timestamp column in analytics.outcomes.tables`,
        );
      }
    }
  }

  async function count(table: OutcomeTable, from: string, to: string): Promise<number> {
    const url = new URL(`/rest/v1/${table.table}`, origin);
    url.searchParams.set("select", table.timestamp);
    url.searchParams.append(table.timestamp, `gte.${from}`);
    url.searchParams.append(table.timestamp, `lt.${to}`);
    const { text: range } = await requestOk(
      "supabase",
      url.toString(),
      { method: "HEAD", headers: { ...headers, prefer: "count=exact", "range-unit": "items", range: "0-0" } },
      http,
      explain(`a count of ${table.table}`),
      async (r) => r.headers.get("content-range") ?? "",
    );
    const total = /\/(\d+)$/.exec(range)?.[1];
    if (total === undefined) {
      throw new AnalyticsError(
        "supabase",
        "bad_response",
        `Supabase answered a count of ${table.table} without a total in Content-Range ("${range}")`,
      );
    }
    return Number(total);
  }

  return {
    database: "supabase",
    async countWindows(windows) {
      discovered ??= discover();
      await discovered.catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
      const counts: OutcomeCount[][] = [];
      for (const window of windows) {
        const row: OutcomeCount[] = [];
        for (const table of settings.tables) {
          row.push({
            name: outcomeName(table),
            table: table.table,
            count: await count(table, window.from, window.to),
          });
        }
        counts.push(row);
      }
      return counts;
    },
    async close() {},
  };
}
