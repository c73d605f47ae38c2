// Test helpers other suites may use: a throwaway PostgreSQL 15 server, migrated databases on either
// engine, and run-result fixtures. Never imported by production code.
export { type Engine, openMigratedDatabase, type TestDatabase } from "./databases.ts";
export { aFlow, anAttempt, aProjectName, aRunResult, aSha, aStep } from "./fixtures.ts";
export {
  type PostgresServer,
  PostgresServerError,
  type StartPostgresOptions,
  startPostgresServer,
} from "./postgres-server.ts";
