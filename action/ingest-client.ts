import * as core from "@actions/core";
import type { RunResult } from "../shared/runner/index.ts";
import type { RunContext } from "../shared/store/index.ts";

/** The audience the App's ingest route verifies in the OIDC token. */
export const INGEST_AUDIENCE = "perceo";

/** The ingest route could not be reached or answered with a server error, after retries. */
export class IngestUnavailableError extends Error {
  override name = "IngestUnavailableError";
}

/** The ingest route refused the results (a 4xx): retrying will not help, the message says what will. */
export class IngestRejectedError extends Error {
  override name = "IngestRejectedError";
}

export interface IngestRequest {
  url: string;
  run: RunResult;
  context: RunContext;
  /** Default 3. */
  attempts?: number;
  retryDelayMs?: (attempt: number) => number;
}

/**
 * Sends the results to the App with GitHub's OIDC token (`permissions: id-token: write`), so the
 * workflow holds no database key: the App verifies issuer, audience, expiry and repository, then
 * writes with its own credentials. The body is what app/ingest/ingest-route.ts reads:
 * `{ run, prNumber?, ciRunId?, ciRunAttempt? }`; the commit comes from the token's own `sha` claim.
 */
export async function sendToIngest(request: IngestRequest): Promise<void> {
  if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL) {
    throw new IngestRejectedError(
      "ingest-url is set but the job cannot request an OIDC token: add `permissions: id-token: write` to the job",
    );
  }
  const token = await core.getIDToken(INGEST_AUDIENCE).catch((error: unknown) => {
    throw new IngestUnavailableError(`GitHub did not issue an OIDC token: ${(error as Error).message}`);
  });
  const { context } = request;
  const body = JSON.stringify({
    run: request.run,
    ...(context.prNumber !== undefined ? { prNumber: context.prNumber } : {}),
    ...(context.ciRunId ? { ciRunId: context.ciRunId } : {}),
    ...(context.ciRunAttempt ? { ciRunAttempt: context.ciRunAttempt } : {}),
  });
  const attempts = request.attempts ?? 3;
  let last = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(request.retryDelayMs?.(attempt - 1) ?? 500 * 4 ** (attempt - 2));
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      last = (error as Error).message;
      continue;
    }
    if (response.ok) return;
    const text = (await response.text().catch(() => "")).slice(0, 300);
    if (response.status >= 500 || response.status === 429) {
      last = `answered ${response.status} ${text}`;
      continue;
    }
    throw new IngestRejectedError(
      `the Perceo App refused the results (${response.status} ${text}) — check that the App is installed on this repository and that ingest-url is its /api/perceo/runs URL`,
    );
  }
  throw new IngestUnavailableError(`POST ${request.url} failed ${attempts} times: ${last}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
