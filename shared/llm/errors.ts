export type LlmErrorCode =
  | "PERCEO_LLM_AUTH"
  | "PERCEO_LLM_BAD_REQUEST"
  | "PERCEO_LLM_RATE_LIMITED"
  | "PERCEO_LLM_UNAVAILABLE"
  | "PERCEO_LLM_TIMEOUT"
  | "PERCEO_LLM_BAD_OUTPUT"
  | "PERCEO_LLM_REFUSED";

const ADVICE: Record<LlmErrorCode, string> = {
  PERCEO_LLM_AUTH: "check ANTHROPIC_API_KEY (it was refused)",
  PERCEO_LLM_BAD_REQUEST: "the request was refused; update Perceo or report the message",
  PERCEO_LLM_RATE_LIMITED: "the API is rate-limiting this key; retry later or raise the limit",
  PERCEO_LLM_UNAVAILABLE: "the API is unavailable or overloaded; retry later",
  PERCEO_LLM_TIMEOUT: "the API did not answer in time; retry later",
  PERCEO_LLM_BAD_OUTPUT: "Claude answered in an unexpected shape; the deterministic result stands",
  PERCEO_LLM_REFUSED: "Claude will not answer this request; rephrase it, or do without Claude here",
};

/** A failed call to Claude: what happened and what to do. Perceo's deterministic answer never depends on it. */
export class LlmError extends Error {
  readonly code: LlmErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;
  constructor(code: LlmErrorCode, detail: string, status?: number) {
    super(`${detail} — ${ADVICE[code]}`);
    this.name = "LlmError";
    this.code = code;
    this.status = status;
    this.retryable =
      code === "PERCEO_LLM_RATE_LIMITED" ||
      code === "PERCEO_LLM_UNAVAILABLE" ||
      code === "PERCEO_LLM_TIMEOUT";
  }
}
