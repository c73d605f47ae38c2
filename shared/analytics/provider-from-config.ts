import type { AnalyticsSettings } from "../config/index.ts";
import { ga4Provider } from "./ga4-provider.ts";
import { postHogProvider } from "./posthog-provider.ts";
import type { AnalyticsProvider } from "./provider.ts";
import { AnalyticsError, type HttpPolicy } from "./provider-http.ts";

/**
 * The provider `.perceo/config.yml` names. The key comes from the variable `keyEnv` names, and
 * reaches the provider under the provider's own variable so nothing else in the environment leaks in.
 */
export function providerFromConfig(
  settings: AnalyticsSettings,
  env: NodeJS.ProcessEnv,
  http?: HttpPolicy,
): AnalyticsProvider {
  const key = env[settings.keyEnv];
  if (!key) {
    const what =
      settings.provider === "posthog"
        ? "a PostHog personal API key with the query:read scope"
        : "the GA4 service account's JSON key (or an OAuth access token)";
    throw new AnalyticsError(
      settings.provider,
      "missing_credential",
      `set ${settings.keyEnv} (named by analytics.keyEnv in .perceo/config.yml) to ${what}`,
    );
  }
  if (settings.provider === "posthog") {
    return postHogProvider({
      projectId: settings.projectId,
      host: settings.host,
      ...(settings.selfHostedUrl ? { selfHostedUrl: settings.selfHostedUrl } : {}),
      env: { PERCEO_POSTHOG_API_KEY: key },
      ...(http ? { http } : {}),
    });
  }
  const credential = key.trimStart().startsWith("{")
    ? { PERCEO_GA4_SERVICE_ACCOUNT: key }
    : { PERCEO_GA4_ACCESS_TOKEN: key };
  return ga4Provider({ propertyId: settings.propertyId, env: credential, ...(http ? { http } : {}) });
}
