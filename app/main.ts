import { existsSync } from "node:fs";
import { pino } from "pino";
import { run } from "probot";
import { LOG_REDACTION } from "./server/log-redaction.ts";
import { readSettings, SettingsError } from "./server/settings.ts";
import { startApp } from "./server/start.ts";

// `node app/main.ts` (npm start): the App's server, and its job worker on a thread of its own.
const log = pino({ level: process.env.LOG_LEVEL ?? "info", name: "perceo-app", redact: LOG_REDACTION });
// Values already in the environment win over the file.
if (existsSync(".env")) process.loadEnvFile(".env");

if (!process.env.APP_ID && process.env.NODE_ENV !== "production") {
  // First run: Probot's setup page registers the App from app.yml (a GitHub App manifest), then
  // writes APP_ID, PRIVATE_KEY, WEBHOOK_SECRET and a smee.io WEBHOOK_PROXY_URL into .env.
  await run(() => undefined, { log });
  log.info(
    `No APP_ID: open http://localhost:${process.env.PORT || 3000} to register the Perceo App on GitHub, ` +
      "then stop this process and run `npm start` again.",
  );
} else {
  try {
    const app = await startApp(readSettings(process.env), { log, worker: { thread: true } });
    log.info({ port: app.port }, "Perceo App listening");
    const shutdown = (signal: string) => {
      log.info({ signal }, "shutting down: finishing running jobs");
      app.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
  } catch (error) {
    if (error instanceof SettingsError) {
      log.fatal(error.message);
      process.exit(78);
    }
    throw error;
  }
}
