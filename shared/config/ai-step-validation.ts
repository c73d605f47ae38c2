import { z } from "zod";
import type { ConfigIssue } from "./errors.ts";
import { type AiStep, STEP_COMMON_KEYS, stepCommon } from "./schema.ts";
import { didYouMean } from "./suggest.ts";
import type { PathSegment, YamlSource } from "./yaml-source.ts";
import { checkWithSchema, describe } from "./zod-issues.ts";

const AI_KEYS = ["ai", "expect", ...STEP_COMMON_KEYS];

/** `- ai: <what the user does>` with an optional `expect: <the outcome>`, both in words. */
export function validateAiStep(
  raw: Record<string, unknown>,
  path: readonly PathSegment[],
  source: YamlSource,
): { step?: AiStep; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(raw).filter((k) => !AI_KEYS.includes(k))) {
    const hint =
      didYouMean(key, AI_KEYS) || "; an ai step has ai, expect (in words), name, timeout, optional";
    issues.push(source.issue([...path, key], `unknown key "${key}" beside ai${hint}`, "key"));
  }
  const needsWords = (key: "ai" | "expect", what: string) => {
    const value = raw[key];
    if (typeof value === "string" && value.trim()) return;
    const found = typeof value === "string" ? "an empty text" : describe(value);
    const hint =
      key === "expect" && typeof value === "object" && value !== null
        ? "; an assertion such as { visible: … } goes in a step of its own"
        : "";
    issues.push(source.issue([...path, key], `${key} needs ${what} in words, found ${found}${hint}`));
  };
  needsWords("ai", "what the user does");
  if ("expect" in raw) needsWords("expect", "the outcome");
  const common = Object.fromEntries(STEP_COMMON_KEYS.filter((k) => k in raw).map((k) => [k, raw[k]]));
  issues.push(...checkWithSchema(z.object(stepCommon), common, path, source).issues);
  if (issues.length > 0) return { issues };
  const { ai, expect, ...rest } = raw as { ai: string; expect?: string } & Omit<AiStep, "ai" | "outcome">;
  return {
    step: { ai: ai.trim(), ...(expect !== undefined ? { outcome: expect.trim() } : {}), ...rest },
    issues,
  };
}
