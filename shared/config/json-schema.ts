import { z } from "zod";
import {
  configSchema,
  flowSchema,
  locatorSchema,
  personasFileSchema,
  stepSchema,
  textMatcherSchema,
} from "./schema.ts";

/**
 * `perceo.schema.json`: one schema for config, personas and flow files, so one
 * `# yaml-language-server: $schema=…` line gives autocomplete in any of them.
 */
export function buildJsonSchema(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  registry.add(flowSchema, { id: "flow" });
  registry.add(configSchema, { id: "config" });
  registry.add(personasFileSchema, { id: "personas" });
  registry.add(stepSchema, { id: "step" });
  registry.add(locatorSchema, { id: "locator" });
  registry.add(textMatcherSchema, { id: "textMatcher" });
  const { schemas } = z.toJSONSchema(registry, {
    io: "input",
    unrepresentable: "any",
    target: "draft-2020-12",
    uri: (id) => `#/$defs/${id}`,
  });
  const $defs = Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...rest }]) => [id, rest]),
  );
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://perceo.dev/perceo.schema.json",
    title: "Perceo: .perceo/config.yml, .perceo/personas.yml and .perceo/flows/*.yml",
    anyOf: [{ $ref: "#/$defs/flow" }, { $ref: "#/$defs/config" }, { $ref: "#/$defs/personas" }],
    $defs,
  };
}

export function renderJsonSchema(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;
}
