import { z } from "zod";

/** Where a step lives in its flow file, so errors can point a person at it. */
export const sourceLocationSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  col: z.number().int(),
});
export type SourceLocation = z.infer<typeof sourceLocationSchema>;

export const stepErrorSchema = z.object({
  message: z.string(),
  expected: z.string().optional(),
  actual: z.string().optional(),
  location: sourceLocationSchema.optional(),
});
export type StepError = z.infer<typeof stepErrorSchema>;

export const stepStatusSchema = z.enum(["passed", "failed", "skipped"]);

export const screenshotRefSchema = z.object({
  /** The `screenshot` step's name, or `failure` for the picture taken when a step fails. */
  name: z.string(),
  /** Path relative to the report directory. */
  path: z.string(),
  viewport: z.object({ width: z.number().int(), height: z.number().int() }),
  stepIndex: z.number().int(),
});
export type ScreenshotRef = z.infer<typeof screenshotRefSchema>;

export const stepResultSchema = z.object({
  index: z.number().int(),
  /** What a person reads: the step's own `name`, or one generated from its action. */
  title: z.string(),
  action: z.string(),
  status: stepStatusSchema,
  durationMs: z.number(),
  /** An `optional` step that failed is recorded here but does not fail the flow. */
  error: stepErrorSchema.optional(),
  /** An ai step: replayed from .perceo/ai-cache.json, resolved or re-resolved by Claude, and what ran. */
  note: z.string().optional(),
  location: sourceLocationSchema,
});
export type StepResult = z.infer<typeof stepResultSchema>;

export const attemptResultSchema = z.object({
  attempt: z.number().int(),
  status: z.enum(["passed", "failed"]),
  durationMs: z.number(),
  steps: z.array(stepResultSchema),
  screenshots: z.array(screenshotRefSchema),
  /** Path relative to the report directory; recorded for failed attempts. */
  trace: z.string().optional(),
  error: stepErrorSchema.optional(),
});
export type AttemptResult = z.infer<typeof attemptResultSchema>;

export const flowStatusSchema = z.enum(["passed", "failed", "flaky", "skipped"]);
export type FlowStatus = z.infer<typeof flowStatusSchema>;

export const flowResultSchema = z.object({
  name: z.string(),
  file: z.string(),
  priority: z.enum(["critical", "high", "medium", "low"]),
  status: flowStatusSchema,
  durationMs: z.number(),
  /** Every attempt in order; the last one decides `passed` or `failed`, an earlier failure makes it `flaky`. */
  attempts: z.array(attemptResultSchema),
});
export type FlowResult = z.infer<typeof flowResultSchema>;

export const runTotalsSchema = z.object({
  passed: z.number().int(),
  failed: z.number().int(),
  flaky: z.number().int(),
  skipped: z.number().int(),
});
export type RunTotals = z.infer<typeof runTotalsSchema>;

export const runResultSchema = z.object({
  id: z.string(),
  project: z.string(),
  baseUrl: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  status: z.enum(["passed", "failed"]),
  browser: z.object({ name: z.string(), version: z.string(), executablePath: z.string() }),
  flows: z.array(flowResultSchema),
  totals: runTotalsSchema,
});
export type RunResult = z.infer<typeof runResultSchema>;
