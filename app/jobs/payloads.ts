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

export function impactJobKey(repositoryId: number, sha: string): string {
  return `pr-impact:${repositoryId}:${sha}`;
}

export function flowsResultJobKey(repositoryId: number, sha: string): string {
  return `flows-result:${repositoryId}:${sha}`;
}
