import { z } from "zod";
import { validateAiStep } from "./ai-step-validation.ts";
import type { ConfigIssue } from "./errors.ts";
import {
  LOCATOR_KEYS,
  type LocatorKind,
  locatorKinds,
  STEP_ACTIONS,
  STEP_COMMON_KEYS,
  type Step,
  type StepAction,
  stepSchemas,
  textMatcherSchema,
} from "./schema.ts";
import { closestMatch, didYouMean } from "./suggest.ts";
import type { PathSegment, YamlSource } from "./yaml-source.ts";
import { checkWithSchema, describe } from "./zod-issues.ts";

/*
 * Steps and locators are unions that zod alone explains badly ("Invalid input"): here the branch is
 * chosen from the keys a person wrote, so the message talks about the branch they meant.
 */

const STEP_EXAMPLE = "- click: { role: button, name: Add to cart }";
const LOCATOR_EXAMPLE = "{ role: button, name: Buy }, { label: Email } or { text: Welcome }";

export function validateStep(
  raw: unknown,
  path: readonly PathSegment[],
  source: YamlSource,
): { step?: Step; issues: ConfigIssue[] } {
  if (typeof raw === "string") {
    const action = closestMatch(raw.split(/[:\s]/)[0] ?? raw, STEP_ACTIONS);
    const hint = action ? ` such as "${action}: …"` : ` such as ${STEP_EXAMPLE}`;
    return { issues: [source.issue(path, `a step is a mapping${hint}, found ${describe(raw)}`)] };
  }
  if (!isMapping(raw)) {
    return {
      issues: [source.issue(path, `a step is a mapping such as ${STEP_EXAMPLE}, found ${describe(raw)}`)],
    };
  }
  if ("ai" in raw) return validateAiStep(raw, path, source);
  const keys = Object.keys(raw);
  const actions = keys.filter((k): k is StepAction => (STEP_ACTIONS as string[]).includes(k));
  const unknown = keys.filter(
    (k) => !(STEP_ACTIONS as string[]).includes(k) && !STEP_COMMON_KEYS.includes(k),
  );
  const issues: ConfigIssue[] = unknown.map((key) => {
    const meant = closestMatch(key, [...STEP_ACTIONS, "ai", ...STEP_COMMON_KEYS]);
    const kind = meant && (meant === "ai" || (STEP_ACTIONS as string[]).includes(meant)) ? "step" : "key";
    const rest = meant
      ? ` — did you mean "${meant}"?`
      : `; a step has one action (${STEP_ACTIONS.join(", ")}) and may have name, timeout, optional`;
    return source.issue([...path, key], `unknown ${kind} "${key}"${rest}`, "key");
  });
  const [action, second] = actions;
  if (!action) {
    if (issues.length === 0) {
      issues.push(source.issue(path, `a step needs an action: one of ${STEP_ACTIONS.join(", ")}`));
    }
    return { issues };
  }
  if (second) {
    issues.push(
      source.issue(
        [...path, second],
        `a step does one thing: found both "${action}" and "${second}"; split them into two steps`,
        "key",
      ),
    );
    return { issues };
  }
  issues.push(...checkAction(action, raw[action], [...path, action], source));
  const common = Object.fromEntries(STEP_COMMON_KEYS.filter((k) => k in raw).map((k) => [k, raw[k]]));
  issues.push(...checkWithSchema(z.object(pickCommon()), common, path, source).issues);
  if (issues.length > 0) return { issues };

  // The checks above mirror the schema; parsing with it too gives the typed value and guards against drift.
  const parsed = checkWithSchema(stepSchemas[action], raw, path, source);
  return { step: parsed.data as Step | undefined, issues: parsed.issues };
}

function pickCommon() {
  const shape = (stepSchemas.goto as z.ZodObject).shape as Record<string, z.ZodType>;
  return Object.fromEntries(STEP_COMMON_KEYS.map((k) => [k, shape[k] as z.ZodType]));
}

