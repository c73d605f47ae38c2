/** What went wrong, in terms a caller can act on. */
export type StoreErrorCode =
  /** A unique key is taken (a natural key written by someone else in a way we do not merge). */
  | "conflict"
  /** A check, not-null, foreign-key or type rule refused the values. */
  | "invalid"
  /** A detected change was asked to move to a status it may not move to from where it is. */
  | "illegal_transition"
  /** A history row (checkpoint, lifecycle event) was asked to change. */
  | "immutable"
  | "not_found"
  /** The database or the Supabase API could not be reached or answered with a server error. */
  | "unavailable"
  /** The schema is missing or behind: run `perceo db migrate`. */
  | "not_migrated"
  /** Credentials were refused or the configuration is incomplete. */
  | "configuration";

export class StoreError extends Error {
  override name = "StoreError";
  readonly code: StoreErrorCode;
  /** The Postgres SQLSTATE (or PostgREST code) behind the error, when there is one. */
  readonly sqlState: string | undefined;
  readonly constraint: string | undefined;

  constructor(
    code: StoreErrorCode,
    message: string,
    options: { cause?: unknown; sqlState?: string; constraint?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.sqlState = options.sqlState;
    this.constraint = options.constraint;
  }
}

/**
 * Runs an upsert once more when it hits a unique key it does not arbitrate on. Two writers creating
 * the same project at once: the upsert merges on the name only, so the one that lost the race hits
 * the repository id's unique index; the row is committed by then, and the second try finds it.
 */
export async function againOnConflict<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof StoreError && error.code === "conflict") return write();
    throw error;
  }
}

const TRANSITION_CONSTRAINT = "detected_changes_status_transition";

/** Maps a SQLSTATE (from pg, PGlite or PostgREST) to a StoreError code. */
export function codeForSqlState(sqlState: string | undefined, constraint?: string): StoreErrorCode {
  if (!sqlState) return "unavailable";
  if (sqlState === "23514" && constraint === TRANSITION_CONSTRAINT) return "illegal_transition";
  if (sqlState === "23505") return "conflict";
  if (sqlState === "23001") return "immutable";
  if (sqlState === "P0002" || sqlState === "PGRST116") return "not_found";
  if (sqlState === "42P01" || sqlState === "3F000" || sqlState === "PGRST202") {
    return "not_migrated";
  }
  if (sqlState === "28000" || sqlState === "28P01" || sqlState === "42501") return "configuration";
  if (sqlState.startsWith("23") || sqlState.startsWith("22")) return "invalid";
  if (sqlState.startsWith("08") || sqlState.startsWith("53") || sqlState.startsWith("57"))
    return "unavailable";
  return "invalid";
}

/** Wraps an error thrown by pg or PGlite, keeping the original as the cause. */
export function toStoreError(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const fields = (typeof error === "object" && error !== null ? error : {}) as {
    code?: unknown;
    constraint?: unknown;
    message?: unknown;
  };
  const sqlState =
    typeof fields.code === "string" && /^[0-9A-Z]{5}$/.test(fields.code) ? fields.code : undefined;
  const constraint = typeof fields.constraint === "string" ? fields.constraint : undefined;
  const message = typeof fields.message === "string" ? fields.message : String(error);
  const code = sqlState ? codeForSqlState(sqlState, constraint) : "unavailable";
  const hint = code === "not_migrated" ? " — run `perceo db migrate`" : "";
  return new StoreError(code, `${message}${hint}`, {
    cause: error,
    ...(sqlState ? { sqlState } : {}),
    ...(constraint ? { constraint } : {}),
  });
}
