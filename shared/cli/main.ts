import { ConfigError } from "../config/index.ts";
import { PlaywrightSetupError } from "../playwright/index.ts";
import { BrowserNotFoundError } from "../runner/index.ts";
import { SecretError } from "../secrets/index.ts";
import { StoreError } from "../store/index.ts";
import { commandAffected } from "./affected-command.ts";
import { commandAnalytics, commandInsights } from "./analytics-command.ts";
import { type CliIo, EXIT, UsageError } from "./cli-io.ts";
import { commandDashboard } from "./dashboard-command.ts";
import { commandDb } from "./db-command.ts";
import { commandDemo } from "./demo-command.ts";
import { commandFlows } from "./flows-command.ts";
import { commandInit } from "./init-command.ts";
import { commandRun } from "./run-command.ts";
import { commandRuns } from "./runs-command.ts";
import { commandSecrets, SECRETS_HELP } from "./secrets-command.ts";
import { commandWatch } from "./watch-command.ts";

export { type CliIo, EXIT, UsageError } from "./cli-io.ts";

const HELP = `perceo — regression testing for user flows

Usage:
  perceo init [--dir DIR] [--base-url URL]   detect the app and its routes; with the running app's URL, write starter flows
  perceo run [--dir DIR] [--base-url URL] [--flows a,b | --all] [--workers N] [--retries N] [--report DIR] [--coverage]
  perceo watch [--dir DIR] [--base-url URL] [--report DIR] [--debounce MS]   rerun the flows each save affects
  perceo flows list [--dir DIR]
  perceo flows show <name> [--dir DIR]
  perceo flows validate [--dir DIR]
  perceo flows resolve [--dir DIR] [--base-url URL] [--flows a,b] [--force]   resolve ai steps with Claude into .perceo/ai-cache.json
  perceo affected [--dir DIR] [--base REF] [--head REF] [--json] [--no-cache] [--record]   the flows a change affects, with reasons
  perceo demo [--report DIR] [--workers N]
  perceo runs list [--limit N] [--json]
  perceo runs show <id> [--json]
  perceo db migrate
  perceo dashboard [--port N] [--dir DIR]   the web dashboard and visual review on 127.0.0.1 (default port 4590)
  perceo analytics outcomes [--days N] [--json]   rows of the analytics.outcomes tables per window (read-only)
  perceo analytics sync|gaps [--provider posthog|ga4|mixpanel] [--project-id N | --property-id N] [--residency us|eu|in] [--days N]   production analytics; pages no flow visits
  perceo insights [--project-id N | --property-id N] [--days N] [--json]     what production says to fix next
${SECRETS_HELP}
  perceo help

Options:
  --dir DIR        the folder that holds .perceo/ (default: the current folder)
  --base-url URL   where the app runs; overrides baseUrl in .perceo/config.yml
  --flows a,b      run only these flows (comma-separated names)
  --all            run every flow (the default until the observer selects affected flows)
  --workers N      flows run at once (default: CPU count)
  --retries N      attempts after a failure; a flow that passes on retry is reported flaky
  --report DIR     where the report goes (default: perceo-report)
  --no-record      do not record the run in the store
  --coverage       record the scripts and styles each flow ran in .perceo/coverage.json (perceo affected uses it)

Exit codes: 0 all flows passed, 1 a flow failed, 2 config or usage error, 3 the browser or app could not be used.
Environment:
  PERCEO_BROWSER_PATH              the browser to use
  DATABASE_URL                     record runs in this PostgreSQL (run \`perceo db migrate\` once)
  SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY   record runs in Supabase
  PERCEO_ENCRYPTION_KEY            perceo secrets: the App's key that seals project secrets
  (neither: runs are kept in .perceo/data and .perceo/blobs under the current folder)`;

/** The `perceo` command. Returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof SecretError) {
      io.stderr.write(`perceo: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof PlaywrightSetupError) {
      io.stderr.write(`perceo: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`perceo: ${error.message}\nRun \`perceo help\` for usage.\n`);
      return EXIT.usage;
    }
    if (error instanceof BrowserNotFoundError || error instanceof StoreError) {
      io.stderr.write(`perceo: ${error.message}\n`);
      return EXIT.infrastructure;
    }
    io.stderr.write(`perceo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.infrastructure;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "init":
      return commandInit(rest, io);
    case "run":
      return commandRun(rest, io);
    case "flows":
      return commandFlows(rest, io);
    case "watch":
      return commandWatch(rest, io);
    case "affected":
      return commandAffected(rest, io);
    case "demo":
      return commandDemo(rest, io);
    case "runs":
      return commandRuns(rest, io);
    case "db":
      return commandDb(rest, io);
    case "dashboard":
      return commandDashboard(rest, io);
    case "analytics":
      return commandAnalytics(rest, io);
    case "insights":
      return commandInsights(rest, io);
    case "secrets":
      return commandSecrets(rest, io);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.stdout.write(`${HELP}\n`);
      return command === undefined ? EXIT.usage : EXIT.passed;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}
