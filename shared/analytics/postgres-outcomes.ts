import pg from "pg";
import type { DayRange } from "./correlation.ts";
import {
  checkIdentifiers,
  type OutcomeCount,
  type OutcomeSource,
  type OutcomeTable,
  outcomeName,
} from "./outcome-source.ts";
import { AnalyticsError } from "./provider-http.ts";

/*
 * Outcomes counted in the team's PostgreSQL (Supabase's direct connection included): one connection
 * a call, one read-only transaction with a statement timeout, one `count(*) filter (…)` per table over
 * all the windows asked for. Identifiers are validated and double-quoted; day bounds go in as
 * parameters. Days are UTC: the transaction's time zone is set so, which also places a
 * `timestamp without time zone` column's values in UTC.
 */

export const OUTCOMES_STATEMENT_TIMEOUT_MS = 10_000;

export interface PostgresOutcomesSettings {
  connectionString: string;
  /** Where the connection string came from, for messages (never the string itself). */
  credentialName: string;
  schema?: string;
  tables: readonly OutcomeTable[];
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export function postgresOutcomes(settings: PostgresOutcomesSettings): OutcomeSource {
  const schema = settings.schema ?? "public";
  checkIdentifiers("postgres", schema, settings.tables);
  const timeout = Math.trunc(settings.statementTimeoutMs ?? OUTCOMES_STATEMENT_TIMEOUT_MS);
  if (!/^postgres(ql)?:\/\//.test(settings.connectionString)) {
    throw new AnalyticsError(
      "postgres",
      "invalid_credential",
      `${settings.credentialName} must hold a connection string (postgresql://role:password@host:5432/db) of a role that may select from the outcome tables`,
    );
  }

  return {
    database: "postgres",
    async countWindows(windows) {
      if (windows.length === 0) return [];
      const client = new pg.Client({
        connectionString: settings.connectionString,
        connectionTimeoutMillis: settings.connectTimeoutMs ?? 10_000,
        application_name: "perceo-outcomes",
      });
      // An error on an idle client (the server went away) must not crash the process.
      client.on("error", () => {});
      try {
        await client.connect();
      } catch (error) {
        throw connectionError(error, settings.credentialName);
      }
      try {
        await client.query("BEGIN");
        await client.query("SET TRANSACTION READ ONLY");
        await client.query(`SET LOCAL statement_timeout = ${timeout}`);
        await client.query("SET LOCAL TIME ZONE 'UTC'");
        const counts: OutcomeCount[][] = windows.map(() => []);
        const params = windows.flatMap((w) => [w.from, w.to]);
        for (const table of settings.tables) {
          const column = quote(table.timestamp);
          const filters = windows.map(
            (_, i) =>
              `count(*) filter (where ${column} >= $${2 * i + 1}::date and ${column} < $${2 * i + 2}::date) as w${i}`,
          );
          const sql = `select ${filters.join(", ")} from ${quote(schema)}.${quote(table.table)} where ${column} >= $${params.length + 1}::date and ${column} < $${params.length + 2}::date`;
          const span = spanOf(windows);
          let row: Record<string, string>;
          try {
            const result = await client.query<Record<string, string>>(sql, [...params, span.from, span.to]);
            row = result.rows[0] ?? {};
          } catch (error) {
            throw queryError(error, schema, table, timeout);
          }
          windows.forEach((_, i) => {
            counts[i]?.push({
              name: outcomeName(table),
              table: table.table,
              count: Number(row[`w${i}`] ?? 0),
            });
          });
        }
        return counts;
      } finally {
        await client.query("ROLLBACK").catch(() => {});
        await client.end().catch(() => {});
      }
    },
    async close() {},
  };
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

function spanOf(windows: readonly DayRange[]): DayRange {
  const froms = windows.map((w) => w.from).sort();
  const tos = windows.map((w) => w.to).sort();
  return { from: froms[0] as string, to: tos[tos.length - 1] as string };
}

function connectionError(error: unknown, credentialName: string): AnalyticsError {
  const e = error as { code?: string; message?: string };
  if (e.code === "28P01" || e.code === "28000") {
    return new AnalyticsError(
      "postgres",
      "invalid_credential",
      `the database refused the role in ${credentialName} (${e.code}): check its user and password`,
    );
  }
  if (e.code === "3D000") {
    return new AnalyticsError(
      "postgres",
      "not_found",
      `the database named in ${credentialName} does not exist`,
    );
  }
  return new AnalyticsError(
    "postgres",
    "unavailable",
    `could not connect to the database in ${credentialName}: ${redact(e.message ?? String(error))}`,
  );
}

function queryError(error: unknown, schema: string, table: OutcomeTable, timeoutMs: number): AnalyticsError {
  const e = error as { code?: string; message?: string };
  const where = `${schema}.${table.table}`;
  switch (e.code) {
    case "42P01":
    case "3F000":
      return new AnalyticsError(
        "postgres",
        "not_found",
        `no table or view ${where}: check analytics.outcomes.tables in .perceo/config.yml (and analytics.outcomes.schema)`,
      );
    case "42703":
      return new AnalyticsError(
        "postgres",
        "not_found",
        `${where} has no column ${table.timestamp}: name its timestamp column in analytics.outcomes.tables`,
      );
    case "42501":
      return new AnalyticsError(
        "postgres",
        "permission_denied",
        `the outcomes role may not read ${where}: grant usage on schema ${schema} and select on ${where} to it (a read-only role is enough)`,
      );
    case "57014":
      return new AnalyticsError(
        "postgres",
        "timeout",
        `counting ${where} took longer than ${timeoutMs} ms: an index on ${table.timestamp} makes it fast`,
      );
    case "42883":
    case "42804":
      return new AnalyticsError(
        "postgres",
        "bad_config",
        `${where}.${table.timestamp} is not a date or timestamp column: name the column that says when the row happened`,
      );
    default:
      return new AnalyticsError(
        "postgres",
        "unavailable",
        `counting ${where} failed: ${redact(e.message ?? String(error))}`,
      );
  }
}

/** A driver message may quote the connection string; a password must not reach a log or an issue. */
function redact(message: string): string {
  return message.replace(/(postgres(?:ql)?:\/\/[^:\s/]+):[^@\s]+@/g, "$1:***@");
}
