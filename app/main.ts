import { pino } from "pino";
import { readSettings, SettingsError } from "./server/settings.ts";
import { startApp } from "./server/start.ts";

// `node app/main.ts` (npm start): the App's server and its job worker in one process.
const log = pino({ level: process.env.LOG_LEVEL ?? "info", name: "perceo-app" });
try {
  const app = await startApp(readSettings(process.env), { log });
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
