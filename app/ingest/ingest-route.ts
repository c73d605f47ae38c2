import type { IncomingMessage, ServerResponse } from "node:http";
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from "jose";
import type { Logger } from "probot";
import { z } from "zod";
import { runResultSchema } from "../../shared/runner/index.ts";
import type { Store } from "../../shared/store/index.ts";
import { type FlowsResultPayload, flowsResultJobKey } from "../jobs/payloads.ts";
import type { JobQueue } from "../jobs/queue.ts";

export const INGEST_PATH = "/api/perceo/runs";
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface IngestOptions {
  issuer: string;
  jwksUrl: string;
  audience: string;
  store: Store;
  queue: JobQueue;
  log: Logger;
}

const ingestBody = z.object({
  run: runResultSchema,
  prNumber: z.number().int().positive().optional(),
  ciRunId: z.number().int().optional(),
  ciRunAttempt: z.number().int().optional(),
});

/** The claims of a GitHub Actions OIDC token this route relies on. */
interface ActionsClaims extends JWTPayload {
  repository?: string;
  repository_id?: string;
  repository_owner?: string;
  sha?: string;
  ref?: string;
}

class IngestError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * `POST /api/perceo/runs`: the Action's results, authenticated by a GitHub Actions OIDC token.
 * 1. verify the token (signature against GitHub's JWKS, issuer, audience, expiry),
 * 2. find the installed project whose repository id the token names,
 * 3. record the run with the token's sha, 4. queue the comment update for that sha.
 */
export function ingestRoute(options: IngestOptions) {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 5_000 });
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.url?.split("?")[0] !== INGEST_PATH) return false;
    const reply = (status: number, body: Record<string, unknown>) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      return true;
    };
    if (req.method !== "POST") return reply(405, { error: "use POST" });
    try {
      const claims = await verifyToken(req.headers.authorization, jwks, options);
      // By id, not name: a renamed repository's token already carries the new name.
      const repositoryId = Number(claims.repository_id);
      const project = Number.isSafeInteger(repositoryId)
        ? await options.store.getProjectByRepositoryId(repositoryId)
        : undefined;
      if (!project || project.installationId === null) {
        throw new IngestError(403, `repository ${claims.repository} is not an installed Perceo project`);
      }
      const body = ingestBody.safeParse(JSON.parse(await readBody(req)));
      if (!body.success)
        throw new IngestError(400, `invalid run: ${body.error.issues[0]?.message ?? "bad body"}`);
      const sha = claims.sha ?? "";
      const recorded = await options.store.recordRun(body.data.run, {
        projectId: project.id,
        source: "ci",
        commitSha: sha,
        ...(claims.ref?.startsWith("refs/heads/") ? { branch: claims.ref.slice("refs/heads/".length) } : {}),
        ...(body.data.prNumber ? { prNumber: body.data.prNumber } : {}),
        ...(body.data.ciRunId ? { ciRunId: body.data.ciRunId } : {}),
        ...(body.data.ciRunAttempt ? { ciRunAttempt: body.data.ciRunAttempt } : {}),
      });
      const [owner = "", repo = ""] = project.fullName.split("/");
      const payload: FlowsResultPayload = {
        installationId: project.installationId,
        owner,
        repo,
        repositoryId,
        headSha: sha,
        prNumbers: body.data.prNumber ? [body.data.prNumber] : [],
      };
      await options.queue.enqueue({
        task: "flows-result",
        key: flowsResultJobKey(payload.repositoryId, sha),
        payload,
      });
      options.log.info({ repo: project.fullName, sha, runId: body.data.run.id }, "run ingested");
      return reply(201, { recordId: recorded.recordId, projectId: recorded.projectId });
    } catch (error) {
      if (error instanceof IngestError) return reply(error.status, { error: error.message });
      if (error instanceof SyntaxError) return reply(400, { error: "the body is not JSON" });
      throw error;
    }
  };
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
      requiredClaims: ["exp", "repository", "repository_id", "sha"],
    });
    return payload;
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) {
      throw new IngestError(401, `the OIDC token was refused: ${error.code} ${error.message}`);
    }
    throw error;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new IngestError(413, "the run is larger than 10 MB"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
