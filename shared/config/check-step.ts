import type { ConcreteStep } from "./schema.ts";
import { validateStep } from "./step-validation.ts";
import { parseYamlSource } from "./yaml-source.ts";

/**
 * Checks a step that did not come from a file (Claude's answer to an `ai` step, a cached
 * resolution) with the same rules and messages as a flow file's steps; `ai` steps are refused, a
 * resolution is concrete.
 */
export function checkResolvedStep(value: unknown): { step?: ConcreteStep; problems: string[] } {
  // JSON is YAML: the flow loader's checks run on it unchanged.
  const { source, issues } = parseYamlSource("step", JSON.stringify(value ?? null));
  if (issues.length > 0) return { problems: issues.map((i) => i.message) };
  if (typeof source.value === "object" && source.value !== null && "ai" in source.value) {
    return { problems: ["a resolved step is concrete (goto, click, fill, expect, …), not another ai step"] };
  }
  const checked = validateStep(source.value, [], source);
  if (checked.issues.length > 0 || !checked.step) return { problems: checked.issues.map((i) => i.message) };
  return { step: checked.step as ConcreteStep, problems: [] };
}
