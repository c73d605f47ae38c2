import { describe, expect, it } from "vitest";
import { runAllReason } from "./run-all.ts";

const changed = (path: string) => runAllReason({ path, status: "modified" }, undefined, "", [], undefined);

describe("files whose change selects every flow", () => {
  it("an environment file the app reads does; an example of one, which nothing loads, does not", () => {
    expect(changed(".env")?.detail).toBe(".env changed: build or runtime configuration");
    expect(changed(".env.production")?.signal).toBe("global");
    for (const example of [".env.example", ".env.sample", ".env.template"])
      expect(changed(example), example).toBeUndefined();
  });
});
