import { readFile } from "node:fs/promises";
import path from "node:path";
import * as core from "@actions/core";
import type { RunResult, ScreenshotRef } from "../shared/runner/index.ts";
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
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

export interface IngestClientOptions {
  /** The App's `/api/perceo/runs` URL (the `ingest-url` input); the other routes sit beside it. */
  url: string;
  /** Default 3. */
  attempts?: number;
  retryDelayMs?: (attempt: number) => number;
}

/**
 * The Action's side of the App's ingest route, with GitHub's OIDC token
 * (`permissions: id-token: write`), so the workflow holds no database key: the App verifies issuer,
 * audience, expiry and repository, then reads and writes with its own credentials.
 */
export interface IngestClient {
  readonly url: string;
  /** The baseline picture of one screenshot and its commit; undefined when there is none. */
  findBaseline(query: {
    flow: string;
    shot: ScreenshotRef;
    mergeBaseSha: string | undefined;
  }): Promise<{ png: Uint8Array; commitSha: string } | undefined>;
  /**
   * 1. the last attempt's screenshots, one PUT each (idempotent: same run, same path),
   * 2. the run, which the App records with those pictures, 3. when asked, the baselines.
   */
  sendRun(input: {
    run: RunResult;
    context: RunContext;
    reportDir: string;
    updateBaselines: boolean;
  }): Promise<{ screenshots: number; baselinesUpdated: number; baselinesRefused?: string }>;
}

export function ingestClient(options: IngestClientOptions): IngestClient {
  const token = oidcToken();
  const runUrl = (runId: string, ...rest: string[]) =>
    `${options.url.replace(/\/+$/, "")}/${[runId, ...rest].map(encodeURIComponent).join("/")}`;

  /** One request with retries for outages; a 4xx other than `allow` is a refusal. */
  async function send(
    what: string,
    init: {
      method: string;
      url: string;
      body?: Uint8Array<ArrayBuffer> | string;
      contentType?: string;
      allow?: number;
    },
  ): Promise<Response> {
    const bearer = await token();
    const attempts = options.attempts ?? 3;
    let last = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(options.retryDelayMs?.(attempt - 1) ?? 500 * 4 ** (attempt - 2));
      let response: Response;
      try {
        response = await fetch(init.url, {
          method: init.method,
          headers: {
            authorization: `Bearer ${bearer}`,
            ...(init.contentType ? { "content-type": init.contentType } : {}),
          },
          ...(init.body !== undefined ? { body: init.body } : {}),
          signal: AbortSignal.timeout(30_000),
        });
      } catch (error) {
        last = (error as Error).message;
        continue;
      }
      if (response.ok || response.status === init.allow) return response;
      const text = (await response.text().catch(() => "")).slice(0, 300);
      if (response.status >= 500 || response.status === 429) {
        last = `answered ${response.status} ${text}`;
        continue;
      }
      throw new IngestRejectedError(
        `the Perceo App refused ${what} (${response.status} ${text}) — check that the App is installed on this repository and that ingest-url is its /api/perceo/runs URL`,
        response.status,
      );
    }
    throw new IngestUnavailableError(`${init.method} ${init.url} failed ${attempts} times: ${last}`);
  }

  return {
    url: options.url,

    async findBaseline({ flow, shot, mergeBaseSha }) {
      const url = new URL("baselines", options.url);
      url.search = new URLSearchParams({
        flow,
        step: shot.name,
        width: String(shot.viewport.width),
        height: String(shot.viewport.height),
        ...(mergeBaseSha ? { mergeBase: mergeBaseSha } : {}),
      }).toString();
      const response = await send(`the baseline lookup of ${flow} / ${shot.name}`, {
        method: "GET",
        url: url.toString(),
        allow: 404,
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      return {
        png: new Uint8Array(await response.arrayBuffer()),
        commitSha: response.headers.get("x-perceo-baseline-commit") ?? "",
      };
    },

    async sendRun({ run, context, reportDir, updateBaselines }) {
      let screenshots = 0;
      for (const reportPath of lastAttemptScreenshots(run)) {
        const body = await readFile(path.join(reportDir, reportPath)).catch((error: unknown) => {
          if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
          throw error;
        });
        if (!body) continue;
        await send(`the screenshot ${reportPath}`, {
          method: "PUT",
          url: runUrl(run.id, "artifacts", ...reportPath.split("/")),
          body: new Uint8Array(body),
          contentType: "image/png",
        });
        screenshots++;
      }
      await send("the results", {
        method: "POST",
        url: options.url,
        contentType: "application/json",
        body: JSON.stringify({
          run,
          ...(context.prNumber !== undefined ? { prNumber: context.prNumber } : {}),
          ...(context.ciRunId ? { ciRunId: context.ciRunId } : {}),
          ...(context.ciRunAttempt ? { ciRunAttempt: context.ciRunAttempt } : {}),
        }),
      });
      if (!updateBaselines) return { screenshots, baselinesUpdated: 0 };
      try {
        const response = await send("the baselines", { method: "POST", url: runUrl(run.id, "baselines") });
        const { baselinesUpdated } = (await response.json()) as { baselinesUpdated: number };
        return { screenshots, baselinesUpdated };
      } catch (error) {
        // The results are in; only the baselines were refused (a pull request's token, say).
        if (!(error instanceof IngestRejectedError) || error.status !== 403) throw error;
        return { screenshots, baselinesUpdated: 0, baselinesRefused: error.message };
      }
    },
  };
}

/** What the comparison and the baselines use: each flow's last attempt's screenshots. */
function lastAttemptScreenshots(run: RunResult): string[] {
  const paths = run.flows.flatMap((flow) => flow.attempts.at(-1)?.screenshots.map((shot) => shot.path) ?? []);
  return [...new Set(paths)];
}

/**
 * The job's OIDC token, asked for once and again only when it is about to expire (GitHub's last
 * minutes), so a run that compares and uploads many screenshots never sends an expired one.
 */
function oidcToken(): () => Promise<string> {
  let current: { value: string; expiresAt: number; issuedAt: number } | undefined;
  return async () => {
    const now = Date.now();
    // A token issued this minute is used as it is: if GitHub gave an expired one, the App says so.
    if (current && (current.expiresAt - now > 60_000 || now - current.issuedAt < 60_000))
      return current.value;
    if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL) {
      throw new IngestRejectedError(
        "ingest-url is set but the job cannot request an OIDC token: add `permissions: id-token: write` to the job",
        0,
      );
    }
    const value = await core.getIDToken(INGEST_AUDIENCE).catch((error: unknown) => {
      throw new IngestUnavailableError(`GitHub did not issue an OIDC token: ${(error as Error).message}`);
    });
    current = { value, expiresAt: tokenExpiry(value), issuedAt: Date.now() };
    return value;
  };
}

function tokenExpiry(token: string): number {
  try {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      exp?: number;
    };
    if (typeof claims.exp === "number") return claims.exp * 1000;
  } catch {
    // Not a JWT we can read: ask again next time.
  }
  return 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
