import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { directoryBlobs, postgresStore, type Store } from "../store/index.ts";
import { openMigratedDatabase, type TestDatabase } from "../store/testing/index.ts";
import { MIXPANEL_KEY_ENV, mixpanelProvider } from "./mixpanel-provider.ts";
import { toStoredEvent } from "./provider.ts";
import { providerFromConfig } from "./provider-from-config.ts";
import { drain, failure } from "./testing/provider-calls.ts";

const fast = { sleep: async () => {}, timeoutMs: 2_000 };
const ACCOUNT = "perceo.1b2c3d.mp-service-account:9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const BASIC = `Basic ${Buffer.from(ACCOUNT).toString("base64")}`;
const range = { from: "2025-03-01", to: "2025-03-03" };

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const provider = (extra: Partial<Parameters<typeof mixpanelProvider>[0]> = {}) =>
  mixpanelProvider({ projectId: 3141592, env: { [MIXPANEL_KEY_ENV]: ACCOUNT }, http: fast, ...extra });

/** A line of the Raw Event Export API as Mixpanel's JavaScript SDK records it (time_in_ms=true). */
function exportLine(
  event: string,
  time: string,
  extra: { distinct?: string; insertId?: string; path?: string; os?: string; device?: string } = {},
): string {
  const path = extra.path ?? "/";
  return JSON.stringify({
    event,
    properties: {
      time: Date.parse(time),
      distinct_id: extra.distinct ?? "$device:18f2a7c1-visitor-1",
      $device_id: "18f2a7c1-visitor-1",
      $insert_id: extra.insertId ?? `${event}-${time}`,
      $browser: "Chrome",
      $os: extra.os ?? "Mac OS X",
      ...(extra.device ? { $device: extra.device } : {}),
      $current_url: `https://shop.example${path}`,
      current_url_path: path,
      current_domain: "shop.example",
      current_page_title: "Lumen & Oak",
      mp_lib: "web",
      mp_processing_time_ms: Date.parse(time) + 812,
    },
  });
}

