import { codeForSqlState, StoreError } from "./errors.ts";

export interface HttpOptions {
  /** `SUPABASE_URL`, e.g. `https://abcd.supabase.co`. */
  url: string;
  /** `SUPABASE_SERVICE_ROLE_KEY`: sent as `apikey` and as the bearer token. */
  serviceRoleKey: string;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  /** Attempts for a request that failed on the network, a 5xx or a 429; default 3. */
  attempts?: number;
  /** For tests: the delay before retry n (1-based); default 250 ms × 4^(n-1). */
  retryDelayMs?: (attempt: number) => number;
  fetch?: typeof fetch;
}

export interface SupabaseRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Starting with `/rest/v1/` or `/storage/v1/`. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Serialized as JSON unless it is bytes. */
  body?: unknown;
  /** Answer undefined for a 404 (a missing storage object) instead of throwing. */
  allowNotFound?: boolean;
}

/**
 * One call to Supabase's HTTP APIs with the service role. Every call we make is safe to repeat
 * (upserts, idempotent RPCs, reads), so failures that may be transient are retried.
 */
export async function supabaseRequest(
  options: HttpOptions,
  request: SupabaseRequest,
): Promise<Response | undefined> {
  const doFetch = options.fetch ?? fetch;
  const attempts = options.attempts ?? 3;
  const url = new URL(request.path, options.url.endsWith("/") ? options.url : `${options.url}/`);
  for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
  const isBytes = request.body instanceof Uint8Array;
  const headers: Record<string, string> = {
    apikey: options.serviceRoleKey,
    authorization: `Bearer ${options.serviceRoleKey}`,
    ...(request.body !== undefined && !isBytes ? { "content-type": "application/json" } : {}),
    ...request.headers,
  };
  const body =
    request.body === undefined
      ? undefined
      : isBytes
        ? (request.body as Uint8Array<ArrayBuffer>)
        : JSON.stringify(request.body);

  let lastError: StoreError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(options.retryDelayMs?.(attempt - 1) ?? 250 * 4 ** (attempt - 2));
    let response: Response;
    try {
      response = await doFetch(url, {
        method: request.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      lastError = new StoreError(
        "unavailable",
        `${request.method} ${url.pathname} failed: ${describe(error)}`,
        {
          cause: error,
        },
      );
      continue;
    }
    if (response.ok) return response;
    if (response.status === 404 && request.allowNotFound) return undefined;
    const error = await errorFromResponse(request.method, url, response);
    if (response.status >= 500 || response.status === 429) {
      lastError = error;
      continue;
    }
    throw error;
  }
  throw lastError ?? new StoreError("unavailable", `${request.method} ${url.pathname} failed`);
}

/** PostgREST answers `{ code, message, details, hint }`, code being a SQLSTATE or `PGRSTxxx`. */
async function errorFromResponse(method: string, url: URL, response: Response): Promise<StoreError> {
  const text = await response.text().catch(() => "");
  let payload: { code?: unknown; message?: unknown; details?: unknown; error?: unknown } = {};
  try {
    payload = JSON.parse(text) as typeof payload;
  } catch {
    // Not JSON (a proxy's HTML error page): keep the text.
  }
  const sqlState = typeof payload.code === "string" ? payload.code : undefined;
  const detail = [payload.message ?? payload.error ?? text.slice(0, 300), payload.details]
    .filter((part) => typeof part === "string" && part !== "")
    .join(" — ");
  const where = `${method} ${url.pathname} answered ${response.status}`;
  if (response.status === 401 || response.status === 403) {
    return new StoreError(
      "configuration",
      `${where}: ${detail || "not authorized"} — check SUPABASE_SERVICE_ROLE_KEY (the service role key, not the anon key)`,
      sqlState ? { sqlState } : {},
    );
  }
  const code =
    response.status >= 500 || response.status === 429
      ? "unavailable"
      : response.status === 404 && !sqlState
        ? "not_found"
        : codeForSqlState(sqlState);
  const hint = code === "not_migrated" ? " — run `perceo db migrate` against the Supabase database" : "";
  return new StoreError(code, `${where}: ${detail}${hint}`, sqlState ? { sqlState } : {});
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
