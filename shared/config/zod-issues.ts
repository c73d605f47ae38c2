import { z } from "zod";
import type { ConfigIssue } from "./errors.ts";
import { didYouMean } from "./suggest.ts";
import type { PathSegment, YamlSource } from "./yaml-source.ts";

type ZodIssue = z.core.$ZodIssue;

/** Validates `value` with a zod schema and turns its issues into messages that name the line and the fix. */
export function checkWithSchema<T>(
  schema: z.ZodType<T>,
  value: unknown,
  path: readonly PathSegment[],
  source: YamlSource,
): { data?: T; issues: ConfigIssue[] } {
  const result = schema.safeParse(value);
  if (result.success) return { data: result.data, issues: [] };
  const issues = result.error.issues.flatMap((issue) => explainIssue(issue, schema, value, path, source));
  return { issues };
}

function explainIssue(
  issue: ZodIssue,
  schema: z.ZodType,
  root: unknown,
  base: readonly PathSegment[],
  source: YamlSource,
): ConfigIssue[] {
  const rel = issue.path.filter((p): p is PathSegment => typeof p !== "symbol");
  const path = [...base, ...rel];
  const actual = valueAt(root, rel);
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = keysAt(schema, rel);
      return issue.keys.map((key) =>
        source.issue(
          [...path, key],
          `unknown key "${key}"${didYouMean(key, known) || (known.length ? `; expected one of: ${known.join(", ")}` : "")}`,
          "key",
        ),
      );
    }
    case "invalid_type": {
      if (actual === undefined) {
        const key = rel[rel.length - 1];
        return [
          source.issue(path.slice(0, -1), `missing required key "${String(key)}" (${expectedText(issue)})`),
        ];
      }
      return [source.issue(path, `expected ${expectedText(issue)}, found ${describe(actual)}`)];
    }
    case "invalid_value": {
      const allowed = issue.values.map(String);
      const hint = typeof actual === "string" ? didYouMean(actual, allowed) : "";
      const list = allowed.length > 10 ? `${allowed.slice(0, 10).join(", ")}, …` : allowed.join(", ");
      return [
        source.issue(path, `${describe(actual)} is not allowed here${hint || `; expected one of: ${list}`}`),
      ];
    }
    case "invalid_union": {
      const branches = issue.errors.filter((branch) => branch.length > 0);
      const best = branches.sort((a, b) => a.length - b.length)[0];
      if (!best) return [source.issue(path, issue.message)];
      const allRootTypeErrors = branches.every((b) =>
        b.every((i) => i.code === "invalid_type" && i.path.length === 0),
      );
      if (allRootTypeErrors) {
        return [
          source.issue(
            path,
            `expected ${unionExpectation(schemaAt(schema, rel))}, found ${describe(actual)}`,
          ),
        ];
      }
      return best.flatMap((inner) =>
        explainIssue({ ...inner, path: [...issue.path, ...inner.path] }, schema, root, base, source),
      );
    }
    case "too_small": {
      const what =
        issue.origin === "array"
          ? `at least ${issue.minimum} item(s)`
          : issue.origin === "string"
            ? "a non-empty text"
            : `at least ${issue.minimum}`;
      return [source.issue(path, `expected ${what}, found ${describe(actual)}`)];
    }
    case "too_big": {
      const what =
        issue.origin === "array"
          ? `at most ${issue.maximum} item(s)`
          : issue.origin === "string"
            ? `at most ${issue.maximum} characters`
            : `at most ${issue.maximum}`;
      return [source.issue(path, `expected ${what}, found ${describe(actual)}`)];
    }
    case "invalid_format": {
      if (issue.format === "regex")
        return [source.issue(path, `${issue.message}; found ${describe(actual)}`)];
      const expected =
        issue.format === "url" ? "a full http(s) URL such as http://localhost:3000" : issue.message;
      return [source.issue(path, `expected ${expected}, found ${describe(actual)}`)];
    }
    default:
      return [source.issue(path, issue.message)];
  }
}

function expectedText(issue: { expected: string }): string {
  const names: Record<string, string> = {
    string: "text",
    number: "a number",
    boolean: "true or false",
    array: "a list",
    object: "a mapping",
  };
  return names[issue.expected] ?? issue.expected;
}

function unionExpectation(schema: z.ZodType | undefined): string {
  const options = schema instanceof z.ZodUnion ? (schema.options as z.ZodType[]) : [];
  const parts = options.map((o) => {
    const inner = unwrap(o);
    if (inner instanceof z.ZodObject) return `{ ${Object.keys(inner.shape).join(" | ")} }`;
    if (inner instanceof z.ZodArray) return "a list";
    if (inner instanceof z.ZodString) return "text";
    if (inner instanceof z.ZodNumber) return "a number";
    if (inner instanceof z.ZodEnum) return (inner.options as string[]).join(" | ");
    return "another form";
  });
  return [...new Set(parts)].join(" or ") || "another form";
}

export function describe(value: unknown): string {
  if (value === undefined || value === null) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return String(value);
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodNullable
    ) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

/** The schema at a path, following objects, arrays, records and the first union option that has the key. */
function schemaAt(schema: z.ZodType, path: readonly PathSegment[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (!current) return undefined;
    current = step(current, segment);
  }
  return current;

  function step(node: z.ZodType, segment: PathSegment): z.ZodType | undefined {
    const inner = unwrap(node);
    if (inner instanceof z.ZodObject) {
      const child = (inner.shape as Record<string, z.ZodType>)[String(segment)];
      return child ? unwrap(child) : undefined;
    }
    if (inner instanceof z.ZodArray) return unwrap(inner.element as z.ZodType);
    if (inner instanceof z.ZodRecord) return unwrap(inner.valueType as z.ZodType);
    if (inner instanceof z.ZodUnion) {
      for (const option of inner.options as z.ZodType[]) {
        const found = step(option, segment);
        if (found) return found;
      }
    }
    return undefined;
  }
}

/** Keys an object at this path may have, across union options, for "did you mean". */
function keysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  const node = schemaAt(schema, path);
  const keys = new Set<string>();
  const collect = (s: z.ZodType | undefined) => {
    const inner = s && unwrap(s);
    if (inner instanceof z.ZodObject) for (const k of Object.keys(inner.shape)) keys.add(k);
    else if (inner instanceof z.ZodUnion) for (const o of inner.options as z.ZodType[]) collect(o);
  };
  collect(node);
  keys.delete("$schema");
  return [...keys];
}
