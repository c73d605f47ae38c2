import type { AnalyticsSettings } from "../config/index.ts";
import { ga4Provider } from "./ga4-provider.ts";
import { MIXPANEL_KEY_ENV, mixpanelProvider } from "./mixpanel-provider.ts";
import { postHogProvider, resolvePostHogHost } from "./posthog-provider.ts";
import type { AnalyticsProvider } from "./provider.ts";
import { AnalyticsError, type HttpPolicy } from "./provider-http.ts";

/** The variable the CLI and the Action read when `analytics.keyEnv` names none. */
export const DEFAULT_KEY_ENV = {
  posthog: "PERCEO_POSTHOG_API_KEY",
  ga4: "PERCEO_GA4_SERVICE_ACCOUNT",
  mixpanel: MIXPANEL_KEY_ENV,
} as const;

export interface ProviderOptions {
  http?: HttpPolicy;
  /**
   * The origins a `selfHostedUrl` may name (the App: the operator's PERCEO_ANALYTICS_ALLOWED_HOSTS);
   * undefined where the environment is the user's own (CLI, Action) and any https URL goes.
   */
  selfHostedOrigins?: readonly string[];
}

/**
 * The provider `.perceo/config.yml` names, with its key. The key reaches the provider under the
 * provider's own variable so nothing else leaks in, and goes only to PostHog Cloud, Google's APIs,
 * the configured residency's Mixpanel hosts, or a self-hosted PostHog the options allow.
 */
export function providerFromConfig(
  settings: AnalyticsSettings,
  key: string,
  options: ProviderOptions = {},
): AnalyticsProvider {
  const { http } = options;
  if (settings.provider === "posthog") {
    if (settings.selfHostedUrl && options.selfHostedOrigins) {
      const origin = resolvePostHogHost({ selfHostedUrl: settings.selfHostedUrl });
      if (!options.selfHostedOrigins.includes(origin)) {
        throw new AnalyticsError(
          "posthog",
          "bad_config",
          `analytics.selfHostedUrl ${origin} is not a host this App sends keys to: its operator lists ` +
            "self-hosted PostHog origins in PERCEO_ANALYTICS_ALLOWED_HOSTS (or use host: us or eu)",
        );
      }
    }
    return postHogProvider({
      projectId: settings.projectId,
      host: settings.host,
      ...(settings.selfHostedUrl ? { selfHostedUrl: settings.selfHostedUrl } : {}),
      env: { PERCEO_POSTHOG_API_KEY: key },
      ...(http ? { http } : {}),
    });
  }
  if (settings.provider === "mixpanel") {
    return mixpanelProvider({
      projectId: settings.projectId,
      residency: settings.residency,
      env: { [MIXPANEL_KEY_ENV]: key },
      ...(http ? { http } : {}),
    });
  }
  const credential = key.trimStart().startsWith("{")
    ? { PERCEO_GA4_SERVICE_ACCOUNT: key }
    : { PERCEO_GA4_ACCESS_TOKEN: key };
  return ga4Provider({ propertyId: settings.propertyId, env: credential, ...(http ? { http } : {}) });
}

/** The CLI's and the Action's key: the variable `analytics.keyEnv` names (the environment is the user's own). */
export function analyticsKeyFromEnv(settings: AnalyticsSettings, env: NodeJS.ProcessEnv): string {
  const name = settings.keyEnv ?? DEFAULT_KEY_ENV[settings.provider];
  const key = env[name];
  if (!key) {
    const what = {
      posthog: "a PostHog personal API key with the query:read scope",
      ga4: "the GA4 service account's JSON key (or an OAuth access token)",
      mixpanel: "a Mixpanel service account as username:secret (Consumer role on the project)",
    }[settings.provider];
    throw new AnalyticsError(
      settings.provider,
      "missing_credential",
      `set ${name} (named by analytics.keyEnv in .perceo/config.yml) to ${what}`,
    );
  }
  return key;
}
