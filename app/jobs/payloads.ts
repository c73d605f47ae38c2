import { z } from "zod";

/*
 * What each job carries. Handlers build these from webhook payloads; tasks parse them back, so a
 * job queued by an older App version fails loudly rather than half-working.
 */

const repository = {
  installationId: z.number().int(),
  owner: z.string(),
  repo: z.string(),
  repositoryId: z.number().int(),
  deliveryId: z.string().optional(),
};

export const prImpactPayload = z.object({
  ...repository,
  defaultBranch: z.string(),
  prNumber: z.number().int().positive(),
  headSha: z.string(),
  baseSha: z.string(),
  changedFiles: z.number().int().min(0),
  requested: z.object({ all: z.boolean(), flows: z.array(z.string()), by: z.string() }).optional(),
});
export type PrImpactPayload = z.infer<typeof prImpactPayload>;

export const flowsResultPayload = z.object({
  ...repository,
  headSha: z.string(),
  prNumbers: z.array(z.number().int().positive()),
});
export type FlowsResultPayload = z.infer<typeof flowsResultPayload>;

export const prCommandPayload = z.object({
  ...repository,
  prNumber: z.number().int().positive(),
  commentId: z.number().int(),
  author: z.string(),
  /** The command line, e.g. `/perceo approve checkout`, already found in the comment. */
  command: z.string(),
  /** Set when the command came from the check run's "Approve visual changes" button. */
  headSha: z.string().optional(),
});
export type PrCommandPayload = z.infer<typeof prCommandPayload>;

export const deployDiffPayload = z.object({
  ...repository,
  defaultBranch: z.string(),
  sha: z.string().regex(/^[0-9a-f]{7,64}$/),
  /** `deployment`: a production deployment_status success; `push`: a push to the default branch, run after a delay. */
  trigger: z.enum(["deployment", "push"]),
  environment: z.string(),
  environmentUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** The branch's previous head, for a push: what changed since, when no earlier deploy is recorded. */
  beforeSha: z.string().optional(),
});
export type DeployDiffPayload = z.infer<typeof deployDiffPayload>;

/** One deploy diff per repository, commit and trigger; a push's diff steps aside at run time when deployments are reported. */
export function deployDiffJobKey(
  repositoryId: number,
  sha: string,
  trigger: DeployDiffPayload["trigger"],
): string {
  return `deploy-diff:${repositoryId}:${sha}:${trigger}`;
}

export function impactJobKey(repositoryId: number, sha: string): string {
  return `pr-impact:${repositoryId}:${sha}`;
}

export function flowsResultJobKey(repositoryId: number, sha: string): string {
  return `flows-result:${repositoryId}:${sha}`;
}
