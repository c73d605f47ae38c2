import { SQL_IDENTIFIER } from "../config/index.ts";
import type { DayRange } from "./correlation.ts";
import { AnalyticsError, type OutcomeDatabase } from "./provider-http.ts";

/** One table or view whose rows are an outcome, and the column that says when each row happened. */
export interface OutcomeTable {
  table: string;
  timestamp: string;
  /** How reports name its rows (signups); default the table's name. */
  name?: string;
}

/** How many rows an outcome had in a window. */
export interface OutcomeCount {
  name: string;
  table: string;
  count: number;
}

/**
 * The team's own database, asked only how many rows each outcome table has per window of days (UTC):
 * never a row, never a write.
 */
export interface OutcomeSource {
  readonly database: OutcomeDatabase;
  /** For each window, every outcome's count, in the configured order. */
  countWindows(windows: readonly DayRange[]): Promise<OutcomeCount[][]>;
  close(): Promise<void>;
}

/**
 * The schema validates identifiers where a person wrote them; a source built another way (a test, a
 * future caller) is checked again here, so nothing but a plain identifier is ever spliced into SQL or
 * a REST path.
 */
export function checkIdentifiers(
  database: OutcomeDatabase,
  schema: string,
  tables: readonly OutcomeTable[],
): void {
  const names = [
    ["analytics.outcomes.schema", schema],
    ...tables.flatMap((t, i) => [
      [`analytics.outcomes.tables[${i}].table`, t.table],
      [`analytics.outcomes.tables[${i}].timestamp`, t.timestamp],
    ]),
  ] as const;
  for (const [where, value] of names) {
    if (!SQL_IDENTIFIER.test(value) || value.length > 63) {
      throw new AnalyticsError(
        database,
        "bad_config",
        `${where} must be a plain table, view or column name (letters, digits, underscores; at most 63), not ${JSON.stringify(value.slice(0, 80))}`,
      );
    }
  }
}

export function outcomeName(table: OutcomeTable): string {
  return table.name ?? table.table;
}
