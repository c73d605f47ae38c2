import { readFile } from "node:fs/promises";
import { importPKCS8, SignJWT } from "jose";
import { addDays, type DayRange } from "./correlation.ts";
import type { DailyPageMetrics } from "./metrics-source.ts";
import type { AnalyticsProvider } from "./provider.ts";
import { AnalyticsError, excerpt, type HttpFailure, type HttpPolicy, requestJson } from "./provider-http.ts";

/*
 * GA4 through the Data API's `properties/{id}:runReport`. Credentials, first found wins:
 * PERCEO_GA4_ACCESS_TOKEN (an OAuth token), PERCEO_GA4_SERVICE_ACCOUNT (the key file's JSON), or
 * GOOGLE_APPLICATION_CREDENTIALS (the key file's path). A service account signs a JWT and trades it
 * for an access token with the analytics.readonly scope.
 */

export const GA4_API = "https://analyticsdata.googleapis.com/v1beta";
export const GA4_SCOPE = "https://www.googleapis.com/auth/analytics.readonly";
const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
/** Rows per runReport page; the API returns at most 250,000. */
export const GA4_PAGE_SIZE = 100_000;

export interface Ga4Settings {
  /** The numeric GA4 property id (Admin → Property settings), not the G- measurement id. */
  propertyId: string | number;
  env?: NodeJS.ProcessEnv;
  http?: HttpPolicy;
  pageSize?: number;
}

/** An https URL on one of Google's API hosts (`*.googleapis.com`), default port. */
export function isGoogleApiUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return (
      url.protocol === "https:" && !url.port && !url.username && url.hostname.endsWith(".googleapis.com")
    );
  } catch {
    return false;
  }
}

interface ServiceAccount {
  client_email: string;
  private_key: string;
  token_uri?: string;
}

