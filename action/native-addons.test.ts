import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUNDLED_TARGET,
  loadBundledAddon,
  missingNativeAddons,
  NativeAddonUnavailableError,
} from "./native-addons.ts";

describe("oxc's addons in the bundle", () => {
  let emptyDir: string;
  beforeAll(async () => {
    emptyDir = await mkdtemp(path.join(tmpdir(), "perceo-native-"));
  });
  afterAll(async () => {
    await rm(emptyDir, { recursive: true, force: true });
  });

  it("on a runner the bundle was not built for, stands in for the addon and says which platform it carries", () => {
    const binding = loadBundledAddon(emptyDir, "parser.linux-x64-gnu.node", "darwin-arm64");
    const { parseSync, ResolverFactory } = binding as Record<string, (...args: unknown[]) => unknown>;
    expect(() => parseSync?.("x.ts", "let a = 1")).toThrow(NativeAddonUnavailableError);
    expect(() => parseSync?.("x.ts", "")).toThrow(
      "this runner is darwin-arm64 and the Action's bundle carries oxc's parser.linux-x64-gnu.node for linux-x64-gnu (ubuntu runners) only",
    );
    const Factory = ResolverFactory as unknown as new () => unknown;
    expect(() => new Factory()).toThrow(NativeAddonUnavailableError);
    // Not mistaken for a promise when a module namespace is awaited.
    expect((binding as { then?: unknown }).then).toBeUndefined();
    expect(missingNativeAddons()).toContainEqual({
      file: "parser.linux-x64-gnu.node",
      target: "darwin-arm64",
      reason: expect.stringContaining("this runner is darwin-arm64"),
    });
  });

  it("on the bundled platform with the file gone, says which file did not load", () => {
    const binding = loadBundledAddon(emptyDir, "resolver.linux-x64-gnu.node", BUNDLED_TARGET);
    expect(() => (binding.sync as () => unknown)()).toThrow(
      `oxc's ${path.join(emptyDir, "resolver.linux-x64-gnu.node")} did not load`,
    );
    expect(missingNativeAddons().map((addon) => addon.file)).toContain("resolver.linux-x64-gnu.node");
  });

  it("on the bundled platform, loads the real addon", () => {
    const dir = path.join(import.meta.dirname, "..", "node_modules", "@oxc-parser", "binding-linux-x64-gnu");
    const before = missingNativeAddons().length;
    const binding = loadBundledAddon(dir, "parser.linux-x64-gnu.node", BUNDLED_TARGET);
    const parsed = (binding.parseSync as (file: string, text: string) => { program: unknown })(
      "x.ts",
      "export const a = 1;",
    );
    expect(parsed.program).toBeDefined();
    expect(missingNativeAddons()).toHaveLength(before);
  });
});
