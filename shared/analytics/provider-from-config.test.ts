import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { analyticsKeyFromEnv, providerFromConfig } from "./provider-from-config.ts";
import { AnalyticsError } from "./provider-http.ts";

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const empty = (columns: string[]) => ({ columns, results: [], hasMore: false });
const http = { sleep: async () => {}, timeoutMs: 2_000 };

describe("providerFromConfig", () => {
  it("sends the key from the variable the config names to the configured PostHog region only", async () => {
    const scope = nock("https://eu.posthog.com", { reqheaders: { authorization: "Bearer phx_fromTheEnv" } })
      .post("/api/projects/4242/query/")
      .reply(200, empty(["day", "path", "pageviews", "visitors"]))
      .post("/api/projects/4242/query/")
      .reply(200, empty(["day", "path", "sessions", "bounced"]));
    const settings = {
      provider: "posthog",
      projectId: "4242",
      host: "eu",
      keyEnv: "SHOP_POSTHOG_KEY",
    } as const;
    const key = analyticsKeyFromEnv(settings, {
      SHOP_POSTHOG_KEY: "phx_fromTheEnv",
      PERCEO_POSTHOG_API_KEY: "phx_notThisOne",
    });
    const provider = providerFromConfig(settings, key, { http });
    await expect(provider.fetchDailyPageMetrics({ from: "2026-11-16", to: "2026-11-23" })).resolves.toEqual(
      [],
    );
    expect(scope.pendingMocks()).toStrictEqual([]);
  });

  it("names the configured variable when it is not set, and the default one when none is named", () => {
    const attempt = () =>
      analyticsKeyFromEnv({ provider: "ga4", propertyId: "123", keyEnv: "SHOP_GA4_KEY" }, {});
    expect(attempt).toThrow(AnalyticsError);
    expect(attempt).toThrow(
      "set SHOP_GA4_KEY (named by analytics.keyEnv in .perceo/config.yml) to the GA4 service account's JSON key (or an OAuth access token)",
    );
    expect(() => analyticsKeyFromEnv({ provider: "posthog", projectId: "1", host: "us" }, {})).toThrow(
      /^set PERCEO_POSTHOG_API_KEY /,
    );
  });

  it("refuses a self-hosted URL outside the allowed origins before any request", () => {
    const settings = {
      provider: "posthog",
      projectId: "1",
      host: "us",
      selfHostedUrl: "https://collector.attacker.example/ingest",
    } as const;
    expect(() =>
      providerFromConfig(settings, "phx_k", { selfHostedOrigins: ["https://posthog.example.com"] }),
    ).toThrow(
      /https:\/\/collector\.attacker\.example is not a host this App sends keys to: .*PERCEO_ANALYTICS_ALLOWED_HOSTS/,
    );
    expect(() =>
      providerFromConfig({ ...settings, selfHostedUrl: "https://posthog.example.com" }, "phx_k", {
        selfHostedOrigins: ["https://posthog.example.com"],
      }),
    ).not.toThrow();
  });
});
