import { AnalyticsError, type AnalyticsProvider, providerFromConfig } from "../../shared/analytics/index.ts";
import { guardedFetch } from "../../shared/capture/index.ts";
import type { AnalyticsSettings } from "../../shared/config/index.ts";
import { SecretError } from "../../shared/secrets/index.ts";
import type { Project } from "../../shared/store/index.ts";
import type { JobDeps } from "./deps.ts";

/*
 * The rule: nothing a repository writes selects which of the App's secrets are used or where a secret
 * is sent. The App's environment is its own (DATABASE_URL, the private key, ANTHROPIC_API_KEY), so
 * `analytics.keyEnv` is never read here; the config names a secret stored for this project, which only
 * this project's job can open, and the key goes to PostHog Cloud, Google's APIs, the configured
 * residency's Mixpanel hosts, or a self-hosted PostHog the operator listed, each request through the
 * capture's SSRF guard.
 */

export type ProjectAnalytics =
  | { kind: "off" }
  | { kind: "ready"; provider: AnalyticsProvider }
  | { kind: "unavailable"; reason: string };

export async function projectAnalytics(
  deps: Pick<JobDeps, "secrets" | "analyticsAllowedHosts" | "capture">,
  project: Project,
  settings: AnalyticsSettings | undefined,
): Promise<ProjectAnalytics> {
  if (!settings) return { kind: "off" };
  const store = `\`perceo secrets set --repo ${project.fullName} --name ${settings.secret ?? defaultName(settings)}\``;
  if (!settings.secret) {
    const ignored = settings.keyEnv
      ? ` The App does not read analytics.keyEnv (${settings.keyEnv}): that names a variable of the CLI's or the Action's environment, and the App's environment holds its own secrets.`
      : "";
    return {
      kind: "unavailable",
      reason:
        `the analytics key is not set for the App.${ignored} Ask the App's operator to store the key with ` +
        `${store} (the value on stdin), and name it in .perceo/config.yml as analytics.secret: ${defaultName(settings)}.`,
    };
  }
  let key: string | undefined;
  try {
    key = await deps.secrets.reveal(project.id, settings.secret);
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    return {
      kind: "unavailable",
      reason: `the stored secret "${settings.secret}" cannot be opened: ${error.message}`,
    };
  }
  if (key === undefined) {
    return {
      kind: "unavailable",
      reason: `the analytics key is not set: no secret "${settings.secret}" is stored for ${project.fullName}. Ask the App's operator to run ${store} (the value on stdin).`,
    };
  }
  const selfHosted = settings.provider === "posthog" ? settings.selfHostedUrl : undefined;
  try {
    const provider = providerFromConfig(settings, key, {
      selfHostedOrigins: deps.analyticsAllowedHosts,
      http: {
        fetch: guardedFetch({
          // An origin the operator listed is trusted as a capture target it listed would be.
          allowedTargets: selfHosted ? deps.analyticsAllowedHosts : [],
          ...(deps.capture.resolve ? { resolve: deps.capture.resolve } : {}),
        }),
      },
    });
    return { kind: "ready", provider };
  } catch (error) {
    if (error instanceof AnalyticsError) return { kind: "unavailable", reason: error.message };
    throw error;
  }
}

function defaultName(settings: AnalyticsSettings): string {
  return { posthog: "posthog-key", ga4: "ga4-service-account", mixpanel: "mixpanel-service-account" }[
    settings.provider
  ];
}
