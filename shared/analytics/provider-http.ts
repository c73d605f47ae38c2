/*
 * What every analytics provider call shares: a timeout, retries with backoff on 429 and 5xx (and on
 * a dropped connection or timeout; every call here is a read), and errors that name the credential or
 * setting to fix.
 */

export type AnalyticsErrorCode =
  | "bad_config"
  | "missing_credential"
  | "invalid_credential"
  | "permission_denied"
  | "not_found"
  | "rate_limited"
  | "unavailable"
  | "timeout"
  | "bad_request"
  | "bad_response";

/** The analytics tools Perceo reads. */
export type AnalyticsSource = "posthog" | "ga4" | "mixpanel";
/** Where a team's own outcomes (signups, orders) are counted. */
export type OutcomeDatabase = "postgres" | "supabase";

export const SOURCE_NAMES: Record<AnalyticsSource | OutcomeDatabase, string> = {
  posthog: "PostHog",
  ga4: "GA4",
  mixpanel: "Mixpanel",
  postgres: "PostgreSQL",
  supabase: "Supabase",
};

export class AnalyticsError extends Error {
  override name = "AnalyticsError";
  readonly code: AnalyticsErrorCode;
  readonly provider: AnalyticsSource | OutcomeDatabase;
  readonly status: number | undefined;
  constructor(
    provider: AnalyticsSource | OutcomeDatabase,
    code: AnalyticsErrorCode,
    message: string,
    status?: number,
  ) {
    super(message);
    this.provider = provider;
    this.code = code;
    this.status = status;
  }
}

export interface HttpPolicy {
  /** Per attempt; default 30 s. */
  timeoutMs?: number;
  /** Attempts after the first, on 429, 5xx, timeouts and network errors; default 3. */
  retries?: number;
  /** First backoff; doubles each retry (with jitter) up to `maxBackoffMs`. Default 500 ms. */
  backoffMs?: number;
  maxBackoffMs?: number;
  fetch?: typeof fetch;
  /** Waits between retries (tests pass one that does not wait). */
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

export interface HttpFailure {
  status: number;
  body: unknown;
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

/**
 * Sends a request and returns the parsed JSON body of a 2xx answer. `explain` turns a final non-2xx
 * answer into the provider's own error; 429/5xx are retried first.
 */
export async function requestJson(
  provider: AnalyticsSource | OutcomeDatabase,
  url: string,
  init: RequestInit,
  policy: HttpPolicy,
  explain: (failure: HttpFailure) => AnalyticsError,
): Promise<unknown> {
  const { response, text } = await requestOk(provider, url, init, policy, explain, (r) => r.text());
  const body = parseJson(text);
  if (body === undefined) {
    throw new AnalyticsError(
      provider,
      "bad_response",
      `${hostOf(url)} answered ${response.status} with no JSON`,
    );
  }
  return body;
}

/**
 * Sends a request and hands the 2xx answer's body to `read` (which streams or buffers it) within the
 * same timeout; a non-2xx answer goes through `explain` and 429/5xx are retried as for `requestJson`.
 */
export async function requestOk<T>(
  provider: AnalyticsSource | OutcomeDatabase,
  url: string,
  init: RequestInit,
  policy: HttpPolicy,
  explain: (failure: HttpFailure) => AnalyticsError,
  read: (response: Response) => Promise<T>,
): Promise<{ response: Response; text: T }> {
  const retries = policy.retries ?? 3;
  const timeoutMs = policy.timeoutMs ?? 30_000;
  const doFetch = policy.fetch ?? fetch;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let lastError: AnalyticsError | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(backoff(policy, attempt, lastError));
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = policy.signal ? AbortSignal.any([policy.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await doFetch(url, { ...init, signal });
      if (response.ok) return { response, text: await read(response) };
      const text = await response.text();
      lastError = explain({ status: response.status, body: parseJson(text) ?? text });
    } catch (error) {
      if (error instanceof AnalyticsError) throw error;
      if (policy.signal?.aborted) throw error;
      lastError = timeout.aborted
        ? new AnalyticsError(provider, "timeout", `${hostOf(url)} did not answer within ${timeoutMs} ms`)
        : new AnalyticsError(
            provider,
            "unavailable",
            `could not reach ${hostOf(url)}: ${(error as Error).message}`,
          );
      continue;
    }
    if (!RETRYABLE.has(response.status)) throw lastError;
    retryAfter.set(lastError, parseRetryAfter(response.headers.get("retry-after")));
  }
  throw lastError ?? new AnalyticsError(provider, "unavailable", `${hostOf(url)} failed`);
}

const retryAfter = new WeakMap<AnalyticsError, number | undefined>();

function backoff(policy: HttpPolicy, attempt: number, last: AnalyticsError | undefined): number {
  const max = policy.maxBackoffMs ?? 10_000;
  const asked = last ? retryAfter.get(last) : undefined;
  if (asked !== undefined) return Math.min(asked, max * 6);
  const base = (policy.backoffMs ?? 500) * 2 ** (attempt - 1);
  return Math.min(max, base * (0.5 + Math.random() / 2));
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A short, single-line excerpt of an error body for messages. */
export function excerpt(body: unknown, max = 200): string {
  const text = typeof body === "string" ? body : JSON.stringify(body ?? "");
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
