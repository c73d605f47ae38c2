import { getPrivateKey } from "@probot/get-private-key";
import { keyringFromEnv, SecretError } from "../../shared/secrets/index.ts";

/** What the App reads from its environment (names fixed in ARCHITECTURE.md). */
export interface AppSettings {
  appId: number;
  privateKey: string;
  webhookSecret: string;
  databaseUrl: string;
  port: number;
  host: string;
  webhookProxyUrl?: string;
  /** GitHub Enterprise Server's API (`GHE_HOST`, `GHE_PROTOCOL`, as Probot reads them); default github.com. */
  githubApiUrl?: string;
  production: boolean;
  /**
   * PERCEO_ENCRYPTION_KEY seals project secrets (a repository's analytics key); during a rotation
   * PERCEO_ENCRYPTION_KEY_PREVIOUS still opens what the old key sealed. Both validated, kept as text.
   */
  encryption?: { key?: string; previous?: string };
  /** PERCEO_ANALYTICS_ALLOWED_HOSTS: self-hosted PostHog origins a repository's `selfHostedUrl` may name. */
  analyticsAllowedHosts?: string[];
  /**
   * The web dashboard under `/dashboard`, on when the App's OAuth credentials are set
   * (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET: the names Probot's setup writes into .env).
   */
  dashboard?: DashboardSettings;
  /** Where GitHub Actions OIDC tokens come from, and the audience the Action asks for. */
  oidc: { issuer: string; jwksUrl: string; audience: string };
  /** Deploy diffs; every field optional. */
  deploys?: {
    /** PERCEO_DEPLOY_PUSH_DELAY: seconds a push to the default branch waits before its pages are captured (default 300). */
    pushDelaySeconds?: number;
    /** PERCEO_PUBLIC_URL: where the App is reachable, for links to its screenshots and diff images in check runs. */
    publicUrl?: string;
    /** PERCEO_CAPTURE_ALLOWED_TARGETS: private or local origins captures may open (comma-separated). */
    captureAllowedTargets?: string[];
    /** ANTHROPIC_API_KEY: adds Claude's one-line description to each detected change. */
    anthropicApiKey?: string;
  };
}

export interface DashboardSettings {
  clientId: string;
  clientSecret: string;
  /** PERCEO_SESSION_SECRET signs the session cookies; without it (development only) a per-process one. */
  sessionSecret?: string;
  /** PERCEO_PUBLIC_URL: the OAuth callback is `<url>/dashboard/callback`, cookies are Secure when https. */
  publicUrl?: string;
  /** GitHub's web origin, where people sign in (GHE_HOST's, else https://github.com). */
  githubUrl: string;
}

/** Enough for HMAC-SHA256: 32 characters (`openssl rand -base64 32` gives 44). */
const MIN_SESSION_SECRET = 32;

export class SettingsError extends Error {
  override name = "SettingsError";
  readonly code = "PERCEO_APP_SETTINGS";
}

const PLACEHOLDER_SECRETS = new Set(["development", "secret", "changeme", "test"]);