export function ga4Provider(settings: Ga4Settings): AnalyticsProvider {
  const propertyId = String(settings.propertyId);
  if (!/^\d+$/.test(propertyId)) {
    throw new AnalyticsError(
      "ga4",
      "bad_config",
      `GA4 property id must be a number, not "${propertyId}"${propertyId.startsWith("G-") ? " (that is a measurement id; the property id is in Admin → Property settings)" : ""}`,
    );
  }
  const env = settings.env ?? process.env;
  const http = settings.http ?? {};
  const pageSize = settings.pageSize ?? GA4_PAGE_SIZE;
  let credentialName = "PERCEO_GA4_ACCESS_TOKEN";
  let cached: { token: string; expiresAt: number } | undefined;

  async function accessToken(): Promise<string> {
    if (env.PERCEO_GA4_ACCESS_TOKEN) return env.PERCEO_GA4_ACCESS_TOKEN;
    if (cached && cached.expiresAt > Date.now() + 60_000) return cached.token;
    const account = await readServiceAccount();
    const tokenUrl = account.token_uri ?? GOOGLE_TOKEN_URL;
    let key: CryptoKey;
    try {
      key = await importPKCS8(account.private_key, "RS256");
    } catch {
      throw new AnalyticsError(
        "ga4",
        "invalid_credential",
        `${credentialName}: private_key is not a PEM PKCS#8 key`,
      );
    }
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ scope: GA4_SCOPE })
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .setIssuer(account.client_email)
      .setAudience(tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(key);
    const body = (await requestJson(
      "ga4",
      tokenUrl,
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
          assertion,
        }).toString(),
      },
      http,
      ({ status, body }) =>
        new AnalyticsError(
          "ga4",
          status >= 500 || status === 429 ? "unavailable" : "invalid_credential",
          `Google refused the service account in ${credentialName} (${status}: ${excerpt(body)}): check the key is current and not deleted`,
          status,
        ),
    )) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== "string") {
      throw new AnalyticsError(
        "ga4",
        "bad_response",
        `Google's token answer had no access_token: ${excerpt(body)}`,
      );
    }
    cached = { token: body.access_token, expiresAt: Date.now() + Number(body.expires_in ?? 3600) * 1000 };
    return cached.token;
  }

  async function readServiceAccount(): Promise<ServiceAccount> {
    let text: string | undefined;
    if (env.PERCEO_GA4_SERVICE_ACCOUNT) {
      credentialName = "PERCEO_GA4_SERVICE_ACCOUNT";
      text = env.PERCEO_GA4_SERVICE_ACCOUNT;
    } else if (env.GOOGLE_APPLICATION_CREDENTIALS) {
      credentialName = `GOOGLE_APPLICATION_CREDENTIALS (${env.GOOGLE_APPLICATION_CREDENTIALS})`;
      text = await readFile(env.GOOGLE_APPLICATION_CREDENTIALS, "utf8").catch(() => {
        throw new AnalyticsError("ga4", "missing_credential", `cannot read ${credentialName}`);
      });
    } else {
      throw new AnalyticsError(
        "ga4",
        "missing_credential",
        "set PERCEO_GA4_SERVICE_ACCOUNT to a service account's JSON key (or PERCEO_GA4_ACCESS_TOKEN to an OAuth token with analytics.readonly)",
      );
    }
    let parsed: Partial<ServiceAccount>;
    try {
      parsed = JSON.parse(text) as Partial<ServiceAccount>;
    } catch {
      throw new AnalyticsError("ga4", "invalid_credential", `${credentialName} is not JSON`);
    }
    if (typeof parsed.client_email !== "string" || typeof parsed.private_key !== "string") {
      throw new AnalyticsError(
        "ga4",
        "invalid_credential",
        `${credentialName} lacks client_email or private_key: is it a service account key?`,
      );
    }
    if (parsed.token_uri !== undefined && !isGoogleApiUrl(parsed.token_uri)) {
      // The signed assertion is a credential too: it goes to Google's token endpoint and nowhere else.
      throw new AnalyticsError(
        "ga4",
        "invalid_credential",
        `${credentialName}: token_uri must be a Google API address (https://oauth2.googleapis.com/token)`,
      );
    }
    return parsed as ServiceAccount;
  }

  const explain = ({ status, body }: HttpFailure): AnalyticsError => {
    const error = (body as { error?: { message?: string; status?: string } } | undefined)?.error;
    const detail = error?.message ?? excerpt(body);
    const who = env.PERCEO_GA4_ACCESS_TOKEN ? "PERCEO_GA4_ACCESS_TOKEN" : credentialName;
    if (status === 401) {
      return new AnalyticsError(
        "ga4",
        "invalid_credential",
        `GA4 refused ${who} (401: ${detail}): the token is invalid or expired`,
        status,
      );
    }
    if (status === 403) {
      const disabled = /has not been used|is disabled/i.test(detail);
      return new AnalyticsError(
        "ga4",
        "permission_denied",
        disabled
          ? `the Google Analytics Data API is not enabled for ${who}'s Cloud project (403: ${detail})`
          : `${who} cannot read GA4 property ${propertyId} (403: ${detail}): add the service account's email as a Viewer in GA4 Admin → Property access management`,
        status,
      );
    }
    if (status === 404)
      return new AnalyticsError("ga4", "not_found", `no GA4 property ${propertyId} (404: ${detail})`, status);
    if (status === 429) {
      return new AnalyticsError(
        "ga4",
        "rate_limited",
        `GA4 quota exhausted for property ${propertyId} (429: ${detail}); try again later`,
        status,
      );
    }
    if (status === 400)
      return new AnalyticsError("ga4", "bad_request", `GA4 refused the report (400: ${detail})`, status);
    return new AnalyticsError("ga4", "unavailable", `GA4 answered ${status}: ${detail}`, status);
  };

  async function runReport(request: Record<string, unknown>): Promise<RunReportAnswer> {
    const token = await accessToken();
    const body = await requestJson(
      "ga4",
      `${GA4_API}/properties/${propertyId}:runReport`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(request),
      },
      http,
      explain,
    );
    if (typeof body !== "object" || body === null) {
      throw new AnalyticsError("ga4", "bad_response", `GA4 answered with no report: ${excerpt(body)}`);
    }
    return body as RunReportAnswer;
  }

  return {
    source: "ga4",
    async fetchDailyPageMetrics(range: DayRange) {
      const rows: DailyPageMetrics[] = [];
      for (let offset = 0; ; offset += pageSize) {
        const answer = await runReport({
          dateRanges: [{ startDate: range.from, endDate: addDays(range.to, -1) }],
          dimensions: [{ name: "date" }, { name: "pagePath" }],
          metrics: [
            { name: "screenPageViews" },
            { name: "totalUsers" },
            { name: "sessions" },
            { name: "bounceRate" },
          ],
          limit: pageSize,
          offset,
        });
        for (const row of answer.rows ?? []) {
          const [date, path] = (row.dimensionValues ?? []).map((v) => v.value ?? "");
          const [views, users, sessions, bounceRate] = (row.metricValues ?? []).map((v) =>
            Number(v.value ?? 0),
          );
          const d = date ?? "";
          rows.push({
            day: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`,
            path: path || "/",
            pageviews: views ?? 0,
            visitors: users ?? 0,
            sessions: sessions ?? 0,
            bouncedSessions: Math.round((bounceRate ?? 0) * (sessions ?? 0)),
          });
        }
        if (offset + pageSize >= (answer.rowCount ?? 0)) break;
      }
      return rows;
    },
  };
}

interface RunReportAnswer {
  rows?: Array<{ dimensionValues?: Array<{ value?: string }>; metricValues?: Array<{ value?: string }> }>;
  rowCount?: number;
}
