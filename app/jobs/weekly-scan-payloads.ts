import { z } from "zod";

export const weeklyScanPayload = z.object({
  installationId: z.number().int(),
  owner: z.string(),
  repo: z.string(),
  repositoryId: z.number().int(),
  /** Monday of the ISO week the scan is for (YYYY-MM-DD). */
  weekStart: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});
export type WeeklyScanPayload = z.infer<typeof weeklyScanPayload>;

/** One weekly scan per repository and ISO week, however often it is asked for. */
export function weeklyScanJobKey(repositoryId: number, weekStart: string): string {
  return `weekly-scan:${repositoryId}:${weekStart}`;
}
