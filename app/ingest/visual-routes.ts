import type { IncomingMessage, ServerResponse } from "node:http";
import type { RunResult } from "../../shared/runner/index.ts";
import {
  artifactPath,
  assertObjectPath,
  type Project,
  type Store,
  StoreError,
} from "../../shared/store/index.ts";
import { isPng } from "../../shared/visual/index.ts";

/*
 * The pictures half of the ingest route, so that the recommended setup (the Action with an OIDC
 * token, no database key) keeps visual testing:
 * - `PUT  /api/perceo/runs/<run id>/artifacts/<report path>.png`: one screenshot, before the run
 *   that names it; stored where `recordRun` with a report directory would put it.
 * - `GET  /api/perceo/baselines?flow&step&width&height[&mergeBase]`: the baseline picture.
 * - `POST /api/perceo/runs/<run id>/baselines`: the run's screenshots become the baselines, for a
 *   token of the default branch only — a pull request's workflow is written by its author.
 */

export const BASELINES_PATH = "/api/perceo/baselines";
/** A full-page screenshot of a long page at 1280 px stays well under this. */
export const MAX_SCREENSHOT_BYTES = 20 * 1024 * 1024;

/** A request this route refuses; the message says what to change. */
export class IngestError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The claims of a GitHub Actions OIDC token the ingest routes rely on. */
export interface TokenClaims {
  repository?: string;
  ref?: string;
  run_id?: string;
  run_attempt?: string;
}

/** What an `/api/perceo/…` request asks for, read from its raw path (never normalised: `..` stays visible). */
export type IngestRequestKind =
  | { kind: "run"; method: "POST" }
  | { kind: "artifact"; method: "PUT"; runId: string; reportPath: string[] }
  | { kind: "promote"; method: "POST"; runId: string }
  | { kind: "baseline"; method: "GET"; query: URLSearchParams };

export function matchIngestRequest(url: string | undefined): IngestRequestKind | undefined {
  const [rawPath = "", rawQuery = ""] = (url ?? "").split("?", 2);
  if (rawPath === BASELINES_PATH)
    return { kind: "baseline", method: "GET", query: new URLSearchParams(rawQuery) };
  const segments = rawPath.split("/");
  if (segments[1] !== "api" || segments[2] !== "perceo" || segments[3] !== "runs") return undefined;
  const [runId, kind, ...rest] = segments.slice(4);
  if (runId === undefined) return segments.length === 4 ? { kind: "run", method: "POST" } : undefined;
  if (kind === "artifacts" && rest.length > 0) {
    return { kind: "artifact", method: "PUT", runId: decode(runId), reportPath: rest.map(decode) };
  }
  if (kind === "baselines" && rest.length === 0)
    return { kind: "promote", method: "POST", runId: decode(runId) };
  return undefined;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // Kept as sent: the path checks refuse it with a readable message.
    return segment;
  }
}

/**
 * The Action names its runs `gh-<workflow run id>-<attempt>-shard-<i>-of-<n>`; a token may write
 * only its own job's runs, so one workflow (a pull request's) cannot overwrite another's pictures.
 */
export function assertRunOfToken(runId: string, claims: TokenClaims): void {
  const prefix = `gh-${claims.run_id}-${claims.run_attempt}`;
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(runId) || (runId !== prefix && !runId.startsWith(`${prefix}-`))) {
    throw new IngestError(
      403,
      `run ${JSON.stringify(runId)} is not this workflow run's: a token of run ${claims.run_id} attempt ${claims.run_attempt} writes runs named ${prefix}-…`,
    );
  }
}

/** A report-relative PNG path, checked by the Store's own object-path rules (no `..`, `.`, `\\`, control characters). */
export function screenshotReportPath(segments: string[]): string {
  const reportPath = segments.join("/");
  try {
    assertObjectPath(reportPath);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    throw new IngestError(
      400,
      `invalid screenshot path ${JSON.stringify(reportPath)}: send the report-relative path the run lists`,
    );
  }
  if (!reportPath.endsWith(".png")) {
    throw new IngestError(
      400,
      `invalid screenshot path ${JSON.stringify(reportPath)}: only .png screenshots are taken`,
    );
  }
  return reportPath;
}

export function assertPng(body: Uint8Array): void {
  const ihdr = body.length >= 16 && Buffer.from(body.subarray(12, 16)).toString("latin1") === "IHDR";
  if (!isPng(body) || !ihdr) {
    throw new IngestError(415, "the screenshot is not a PNG: send the file the runner wrote, as image/png");
  }
}

