import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ga4Provider } from "./ga4-provider.ts";
import { postHogProvider } from "./posthog-provider.ts";
import { drain, failure } from "./testing/provider-calls.ts";

const fast = { sleep: async () => {}, timeoutMs: 2_000 };
const KEY = "phx_testPersonalKey123";
const range = { from: "2025-03-01", to: "2025-03-03" };

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const hogqlAnswer = (results: unknown[][]) => ({
  cache_key: "cache_3f1c",
  is_cached: false,
  columns: ["uuid", "event", "distinct_id", "timestamp", "$session_id", "$current_url", "$device_type"],
  types: [
    ["uuid", "UUID"],
    ["event", "String"],
  ],
  results,
  hasMore: false,
  limit: 2,
  offset: 0,
  timings: [],
  query_status: null,
});

describe("PostHog provider", () => {
  const provider = (extra: Partial<Parameters<typeof postHogProvider>[0]> = {}) =>
    postHogProvider({
      projectId: 12345,
      env: { PERCEO_POSTHOG_API_KEY: KEY },
      http: fast,
      pageSize: 2,
      ...extra,
    });

  it("queries events with HogQL and the personal key, paging by timestamp", async () => {
    const bodies: Array<{ query: { kind: string; query: string; values: Record<string, unknown> } }> = [];
    const scope = nock("https://eu.posthog.com", { reqheaders: { authorization: `Bearer ${KEY}` } })
      .post("/api/projects/12345/query/", (body) => bodies.push(body) > 0)
      .reply(
        200,
        hogqlAnswer([
          [
            "0195-a",
            "$pageview",
            "user-1",
            "2025-03-01T10:00:00.000000Z",
            "sess-1",
            "https://shop.example/products/aurora-lamp",
            "Desktop",
          ],
          [
            "0195-b",
            "$pageview",
            "user-1",
            "2025-03-01T10:00:30.000000Z",
            "sess-1",
            "https://shop.example/cart",
            "Desktop",
          ],
        ]),
      )
      .post("/api/projects/12345/query/", (body) => bodies.push(body) > 0)
      .reply(
        200,
        hogqlAnswer([["0195-c", "order_placed", "user-2", "2025-03-02T08:00:00Z", null, null, "Mobile"]]),
      );

    const events = await drain(
      provider({ host: "eu" }).fetchEvents?.(range, { eventNames: ["order_placed"] }) as AsyncGenerator<
        never[]
      >,
    );
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({
      eventId: "0195-a",
      sessionId: "sess-1",
      url: "https://shop.example/products/aurora-lamp",
      device: "desktop",
    });
    expect(events[2]).toMatchObject({
      name: "order_placed",
      event: "order_placed",
      sessionId: "user-2:2025-03-02",
      device: "mobile",
    });
    expect(bodies[0]?.query.kind).toBe("HogQLQuery");
    expect(bodies[0]?.query.values).toMatchObject({
      from: "2025-03-01 00:00:00",
      to: "2025-03-03 00:00:00",
      names: ["$pageview", "order_placed"],
    });
    expect(bodies[1]?.query.values).toMatchObject({
      after_time: "2025-03-01T10:00:30.000000Z",
      after_id: "0195-b",
    });
    expect(scope.pendingMocks()).toStrictEqual([]);
  });

  it("sends the key only to PostHog Cloud unless a self-hosted URL is given", () => {
    expect(() => provider({ host: "https://evil.example" })).toThrow(/not PostHog Cloud/);
    expect(() => provider({ host: "https://us.i.posthog.com" })).toThrow(/only receives events/);
    expect(() => provider({ selfHostedUrl: "http://posthog.internal.example" })).toThrow(/https/);
    expect(() => provider({ selfHostedUrl: "https://posthog.internal.example" })).not.toThrow();
    expect(() => provider({ projectId: "phc_abc" })).toThrow(/project API key/);
  });

  it("says which variable to set when the key is missing or is a project key", () => {
    expect(() => postHogProvider({ projectId: 1, env: {} })).toThrow(/PERCEO_POSTHOG_API_KEY/);
    expect(() => postHogProvider({ projectId: 1, env: { POSTHOG_PERSONAL_API_KEY: "phc_x" } })).toThrow(
      /personal API key/,
    );
  });

  it("names the key when PostHog answers 401 and the scope when it answers 403", async () => {
    nock("https://us.posthog.com")
      .post("/api/projects/12345/query/")
      .reply(401, {
        type: "authentication_error",
        code: "authentication_failed",
        detail: "Invalid personal API key.",
        attr: null,
      })
      .post("/api/projects/12345/query/")
      .reply(403, {
        type: "authentication_error",
        code: "permission_denied",
        detail: "API key missing required scope 'query:read'",
        attr: null,
      });
    const unauthorized = await failure(provider().fetchDailyPageMetrics(range));
    expect(unauthorized).toMatchObject({ code: "invalid_credential", status: 401 });
    expect(unauthorized.message).toMatch(/PERCEO_POSTHOG_API_KEY/);
    const forbidden = await failure(provider().fetchDailyPageMetrics(range));
    expect(forbidden).toMatchObject({ code: "permission_denied", status: 403 });
    expect(forbidden.message).toMatch(/query:read.*project 12345|project 12345.*query:read/);
  });

  it("retries after 429 and 5xx, honouring Retry-After, then succeeds", async () => {
    const waits: number[] = [];
    const scope = nock("https://us.posthog.com")
      .post("/api/projects/12345/query/")
      .reply(
        429,
        {
          type: "throttled_error",
          code: "throttled",
          detail: "Request was throttled. Expected available in 2 seconds.",
        },
        { "Retry-After": "2" },
      )
      .post("/api/projects/12345/query/")
      .reply(502, "<html>Bad gateway</html>")
      .post("/api/projects/12345/query/")
      .reply(200, hogqlAnswer([["2025-03-01", "/cart", 40, 30]]))
      .post("/api/projects/12345/query/")
      .reply(200, hogqlAnswer([["2025-03-01", "/cart", 25, 5]]));
    const rows = await provider({
      http: { sleep: async (ms) => void waits.push(ms), backoffMs: 100 },
    }).fetchDailyPageMetrics(range);
    expect(rows).toEqual([
      { day: "2025-03-01", path: "/cart", pageviews: 40, visitors: 30, sessions: 25, bouncedSessions: 5 },
    ]);
    expect(waits[0]).toBe(2_000);
    expect(scope.pendingMocks()).toStrictEqual([]);
  });

  it("gives up after its retries with an error that says PostHog is unavailable", async () => {
    nock("https://us.posthog.com")
      .post("/api/projects/12345/query/")
      .times(4)
      .reply(503, { detail: "Service Unavailable" });
    const error = await failure(provider().fetchDailyPageMetrics(range));
    expect(error).toMatchObject({ code: "unavailable", status: 503 });
  });

  it("times out a query that does not answer", async () => {
    // A server that never answers; nock's delayed replies trip an assertion in undici when aborted.
    let calls = 0;
    const hanging: typeof fetch = (_url, init) => {
      calls++;
      return new Promise((_resolve, reject) =>
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
      );
    };
    const error = await failure(
      provider({ http: { ...fast, timeoutMs: 30, retries: 1, fetch: hanging } }).fetchDailyPageMetrics(range),
    );
    expect(error.code).toBe("timeout");
    expect(error.message).toMatch(/us.posthog.com did not answer within 30 ms/);
    expect(calls).toBe(2);
  });
});