describe("Mixpanel provider", () => {
  it("exports page views and events with the service account, cutting sessions at 30 idle minutes", async () => {
    const queries: Array<Record<string, string>> = [];
    const scope = nock("https://data-eu.mixpanel.com", { reqheaders: { authorization: BASIC } })
      .get("/api/2.0/export")
      .query((q) => queries.push({ ...(q as Record<string, string>) }) > 0)
      .reply(
        200,
        [
          exportLine("$mp_web_page_view", "2025-03-01T10:00:00Z", { path: "/products/aurora-lamp" }),
          exportLine("$mp_web_page_view", "2025-03-01T10:02:00Z", { path: "/cart" }),
          // Raw exports repeat events: the same $insert_id at the same time is one event.
          exportLine("$mp_web_page_view", "2025-03-01T10:02:00Z", { path: "/cart" }),
          exportLine("Order placed", "2025-03-01T10:03:30Z", { path: "/checkout" }),
          exportLine("$mp_web_page_view", "2025-03-01T11:30:00Z", { path: "/" }),
          exportLine("$mp_web_page_view", "2025-03-02T08:00:00Z", {
            distinct: "user-42",
            os: "iOS",
            device: "iPhone",
            path: "/signup",
          }),
          "",
        ].join("\n"),
        { "content-type": "text/plain" },
      );
    const events = await drain(
      provider({ residency: "eu" }).fetchEvents?.(range, { eventNames: ["Order placed"] }),
    );
    expect(queries).toStrictEqual([
      {
        project_id: "3141592",
        from_date: "2025-03-01",
        to_date: "2025-03-02",
        event: '["$mp_web_page_view","Order placed"]',
        time_in_ms: "true",
      },
    ]);
    expect(events.map((e) => [e.name, e.url ?? e.event, e.sessionId, e.device])).toStrictEqual([
      [
        "$pageview",
        "https://shop.example/products/aurora-lamp",
        `$device:18f2a7c1-visitor-1:${Date.parse("2025-03-01T10:00:00Z")}`,
        "desktop",
      ],
      [
        "$pageview",
        "https://shop.example/cart",
        `$device:18f2a7c1-visitor-1:${Date.parse("2025-03-01T10:00:00Z")}`,
        "desktop",
      ],
      [
        "Order placed",
        "Order placed",
        `$device:18f2a7c1-visitor-1:${Date.parse("2025-03-01T10:00:00Z")}`,
        "desktop",
      ],
      [
        "$pageview",
        "https://shop.example/",
        `$device:18f2a7c1-visitor-1:${Date.parse("2025-03-01T11:30:00Z")}`,
        "desktop",
      ],
      ["$pageview", "https://shop.example/signup", `user-42:${Date.parse("2025-03-02T08:00:00Z")}`, "mobile"],
    ]);
    expect(events[0]?.eventId).toBe("$mp_web_page_view-2025-03-01T10:00:00Z");
    expect(scope.isDone()).toBe(true);
  });

  it("asks one export per window of days, so a long range is never one huge answer", async () => {
    const windows: string[] = [];
    nock("https://data.mixpanel.com")
      .get("/api/2.0/export")
      .times(3)
      .query((q) => windows.push(`${q.from_date}..${q.to_date}`) > 0)
      .reply(200, "");
    await drain(provider({ exportDays: 7 }).fetchEvents?.({ from: "2025-03-01", to: "2025-03-18" }));
    expect(windows).toStrictEqual([
      "2025-03-01..2025-03-07",
      "2025-03-08..2025-03-14",
      "2025-03-15..2025-03-17",
    ]);
  });

  it("sums page views, visitors, entry sessions and bounces per day and path", async () => {
    nock("https://data-in.mixpanel.com")
      .get("/api/2.0/export")
      .query(true)
      .reply(
        200,
        [
          exportLine("$mp_web_page_view", "2025-03-01T10:00:00Z", { path: "/" }),
          exportLine("$mp_web_page_view", "2025-03-01T10:05:00Z", { path: "/products" }),
          exportLine("$mp_web_page_view", "2025-03-01T12:00:00Z", { distinct: "v2", path: "/" }),
          exportLine("$mp_web_page_view", "2025-03-02T09:00:00Z", { distinct: "v3", path: "/products" }),
        ].join("\n"),
      );
    expect(await provider({ residency: "in" }).fetchDailyPageMetrics(range)).toStrictEqual([
      { day: "2025-03-01", path: "/", pageviews: 2, visitors: 2, sessions: 2, bouncedSessions: 1 },
      { day: "2025-03-01", path: "/products", pageviews: 1, visitors: 1, sessions: 0, bouncedSessions: 0 },
      { day: "2025-03-02", path: "/products", pageviews: 1, visitors: 1, sessions: 1, bouncedSessions: 1 },
    ]);
  });

  it("counts named events per day with the segmentation report", async () => {
    const scope = nock("https://mixpanel.com", { reqheaders: { authorization: BASIC } })
      .get("/api/query/segmentation")
      .query({
        project_id: "3141592",
        event: "Signed up",
        from_date: "2025-03-01",
        to_date: "2025-03-02",
        unit: "day",
        type: "general",
      })
      .reply(200, {
        data: {
          series: ["2025-03-01", "2025-03-02"],
          values: { "Signed up": { "2025-03-01": 41, "2025-03-02": 29 } },
        },
        legend_size: 1,
      });
    expect(await provider().fetchEventCounts(range, ["Signed up"])).toStrictEqual([
      { event: "Signed up", day: "2025-03-01", count: 41 },
      { event: "Signed up", day: "2025-03-02", count: 29 },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it("waits as long as a 429's Retry-After says, then reads the export", async () => {
    const waits: number[] = [];
    nock("https://data.mixpanel.com")
      .get("/api/2.0/export")
      .query(true)
      .reply(429, { request: "/api/2.0/export", error: "rate limit exceeded" }, { "retry-after": "7" })
      .get("/api/2.0/export")
      .query(true)
      .reply(200, exportLine("$mp_web_page_view", "2025-03-01T10:00:00Z"));
    const events = await drain(
      provider({ http: { ...fast, sleep: async (ms) => void waits.push(ms) } }).fetchEvents?.(range),
    );
    expect(waits).toStrictEqual([7_000]);
    expect(events).toHaveLength(1);
  });

  it("names the role to grant on 403, the secret on 401, and the residency when the project is elsewhere", async () => {
    nock("https://data.mixpanel.com").get("/api/2.0/export").query(true).reply(403, {
      request: "/api/2.0/export",
      error: "service account does not have access to project 3141592",
    });
    const denied = await failure(drain(provider().fetchEvents?.(range)));
    expect(denied.code).toBe("permission_denied");
    expect(denied.message).toContain("give it the Consumer role (or higher) on this project");

    nock("https://mixpanel.com")
      .get("/api/query/segmentation")
      .query(true)
      .reply(401, { request: "/api/query/segmentation", error: "Invalid service account credentials" });
    const refused = await failure(provider().fetchEventCounts(range, ["Signed up"]));
    expect(refused.code).toBe("invalid_credential");
    expect(refused.message).toContain("perceo.1b2c3d.mp-service-account");
    expect(refused.message).not.toContain("9f8e7d6c5b4a39281706f5e4d3c2b1a0");

    nock("https://mixpanel.com").get("/api/query/segmentation").query(true).reply(400, {
      request: "/api/query/segmentation?project_id=3141592",
      error: "request failed with error: invalid project id for cluster.",
    });
    const elsewhere = await failure(provider().fetchEventCounts(range, ["Signed up"]));
    expect(elsewhere.code).toBe("bad_config");
    expect(elsewhere.message).toMatch(
      /not on the US servers .* set analytics\.residency .* \(us, eu or in\)/,
    );
  });

  it("refuses a project token for the id and a key that is not username:secret", () => {
    expect(() => provider({ projectId: "0123456789abcdef0123456789abcdef" })).toThrow(
      /looks like the project token/,
    );
    expect(() => mixpanelProvider({ projectId: 1, env: { [MIXPANEL_KEY_ENV]: "9f8e7d6c5b4a3928" } })).toThrow(
      /PERCEO_MIXPANEL_SERVICE_ACCOUNT must hold a Mixpanel service account as username:secret/,
    );
    expect(() => mixpanelProvider({ projectId: 1, env: {} })).toThrow(/set PERCEO_MIXPANEL_SERVICE_ACCOUNT/);
  });

  it("from the config, sends the stored key to the configured residency's hosts only", async () => {
    const scope = nock("https://eu.mixpanel.com", { reqheaders: { authorization: BASIC } })
      .get("/api/query/segmentation")
      .query(true)
      .reply(200, { data: { series: [], values: {} }, legend_size: 0 });
    const configured = providerFromConfig(
      { provider: "mixpanel", projectId: "3141592", residency: "eu", secret: "mixpanel-service-account" },
      ACCOUNT,
      { http: fast },
    );
    expect(await configured.fetchEventCounts?.(range, ["Signed up"])).toStrictEqual([]);
    expect(scope.isDone()).toBe(true);
  });
});

describe("Mixpanel events in the store", () => {
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    database = await openMigratedDatabase("pglite");
    store = postgresStore(database.db, { blobs: directoryBlobs("/nonexistent"), ownsDatabase: false });
    // Every migration on PGlite; slow when the machine is shared.
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await database?.close();
  });

  it("a re-sync of the same export stores nothing new", async () => {
    const { id } = await store.ensureProject({ fullName: "lumen-and-oak/shop" });
    const answer = [
      exportLine("$mp_web_page_view", "2025-03-01T10:00:00Z"),
      exportLine("Order placed", "2025-03-01T10:03:00Z"),
    ].join("\n");
    nock("https://data.mixpanel.com").get("/api/2.0/export").query(true).times(2).reply(200, answer);
    const sync = async () => {
      let stored = 0;
      for await (const page of provider().fetchEvents?.(range, { eventNames: ["Order placed"] }) ?? [])
        stored += await store.insertAnalyticsEvents(
          id,
          page.map((e) => toStoredEvent("mixpanel", e)),
        );
      return stored;
    };
    expect(await sync()).toBe(2);
    expect(await sync()).toBe(0);
  });
});