/** Reads a body up to `limit` bytes; a longer one is refused before it is all read. */
export function readBytes(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  const tooLarge = () => new IngestError(413, `the ${what} is larger than ${formatBytes(limit)}`);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(tooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}

/** Stores one screenshot at `screenshots/<project id>/<run id>/<report path>`; sending it again overwrites it. */
export async function receiveScreenshot(
  req: IncomingMessage,
  input: {
    store: Store;
    project: Project;
    claims: TokenClaims;
    runId: string;
    reportPath: string[];
    limit: number;
  },
): Promise<{ reportPath: string }> {
  assertRunOfToken(input.runId, input.claims);
  const reportPath = screenshotReportPath(input.reportPath);
  const body = await readBytes(req, input.limit, "screenshot");
  assertPng(body);
  await input.store.blobs.put(
    "screenshots",
    artifactPath(input.project.id, input.runId, reportPath),
    new Uint8Array(body),
    "image/png",
  );
  return { reportPath };
}

/** The run's screenshots that were sent before it: report path → storage path, for `recordRun`. */
export async function receivedScreenshots(
  store: Store,
  projectId: string,
  run: RunResult,
): Promise<Record<string, string>> {
  const artifacts: Record<string, string> = {};
  const paths = new Set(
    run.flows.flatMap((flow) => flow.attempts.flatMap((a) => a.screenshots.map((s) => s.path))),
  );
  for (const reportPath of paths) {
    const storagePath = artifactPath(projectId, run.id, reportPath);
    try {
      if (await store.blobs.get("screenshots", storagePath)) artifacts[reportPath] = storagePath;
    } catch (error) {
      // A path no upload could have used (the run is checked by schema, not by the blobs' rules).
      if (!(error instanceof StoreError && error.code === "invalid")) throw error;
    }
  }
  return artifacts;
}

export interface BaselineQueryParams {
  flowName: string;
  stepName: string;
  viewport: { width: number; height: number };
  mergeBaseSha?: string;
}

export function parseBaselineQuery(query: URLSearchParams): BaselineQueryParams {
  const flowName = query.get("flow") ?? "";
  const stepName = query.get("step") ?? "";
  const width = Number(query.get("width"));
  const height = Number(query.get("height"));
  const mergeBase = query.get("mergeBase");
  const dimension = (n: number) => Number.isInteger(n) && n > 0 && n <= 20_000;
  if (!flowName || !stepName || !dimension(width) || !dimension(height)) {
    throw new IngestError(
      400,
      "ask for a baseline with flow, step, width and height (and mergeBase, a commit sha)",
    );
  }
  if (mergeBase !== null && !/^[0-9a-f]{40}$/.test(mergeBase)) {
    throw new IngestError(400, `mergeBase ${JSON.stringify(mergeBase)} is not a commit sha`);
  }
  return {
    flowName,
    stepName,
    viewport: { width, height },
    ...(mergeBase ? { mergeBaseSha: mergeBase } : {}),
  };
}

/** Answers the baseline's PNG with its commit in `x-perceo-baseline-commit`; 404 when there is none. */
export async function sendBaseline(
  res: ServerResponse,
  input: { store: Store; project: Project; query: URLSearchParams },
): Promise<void> {
  const query = parseBaselineQuery(input.query);
  const baseline = await input.store.resolveBaseline({ projectId: input.project.id, ...query });
  const png = baseline?.storagePath
    ? await input.store.blobs.get("screenshots", baseline.storagePath)
    : undefined;
  if (!baseline || !png) {
    throw new IngestError(
      404,
      `no baseline for ${query.flowName} / ${query.stepName} at ${query.viewport.width}x${query.viewport.height}`,
    );
  }
  res
    .writeHead(200, {
      "content-type": "image/png",
      "content-length": png.byteLength,
      "cache-control": "no-store",
      "x-perceo-baseline-commit": baseline.commitSha,
    })
    .end(png);
}

/** The run's screenshots become baselines, when the token is a workflow's on the project's default branch. */
export async function promoteRunScreenshots(input: {
  store: Store;
  project: Project;
  claims: TokenClaims;
  runId: string;
}): Promise<number> {
  assertRunOfToken(input.runId, input.claims);
  const defaultRef = `refs/heads/${input.project.defaultBranch}`;
  if (input.claims.ref !== defaultRef) {
    throw new IngestError(
      403,
      `baselines are set only by a workflow on ${input.project.defaultBranch}; this token is for ${input.claims.ref ?? "no ref"} — approve a pull request's screenshots with /perceo approve`,
    );
  }
  try {
    return await input.store.approveRunScreenshots(input.project.id, input.runId, "perceo/action");
  } catch (error) {
    if (error instanceof StoreError && error.code === "not_found") {
      throw new IngestError(404, `run ${input.runId} is not recorded: send the run before its baselines`);
    }
    throw error;
  }
}