/** Reads the settings; refuses what would be unsafe in production (Probot would fall back to `development`). */
export function readSettings(env: Record<string, string | undefined>): AppSettings {
  const production = env.NODE_ENV === "production";
  const problems: string[] = [];
  const appId = Number(env.APP_ID);
  if (!Number.isInteger(appId) || appId <= 0)
    problems.push("APP_ID: set it to the App's id (App settings → General)");
  let privateKey = "";
  try {
    privateKey = getPrivateKey({ env: env as NodeJS.ProcessEnv }) ?? "";
  } catch {
    problems.push("PRIVATE_KEY: not a valid PEM key; paste the whole .pem file, or base64 of it");
  }
  if (!privateKey && problems.every((p) => !p.startsWith("PRIVATE_KEY"))) {
    problems.push("PRIVATE_KEY (or PRIVATE_KEY_PATH): the App's private key, PEM or base64");
  }
  const webhookSecret = env.WEBHOOK_SECRET?.trim() ?? "";
  if (production && (webhookSecret.length < 16 || PLACEHOLDER_SECRETS.has(webhookSecret))) {
    problems.push(
      "WEBHOOK_SECRET: production needs the real webhook secret (16+ random characters, the value set " +
        "in the App's settings); refusing to accept unsigned or guessable deliveries",
    );
  }
  const databaseUrl = env.DATABASE_URL?.trim() ?? "";
  if (!databaseUrl) problems.push("DATABASE_URL: the PostgreSQL that holds the store and the job queue");
  const pushDelay = env.PERCEO_DEPLOY_PUSH_DELAY?.trim();
  if (pushDelay && !/^\d+$/.test(pushDelay))
    problems.push("PERCEO_DEPLOY_PUSH_DELAY: whole seconds a push waits before its deploy diff, e.g. 300");
  const publicUrl = env.PERCEO_PUBLIC_URL?.trim();
  if (publicUrl && !/^https?:\/\/[^\s]+$/.test(publicUrl))
    problems.push("PERCEO_PUBLIC_URL: the App's own address, e.g. https://perceo.example.com");
  const captureTargets = (env.PERCEO_CAPTURE_ALLOWED_TARGETS ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  try {
    keyringFromEnv(env);
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    problems.push(error.message);
  }
  const analyticsAllowedHosts: string[] = [];
  for (const entry of (env.PERCEO_ANALYTICS_ALLOWED_HOSTS ?? "").split(",").map((t) => t.trim())) {
    if (!entry) continue;
    const origin = httpsOrigin(entry);
    if (origin) analyticsAllowedHosts.push(origin);
    else
      problems.push(
        `PERCEO_ANALYTICS_ALLOWED_HOSTS: "${entry}" is not an https origin like https://posthog.example.com`,
      );
  }
  const dashboard = readDashboardSettings(env, production, publicUrl, problems);
  if (problems.length > 0) {
    throw new SettingsError(`Perceo App cannot start:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
  return {
    appId,
    privateKey,
    webhookSecret: webhookSecret || "development",
    databaseUrl,
    port: Number(env.PORT) || 3000,
    host: env.HOST || (production ? "0.0.0.0" : "localhost"),
    ...(env.WEBHOOK_PROXY_URL ? { webhookProxyUrl: env.WEBHOOK_PROXY_URL } : {}),
    ...(env.GHE_HOST ? { githubApiUrl: `${env.GHE_PROTOCOL || "https"}://${env.GHE_HOST}/api/v3` } : {}),
    production,
    encryption: {
      ...(env.PERCEO_ENCRYPTION_KEY?.trim() ? { key: env.PERCEO_ENCRYPTION_KEY.trim() } : {}),
      ...(env.PERCEO_ENCRYPTION_KEY_PREVIOUS?.trim()
        ? { previous: env.PERCEO_ENCRYPTION_KEY_PREVIOUS.trim() }
        : {}),
    },
    analyticsAllowedHosts,
    ...(dashboard ? { dashboard } : {}),
    deploys: {
      ...(pushDelay ? { pushDelaySeconds: Number(pushDelay) } : {}),
      ...(publicUrl ? { publicUrl } : {}),
      captureAllowedTargets: captureTargets,
      ...(env.ANTHROPIC_API_KEY?.trim() ? { anthropicApiKey: env.ANTHROPIC_API_KEY.trim() } : {}),
    },
    oidc: {
      issuer: env.PERCEO_OIDC_ISSUER || "https://token.actions.githubusercontent.com",
      jwksUrl: env.PERCEO_OIDC_JWKS_URL || "https://token.actions.githubusercontent.com/.well-known/jwks",
      audience: env.PERCEO_OIDC_AUDIENCE || "perceo",
    },
  };
}

function readDashboardSettings(
  env: Record<string, string | undefined>,
  production: boolean,
  publicUrl: string | undefined,
  problems: string[],
): DashboardSettings | undefined {
  const clientId = env.GITHUB_CLIENT_ID?.trim() ?? "";
  const clientSecret = env.GITHUB_CLIENT_SECRET?.trim() ?? "";
  if (!clientId && !clientSecret) return undefined;
  if (!clientId || !clientSecret) {
    problems.push(
      "GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET: set both (App settings → General → Client ID, and a generated client secret) to sign in to the dashboard, or neither to leave it off",
    );
    return undefined;
  }
  const sessionSecret = env.PERCEO_SESSION_SECRET?.trim() ?? "";
  if (sessionSecret && sessionSecret.length < MIN_SESSION_SECRET) {
    problems.push(
      `PERCEO_SESSION_SECRET: ${MIN_SESSION_SECRET}+ random characters (openssl rand -base64 32); it signs the dashboard's session cookies`,
    );
  } else if (production && !sessionSecret) {
    problems.push(
      "PERCEO_SESSION_SECRET: production needs it to serve the dashboard (openssl rand -base64 32); without it sessions would not survive a restart nor be shared between App processes",
    );
  }
  if (production && !publicUrl) {
    problems.push(
      "PERCEO_PUBLIC_URL: the dashboard needs the App's own https address in production; its sign-in callback is <PERCEO_PUBLIC_URL>/dashboard/callback",
    );
  }
  return {
    clientId,
    clientSecret,
    ...(sessionSecret ? { sessionSecret } : {}),
    ...(publicUrl ? { publicUrl: publicUrl.replace(/\/+$/, "") } : {}),
    githubUrl: env.GHE_HOST ? `${env.GHE_PROTOCOL || "https"}://${env.GHE_HOST}` : "https://github.com",
  };
}

function httpsOrigin(entry: string): string | undefined {
  try {
    const url = new URL(entry);
    const bare = url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password;
    return url.protocol === "https:" && bare ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
