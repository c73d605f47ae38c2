import type { LoggerOptions } from "pino";

/**
 * Credentials kept out of every log line. Probot logs each HTTP request with its request and
 * response headers (the dashboard's session cookie travels in them) and its URL (the sign-in
 * callback's one-time code and state are in its query).
 */
export const LOG_REDACTION: NonNullable<LoggerOptions["redact"]> = {
  paths: ["req.headers.cookie", "req.headers.authorization", 'res.headers["set-cookie"]', "req.url"],
  censor: (value, path) => (path.at(-1) === "url" ? withoutSignInQuery(value) : "[Redacted]"),
};

function withoutSignInQuery(url: unknown): unknown {
  if (typeof url !== "string" || !url.startsWith("/dashboard/callback?")) return url;
  return "/dashboard/callback?[Redacted]";
}