function checkAction(
  action: StepAction,
  value: unknown,
  path: PathSegment[],
  source: YamlSource,
): ConfigIssue[] {
  switch (action) {
    case "goto":
      return checkWithSchema(z.string().trim().min(1), value, path, source).issues;
    case "click":
    case "check":
    case "uncheck":
    case "hover":
      return checkLocator(value, path, source);
    case "fill":
      if (Array.isArray(value)) {
        if (value.length === 0) return [source.issue(path, "expected at least one field to fill")];
        return value.flatMap((field, i) => checkLocator(field, [...path, i], source, FILL_VALUE));
      }
      return checkLocator(value, path, source, FILL_VALUE);
    case "select":
      return checkLocator(value, path, source, SELECT_OPTION);
    case "press":
      return typeof value === "string" ? [] : checkLocator(value, path, source, PRESS_KEY);
    case "waitFor":
      if (isMapping(value) && "url" in value)
        return checkWithSchema(stepSchemas.waitFor, { waitFor: value }, path.slice(0, -1), source).issues;
      return checkLocator(value, path, source, {}, WAIT_STATE);
    case "expect":
      return checkExpect(value, path, source);
    case "screenshot":
      return checkScreenshot(value, path, source);
  }
}

type ExtraKeys = Record<string, { schema: z.ZodType; hint: string }>;
const FILL_VALUE: ExtraKeys = {
  value: { schema: z.union([z.string(), z.number()]), hint: "the text to type" },
};
const SELECT_OPTION: ExtraKeys = {
  option: { schema: z.union([z.string(), z.array(z.string())]), hint: "the option's label or value" },
};
const PRESS_KEY: ExtraKeys = { key: { schema: z.string().min(1), hint: "a key such as Enter" } };
const WAIT_STATE: ExtraKeys = {
  state: {
    schema: z.enum(["visible", "hidden", "attached", "detached"]).optional(),
    hint: "visible, hidden, attached or detached",
  },
};

const EXPECT_KINDS = ["visible", "hidden", "enabled", "disabled", "url", "title", "element"] as const;
const LOCATOR_EXPECTATIONS: readonly string[] = ["visible", "hidden", "enabled", "disabled"];
const ELEMENT_ASSERTIONS = ["text", "value", "count"] as const;

function checkExpect(value: unknown, path: PathSegment[], source: YamlSource): ConfigIssue[] {
  const forms =
    "visible, hidden, enabled or disabled: <locator>, url: <text>, title: <text>, or element: <locator> with text, value or count";
  if (!isMapping(value))
    return [source.issue(path, `expect needs one of ${forms}; found ${describe(value)}`)];
  const keys = Object.keys(value);
  const kinds = keys.filter((k) => (EXPECT_KINDS as readonly string[]).includes(k));
  const allowed = [...EXPECT_KINDS, ...ELEMENT_ASSERTIONS] as string[];
  const issues = keys
    .filter((k) => !allowed.includes(k))
    .map((k) =>
      source.issue(
        [...path, k],
        `unknown key "${k}" in expect${didYouMean(k, allowed) || `; expected ${forms}`}`,
        "key",
      ),
    );
  if (issues.length > 0) return issues;
  if (kinds.length !== 1) {
    return [
      source.issue(
        path,
        kinds.length === 0
          ? `expect needs one of ${forms}`
          : `one assertion per step: found ${kinds.join(" and ")}; split them`,
      ),
    ];
  }
  const kind = kinds[0] as (typeof EXPECT_KINDS)[number];
  const assertions = keys.filter((k) => (ELEMENT_ASSERTIONS as readonly string[]).includes(k));
  if (kind !== "element") {
    if (assertions.length > 0) {
      return [
        source.issue(
          [...path, assertions[0] as string],
          `"${assertions[0]}" belongs with element: — write { element: <locator>, ${assertions[0]}: … }`,
          "key",
        ),
      ];
    }
    if (LOCATOR_EXPECTATIONS.includes(kind)) return checkLocator(value[kind], [...path, kind], source);
    return checkWithSchema(textMatcherSchema, value[kind], [...path, kind], source).issues;
  }
  if (assertions.length !== 1) {
    return [
      source.issue(
        path,
        `element: needs exactly one of text, value or count; found ${assertions.length === 0 ? "none" : assertions.join(" and ")}`,
      ),
    ];
  }
  const assertion = assertions[0] as (typeof ELEMENT_ASSERTIONS)[number];
  const issuesOfLocator = checkLocator(value.element, [...path, "element"], source);
  const schema: z.ZodType = assertion === "count" ? z.number().int().min(0) : textMatcherSchema;
  return [
    ...issuesOfLocator,
    ...checkWithSchema(schema, value[assertion], [...path, assertion], source).issues,
  ];
}

