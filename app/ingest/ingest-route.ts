import type { IncomingMessage, ServerResponse } from "node:http";
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from "jose";
import type { Logger } from "probot";
import { z } from "zod";
import { runResultSchema } from "../../shared/runner/index.ts";
import type { Project, Store } from "../../shared/store/index.ts";
import { type FlowsResultPayload, flowsResultJobKey } from "../jobs/payloads.ts";
import type { JobQueue } from "../jobs/queue.ts";
import {
  assertRunOfToken,
  IngestError,
  MAX_SCREENSHOT_BYTES,
  matchIngestRequest,
  promoteRunScreenshots,
  readBytes,
  receivedScreenshots,
  receiveScreenshot,
  sendBaseline,
  type TokenClaims,
} from "./visual-routes.ts";

export const INGEST_PATH = "/api/perceo/runs";
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface IngestOptions {
  issuer: string;
  jwksUrl: string;
  audience: string;
  store: Store;
  queue: JobQueue;
  log: Logger;
  /** Default MAX_SCREENSHOT_BYTES (20 MB). */
  maxScreenshotBytes?: number;
}

const ingestBody = z.object({
  run: runResultSchema,
  prNumber: z.number().int().positive().optional(),
  ciRunId: z.number().int().optional(),
  ciRunAttempt: z.number().int().optional(),
});

/** The claims of a GitHub Actions OIDC token this route relies on. */
interface ActionsClaims extends JWTPayload, TokenClaims {
  repository?: string;
  repository_id?: string;
  repository_owner?: string;
  sha?: string;
  ref?: string;
}

/**
 * The Action's side of the App, authenticated by a GitHub Actions OIDC token:
 * - `POST /api/perceo/runs`: the run's results,
 * - the pictures (app/ingest/visual-routes.ts): screenshots in, baselines out, baselines set.
 * Each request: 1. verify the token (signature against GitHub's JWKS, issuer, audience, expiry),
 * 2. find the installed project whose repository id the token names, 3. do what the path says.
 */
export function ingestRoute(options: IngestOptions) {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 5_000 });
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const request = matchIngestRequest(req.url);
    if (!request) return false;
    const reply = (status: number, body: Record<string, unknown>) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      return true;
    };
    if (req.method !== request.method) {
      req.resume();
      return reply(405, { error: `use ${request.method}` });
    }
    try {
      const { claims, project } = await authorize(req, jwks, options);
      switch (request.kind) {
        case "run":
          return reply(201, await ingestRun(req, claims, project, options));
        case "artifact": {
          const stored = await receiveScreenshot(req, {
            store: options.store,
            project,
            claims,
            runId: request.runId,
            reportPath: request.reportPath,
            limit: options.maxScreenshotBytes ?? MAX_SCREENSHOT_BYTES,
          });
          return reply(201, stored);
        }
        case "baseline":
          await sendBaseline(res, { store: options.store, project, query: request.query });
          return true;
        case "promote": {
          const baselinesUpdated = await promoteRunScreenshots({
            store: options.store,
            project,
            claims,
            runId: request.runId,
          });
          options.log.info(
            { repo: project.fullName, runId: request.runId, baselinesUpdated },
            "baselines set",
          );
          return reply(200, { baselinesUpdated });
        }
      }
    } catch (error) {
      if (error instanceof IngestError) {
        // Drain what the client still sends, so it reads the answer instead of a reset connection.
        if (!req.readableEnded && !req.destroyed) req.resume();
        return reply(error.status, { error: error.message });
      }
      if (error instanceof SyntaxError) return reply(400, { error: "the body is not JSON" });
      throw error;
    }
  };
}

async function authorize(
  req: IncomingMessage,
  jwks: ReturnType<typeof createRemoteJWKSet>,
  options: IngestOptions,
): Promise<{ claims: ActionsClaims; project: Project & { installationId: number } }> {
  const claims = await verifyToken(req.headers.authorization, jwks, options);
  // By id, not name: a renamed repository's token already carries the new name.
  const repositoryId = Number(claims.repository_id);
  const project = Number.isSafeInteger(repositoryId)
    ? await options.store.getProjectByRepositoryId(repositoryId)
    : undefined;
  if (!project || project.installationId === null) {
    throw new IngestError(403, `repository ${claims.repository} is not an installed Perceo project`);
  }
  return { claims, project: { ...project, installationId: project.installationId } };
}

/** Records the run with the token's sha and the screenshots sent before it, then queues the comment update. */
async function ingestRun(
  req: IncomingMessage,
  claims: ActionsClaims,
  project: Project & { installationId: number },
  options: IngestOptions,
): Promise<Record<string, unknown>> {
  const body = ingestBody.safeParse(
    JSON.parse((await readBytes(req, MAX_BODY_BYTES, "run")).toString("utf8")),
  );
  if (!body.success)
    throw new IngestError(400, `invalid run: ${body.error.issues[0]?.message ?? "bad body"}`);
  const run = body.data.run;
  assertRunOfToken(run.id, claims);
  const sha = claims.sha ?? "";
  const artifacts = await receivedScreenshots(options.store, project.id, run);
  const recorded = await options.store.recordRun(run, {
    projectId: project.id,
    source: "ci",
    commitSha: sha,
    ...(claims.ref?.startsWith("refs/heads/") ? { branch: claims.ref.slice("refs/heads/".length) } : {}),
    ...(body.data.prNumber ? { prNumber: body.data.prNumber } : {}),
    ...(body.data.ciRunId ? { ciRunId: body.data.ciRunId } : {}),
    ...(body.data.ciRunAttempt ? { ciRunAttempt: body.data.ciRunAttempt } : {}),
    artifacts,
  });
  const [owner = "", repo = ""] = project.fullName.split("/");
  const payload: FlowsResultPayload = {
    installationId: project.installationId,
    owner,
    repo,
    repositoryId: Number(claims.repository_id),
    headSha: sha,
    prNumbers: body.data.prNumber ? [body.data.prNumber] : [],
  };
  await options.queue.enqueue({
    task: "flows-result",
    key: flowsResultJobKey(payload.repositoryId, sha),
    payload,
  });
  const screenshots = Object.keys(artifacts).length;
  options.log.info({ repo: project.fullName, sha, runId: run.id, screenshots }, "run ingested");
  return { recordId: recorded.recordId, projectId: recorded.projectId, screenshots };
}

async function verifyToken(
  authorization: string | undefined,
  jwks: ReturnType<typeof createRemoteJWKSet>,
  options: IngestOptions,
): Promise<ActionsClaims> {
  const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token) throw new IngestError(401, "send the Actions OIDC token as `Authorization: Bearer <token>`");
  try {
    const { payload } = await jwtVerify<ActionsClaims>(token, jwks, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: ["RS256"],
      requiredClaims: ["exp", "repository", "repository_id", "sha", "run_id", "run_attempt"],
    });
    return payload;
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) {
      throw new IngestError(401, `the OIDC token was refused: ${error.code} ${error.message}`);
    }
    throw error;
  }
}