describe("GA4 provider", () => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const serviceAccount = JSON.stringify({
    type: "service_account",
    project_id: "shop-analytics",
    private_key_id: "abc123",
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
    client_email: "perceo@shop-analytics.iam.gserviceaccount.com",
    token_uri: "https://oauth2.googleapis.com/token",
  });
  const report = {
    dimensionHeaders: [{ name: "date" }, { name: "pagePath" }],
    metricHeaders: [
      { name: "screenPageViews", type: "TYPE_INTEGER" },
      { name: "totalUsers", type: "TYPE_INTEGER" },
      { name: "sessions", type: "TYPE_INTEGER" },
      { name: "bounceRate", type: "TYPE_FLOAT" },
    ],
    rows: [
      {
        dimensionValues: [{ value: "20250301" }, { value: "/checkout" }],
        metricValues: [{ value: "900" }, { value: "600" }, { value: "500" }, { value: "0.412" }],
      },
    ],
    rowCount: 1,
    metadata: { currencyCode: "USD", timeZone: "Etc/GMT" },
    kind: "analyticsData#runReport",
  };

  it("trades a service account JWT for a token and reads a daily page report", async () => {
    let sent: Record<string, unknown> | undefined;
    const google = nock("https://oauth2.googleapis.com")
      .post(
        "/token",
        (body) =>
          body.grant_type === "urn:ietf:params:oauth:grant-type:jwt-bearer" &&
          typeof body.assertion === "string",
      )
      .reply(200, { access_token: "ya29.token", expires_in: 3599, token_type: "Bearer" });
    const api = nock("https://analyticsdata.googleapis.com", {
      reqheaders: { authorization: "Bearer ya29.token" },
    })
      .post("/v1beta/properties/987654321:runReport", (body) => {
        sent = body;
        return true;
      })
      .reply(200, report);
    const rows = await ga4Provider({
      propertyId: "987654321",
      env: { PERCEO_GA4_SERVICE_ACCOUNT: serviceAccount },
      http: fast,
    }).fetchDailyPageMetrics(range);
    expect(rows).toEqual([
      {
        day: "2025-03-01",
        path: "/checkout",
        pageviews: 900,
        visitors: 600,
        sessions: 500,
        bouncedSessions: 206,
      },
    ]);
    expect(sent?.dateRanges).toEqual([{ startDate: "2025-03-01", endDate: "2025-03-02" }]);
    expect(google.pendingMocks()).toStrictEqual([]);
    expect(api.pendingMocks()).toStrictEqual([]);
  });

  it("tells which access to grant when the property refuses the service account", async () => {
    nock("https://oauth2.googleapis.com")
      .post("/token")
      .reply(200, { access_token: "ya29.t", expires_in: 3599 });
    nock("https://analyticsdata.googleapis.com")
      .post("/v1beta/properties/987654321:runReport")
      .reply(403, {
        error: {
          code: 403,
          message:
            "User does not have sufficient permissions for this property. To learn more about Property ID, see https://developers.google.com/analytics/devguides/reporting/data/v1/property-id.",
          status: "PERMISSION_DENIED",
        },
      });
    const error = await failure(
      ga4Provider({
        propertyId: 987654321,
        env: { PERCEO_GA4_SERVICE_ACCOUNT: serviceAccount },
        http: fast,
      }).fetchDailyPageMetrics(range),
    );
    expect(error).toMatchObject({ code: "permission_denied", status: 403 });
    expect(error.message).toMatch(/PERCEO_GA4_SERVICE_ACCOUNT cannot read GA4 property 987654321.*Viewer/);
  });

  it("names the expired token on 401 and retries a quota 429", async () => {
    nock("https://analyticsdata.googleapis.com")
      .post("/v1beta/properties/1:runReport")
      .reply(429, {
        error: {
          code: 429,
          message: "Exhausted property tokens per hour for this property.",
          status: "RESOURCE_EXHAUSTED",
        },
      })
      .post("/v1beta/properties/1:runReport")
      .reply(200, { ...report, rows: [], rowCount: 0 })
      .post("/v1beta/properties/1:runReport")
      .reply(401, {
        error: {
          code: 401,
          message: "Request had invalid authentication credentials.",
          status: "UNAUTHENTICATED",
        },
      });
    const provider = ga4Provider({ propertyId: 1, env: { PERCEO_GA4_ACCESS_TOKEN: "ya29.old" }, http: fast });
    expect(await provider.fetchDailyPageMetrics(range)).toEqual([]);
    const error = await failure(provider.fetchDailyPageMetrics(range));
    expect(error).toMatchObject({ code: "invalid_credential" });
    expect(error.message).toMatch(/PERCEO_GA4_ACCESS_TOKEN/);
  });

  it("refuses a measurement id and says where the property id is", async () => {
    expect(() => ga4Provider({ propertyId: "G-ABC123", env: {} })).toThrow(/measurement id/);
    const error = await failure(
      ga4Provider({ propertyId: 1, env: {}, http: fast }).fetchDailyPageMetrics(range),
    );
    expect(error).toMatchObject({ code: "missing_credential" });
  });
});
