import { createRequire } from "node:module";
import { z } from "zod";

const require = createRequire(import.meta.url);

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  [key: string]: unknown;
};

/** The request-body schema GitHub publishes (@octokit/openapi) for one REST endpoint. */
export function requestBodySchema(path: string, method: "post" | "patch"): JsonSchema {
  const spec = require("@octokit/openapi/generated/api.github.com.deref.json") as {
    paths: Record<
      string,
      Record<string, { requestBody: { content: { "application/json": { schema: JsonSchema } } } }>
    >;
  };
  const operation = spec.paths[path]?.[method];
  if (!operation) throw new Error(`no ${method} ${path} in GitHub's OpenAPI description`);
  return operation.requestBody.content["application/json"].schema;
}

/**
 * Validates a body against GitHub's schema (types, enums, required fields) and also refuses any
 * property the schema does not name, which GitHub would ignore or reject.
 */
export function validateAgainstGitHub(body: unknown, schema: JsonSchema): string[] {
  const problems: string[] = [];
  const parsed = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(body);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  const walk = (value: unknown, node: JsonSchema, at: string) => {
    if (Array.isArray(value) && node.items) {
      for (const [i, item] of value.entries()) walk(item, node.items, `${at}[${i}]`);
    } else if (value && typeof value === "object" && node.properties) {
      for (const [key, child] of Object.entries(value)) {
        const childSchema = node.properties[key];
        if (!childSchema) problems.push(`${at}.${key}: not in GitHub's schema`);
        else walk(child, childSchema, `${at}.${key}`);
      }
    }
  };
  walk(body, schema, "body");
  return problems;
}