function checkScreenshot(value: unknown, path: PathSegment[], source: YamlSource): ConfigIssue[] {
  if (typeof value === "string") return value.trim() ? [] : [source.issue(path, "a screenshot needs a name")];
  if (!isMapping(value))
    return [
      source.issue(path, `expected a name or { name, fullPage, element, mask }, found ${describe(value)}`),
    ];
  const issues: ConfigIssue[] = [];
  if (value.element !== undefined) issues.push(...checkLocator(value.element, [...path, "element"], source));
  if (Array.isArray(value.mask)) {
    issues.push(...value.mask.flatMap((m, i) => checkLocator(m, [...path, "mask", i], source)));
  }
  if (issues.length > 0) return issues;
  return checkWithSchema(stepSchemas.screenshot, { screenshot: value }, path.slice(0, -1), source).issues;
}

/** A locator, alone or beside extra keys (`value` for fill, `option` for select, …). */
function checkLocator(
  value: unknown,
  path: PathSegment[],
  source: YamlSource,
  required: ExtraKeys = {},
  optional: ExtraKeys = {},
): ConfigIssue[] {
  const requiredKeys = Object.keys(required);
  if (typeof value === "string" && requiredKeys.length === 0) {
    return value.trim()
      ? []
      : [source.issue(path, `expected a locator such as ${LOCATOR_EXAMPLE}, found an empty text`)];
  }
  if (!isMapping(value)) {
    const extra = requiredKeys.length ? ` with ${requiredKeys.join(", ")}` : "";
    return [
      source.issue(path, `expected a locator such as ${LOCATOR_EXAMPLE}${extra}, found ${describe(value)}`),
    ];
  }
  const kinds = LOCATOR_KEYS.filter((k) => k in value);
  if (kinds.length > 1) {
    return [
      source.issue(
        [...path, kinds[1] as string],
        `one locator per element: found both "${kinds[0]}" and "${kinds[1]}"`,
        "key",
      ),
    ];
  }
  const kind = kinds[0] as LocatorKind | undefined;
  const extras: Record<string, z.ZodType> = {};
  for (const [k, { schema }] of Object.entries({ ...required, ...optional })) extras[k] = schema;
  const optionalKeys = Object.keys(optional);
  if (!kind) {
    const candidates = [...LOCATOR_KEYS, "name", "exact", "nth", "level", ...requiredKeys, ...optionalKeys];
    const misspelt = Object.keys(value).filter((k) => !candidates.includes(k));
    if (misspelt.length > 0) {
      return misspelt.map((k) =>
        source.issue(
          [...path, k],
          `unknown key "${k}"${didYouMean(k, candidates) || `; a locator uses one of ${LOCATOR_KEYS.join(", ")}`}`,
          "key",
        ),
      );
    }
    return [
      source.issue(
        path,
        `missing a locator: add one of ${LOCATOR_KEYS.join(", ")} (for example ${LOCATOR_EXAMPLE})`,
      ),
    ];
  }
  const schema = (locatorKinds[kind] as z.ZodObject).extend(extras);
  const missing = requiredKeys.filter((k) => !(k in value));
  if (missing.length > 0) {
    return missing.map((k) => source.issue(path, `missing "${k}" (${required[k]?.hint}) beside the locator`));
  }
  return checkWithSchema(schema, value, path, source).issues;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
