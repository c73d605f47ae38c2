import {
  AnalyticsError,
  type AnalyticsProvider,
  type HttpPolicy,
  type OutcomeSource,
  outcomesFromConfig,
  providerFromConfig,
} from "../../shared/analytics/index.ts";
import { guardedFetch } from "../../shared/capture/index.ts";
import type { AnalyticsSettings, OutcomesSettings } from "../../shared/config/index.ts";
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
  const key = await openSecret(deps, project, settings.secret, store, "the analytics key is not set: ");
  if (typeof key !== "string") return key;
  const selfHosted = settings.provider === "posthog" ? settings.selfHostedUrl : undefined;
  try {
    const provider = providerFromConfig(settings, key, {
      selfHostedOrigins: deps.analyticsAllowedHosts,
      http: guardedHttp(deps, Boolean(selfHosted)),
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

export type ProjectOutcomes =
  | { kind: "off" }
  | { kind: "ready"; source: OutcomeSource }
  | { kind: "unavailable"; reason: string };

/**
 * The outcome tables `analytics.outcomes` names, under the same rule: the credential is a secret
 * stored for this project (a PostgreSQL connection string, whose host the operator chose, or a
 * Supabase key, sent only to `https://<ref>.supabase.co` or a listed origin through the SSRF guard).
 */
export async function projectOutcomes(
  deps: Pick<JobDeps, "secrets" | "analyticsAllowedHosts" | "capture">,
  project: Project,
  settings: OutcomesSettings | undefined,
): Promise<ProjectOutcomes> {
  if (!settings) return { kind: "off" };
  const fallback = settings.database === "postgres" ? "outcomes-database-url" : "outcomes-supabase-key";
  const store = `\`perceo secrets set --repo ${project.fullName} --name ${settings.secret ?? fallback}\``;
  if (!settings.secret) {
    return {
      kind: "unavailable",
      reason:
        `the outcomes database's credential is not set for the App. Ask the App's operator to store it with ${store} ` +
        `(the value on stdin), and name it in .perceo/config.yml as analytics.outcomes.secret: ${fallback}.`,
    };
  }
  const key = await openSecret(deps, project, settings.secret, store, "");
  if (typeof key !== "string") return key;
  try {
    const selfHosted =
      settings.database === "supabase" && deps.analyticsAllowedHosts.includes(new URL(settings.url).origin);
    const source = outcomesFromConfig(settings, key, {
      credentialName: `the stored secret "${settings.secret}"`,
      selfHostedOrigins: deps.analyticsAllowedHosts,
      http: guardedHttp(deps, selfHosted),
    });
    return { kind: "ready", source };
  } catch (error) {
    if (error instanceof AnalyticsError) return { kind: "unavailable", reason: error.message };
    throw error;
  }
}

/** A project's stored secret, or why the job goes without it. */
async function openSecret(
  deps: Pick<JobDeps, "secrets">,
  project: Project,
  name: string,
  store: string,
  notSet: string,
): Promise<string | { kind: "unavailable"; reason: string }> {
  let key: string | undefined;
  try {
    key = await deps.secrets.reveal(project.id, name);
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    return { kind: "unavailable", reason: `the stored secret "${name}" cannot be opened: ${error.message}` };
  }
  if (key !== undefined) return key;
  return {
    kind: "unavailable",
    reason: `${notSet}no secret "${name}" is stored for ${project.fullName}. Ask the App's operator to run ${store} (the value on stdin).`,
  };
}

/** Every request through the capture's SSRF guard; an origin the operator listed is trusted as a capture target it listed would be. */
function guardedHttp(
  deps: Pick<JobDeps, "analyticsAllowedHosts" | "capture">,
  selfHosted: boolean,
): HttpPolicy {
  return {
    fetch: guardedFetch({
      allowedTargets: selfHosted ? deps.analyticsAllowedHosts : [],
      ...(deps.capture.resolve ? { resolve: deps.capture.resolve } : {}),
    }),
  };
}
