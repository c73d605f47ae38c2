import { createRequire } from "node:module";
import { type ZodType, z } from "zod";

/*
 * The bodies the App sends to GitHub, checked against GitHub's own OpenAPI description
 * (@octokit/openapi): types, enums, GitHub's length limits (a button label ≤ 20 characters, …), and
 * no property GitHub does not know — the description leaves extra properties open, we do not.
 */

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  schema: unknown;
}

let operations: Operation[] | undefined;
const compiled = new Map<Operation, ZodType>();

function loadOperations(): Operation[] {
  const require = createRequire(import.meta.url);
  const spec = require("@octokit/openapi/generated/api.github.com.json") as {
    paths: Record<
      string,
      Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>
    >;
  };
  const found: Operation[] = [];
  for (const [template, methods] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    for (const [method, operation] of Object.entries(methods)) {
      const schema = operation.requestBody?.content?.["application/json"]?.schema;
      if (schema) found.push({ method: method.toUpperCase(), template, pattern, schema });
    }
  }
  // A literal segment beats a parameter: `/check-runs/{id}` must not take `/check-runs/{id}/rerequest`.
  return found.sort((a, b) => a.template.split("{").length - b.template.split("{").length);
}

function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === "properties"
        ? Object.fromEntries(Object.entries(value as object).map(([name, s]) => [name, closed(s)]))
        : closed(value);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** What is wrong with `body` as a `method path` request to GitHub's REST API; empty when nothing is. */
export function githubRequestProblems(method: string, path: string, body: unknown): string[] {
  operations ??= loadOperations();
  const bare = path.split("?")[0] ?? path;
  const operation = operations.find((o) => o.method === method.toUpperCase() && o.pattern.test(bare));
  if (!operation) return [`${method} ${bare}: GitHub's REST API has no such operation with a JSON body`];
  let schema = compiled.get(operation);
  if (!schema) {
    schema = z.fromJSONSchema(closed(operation.schema) as never, { defaultTarget: "openapi-3.0" });
    compiled.set(operation, schema);
  }
  const result = schema.safeParse(body);
  if (result.success) return [];
  return result.error.issues.map(
    (issue) => `${method} ${operation.template}: ${issue.path.join(".") || "body"}: ${issue.message}`,
  );
}
