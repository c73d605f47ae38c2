import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { renderJsonSchema } from "./json-schema.ts";

describe("perceo.schema.json", () => {
  it("matches the zod schema it is generated from (run `npm run schema` after changing the schema)", async () => {
    const committed = await readFile(new URL("../../perceo.schema.json", import.meta.url), "utf8");
    expect(committed).toBe(renderJsonSchema());
  });

  it("offers every step action for autocomplete", () => {
    const schema = JSON.parse(renderJsonSchema());
    const steps = schema.$defs.step.anyOf.map((s: { properties: object }) => Object.keys(s.properties)[0]);
    expect(steps).toEqual([
      "goto",
      "click",
      "fill",
      "select",
      "check",
      "uncheck",
      "press",
      "hover",
      "waitFor",
      "expect",
      "screenshot",
      "ai",
    ]);
  });
});
