import type { AnalyticsSettings, OutcomesSettings } from "../config/index.ts";
import { ga4Provider } from "./ga4-provider.ts";
import { MIXPANEL_KEY_ENV, mixpanelProvider } from "./mixpanel-provider.ts";
import type { OutcomeSource } from "./outcome-source.ts";
import { postgresOutcomes } from "./postgres-outcomes.ts";
import { postHogProvider, resolvePostHogHost } from "./posthog-provider.ts";
import type { AnalyticsProvider } from "./provider.ts";
import { AnalyticsError, type HttpPolicy } from "./provider-http.ts";
import { isSupabaseCloudUrl, SUPABASE_KEY_ENV, supabaseOutcomes } from "./supabase-outcomes.ts";

/** The variable the CLI and the Action read when `analytics.outcomes.keyEnv` names none. */
export const DEFAULT_OUTCOMES_KEY_ENV = {
  postgres: "PERCEO_OUTCOMES_DATABASE_URL",
  supabase: SUPABASE_KEY_ENV,
} as const;

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

/**
 * The outcome tables `analytics.outcomes` names, in the team's database, with its credential: a
 * PostgreSQL connection string (its host is the credential's, never the repository's) or a Supabase
 * key, sent only to `https://<ref>.supabase.co` or a self-hosted origin the options allow.
 */
export function outcomesFromConfig(
  settings: OutcomesSettings,
  key: string,
  options: ProviderOptions & { credentialName: string },
): OutcomeSource {
  if (settings.database === "postgres") {
    return postgresOutcomes({
      connectionString: key,
      credentialName: options.credentialName,
      schema: settings.schema,
      tables: settings.tables,
    });
  }
  const origin = new URL(settings.url).origin;
  if (
    options.selfHostedOrigins &&
    !isSupabaseCloudUrl(origin) &&
    !options.selfHostedOrigins.includes(origin)
  ) {
    throw new AnalyticsError(
      "supabase",
      "bad_config",
      `analytics.outcomes.url ${origin} is not a host this App sends keys to: it must be a Supabase project (https://<ref>.supabase.co), or an origin its operator lists in PERCEO_ANALYTICS_ALLOWED_HOSTS`,
    );
  }
  return supabaseOutcomes({
    url: origin,
    key,
    credentialName: options.credentialName,
    schema: settings.schema,
    tables: settings.tables,
    ...(options.http ? { http: options.http } : {}),
  });
}

/** The CLI's and the Action's outcomes credential: the variable `analytics.outcomes.keyEnv` names. */
export function outcomesKeyFromEnv(
  settings: OutcomesSettings,
  env: NodeJS.ProcessEnv,
): { key: string; credentialName: string } {
  const name = settings.keyEnv ?? DEFAULT_OUTCOMES_KEY_ENV[settings.database];
  const key = env[name];
  if (!key) {
    throw new AnalyticsError(
      settings.database,
      "missing_credential",
      settings.database === "postgres"
        ? `set ${name} (named by analytics.outcomes.keyEnv in .perceo/config.yml) to a read-only role's connection string`
        : `set ${name} (named by analytics.outcomes.keyEnv in .perceo/config.yml) to the Supabase project's service role key`,
    );
  }
  return { key, credentialName: name };
}
