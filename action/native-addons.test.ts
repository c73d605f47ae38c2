import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUNDLED_TARGET,
  fallbackNativeAddons,
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

  it("on a runner without the native parser, parses with oxc's WebAssembly build and says so", () => {
    const oxcParser = path.join(import.meta.dirname, "..", "node_modules", "oxc-parser");
    const binding = loadBundledAddon(oxcParser, "parser.linux-x64-gnu.node", "linux-arm64-gnu");
    expect((binding.rawTransferSupported as () => boolean)()).toBe(false);
    const parsed = (
      binding.parseSync as (file: string, text: string, options: object) => { program: string }
    )("x.ts", "import { a } from './a.ts';\nexport const b: number = a;", {
      lang: "ts",
      sourceType: "unambiguous",
    });
    // The JSON transfer oxc-parser's own wrap() reads: the program under `node`.
    const program = (
      JSON.parse(parsed.program) as { node: { body: Array<{ type: string; source?: { value: string } }> } }
    ).node;
    expect(program.body.map((node) => node.type)).toEqual(["ImportDeclaration", "ExportNamedDeclaration"]);
    expect(program.body[0]?.source?.value).toBe("./a.ts");
    expect(fallbackNativeAddons()).toContainEqual({
      file: "parser.linux-x64-gnu.node",
      target: "linux-arm64-gnu",
      reason: expect.stringContaining("this runner is linux-arm64-gnu"),
      using: `oxc's WebAssembly parser (${path.join(oxcParser, "parser.wasm32-wasip1.wasm")})`,
    });
  });

  it("on the bundled platform with the resolver gone, resolves tsconfig paths and builtins in JavaScript", async () => {
    const binding = loadBundledAddon(emptyDir, "resolver.linux-x64-gnu.node", BUNDLED_TARGET);
    expect(() => (binding.sync as () => unknown)()).toThrow(NativeAddonUnavailableError);
    const app = path.join(emptyDir, "app");
    await mkdir(path.join(app, "src/lib"), { recursive: true });
    await writeFile(
      path.join(app, "tsconfig.json"),
      '{ // aliases\n "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["src/*"] } } }',
    );
    await writeFile(path.join(app, "src/lib/money.ts"), "export const x = 1;\n");
    const Factory = binding.ResolverFactory as new () => {
      resolveFileSync(file: string, specifier: string): { path?: string; builtin?: unknown };
    };
    const resolver = new Factory();
    const from = path.join(app, "src/page.ts");
    expect(resolver.resolveFileSync(from, "@/lib/money").path).toBe(path.join(app, "src/lib/money.ts"));
    expect(resolver.resolveFileSync(from, "node:path").builtin).toBeDefined();
    expect(resolver.resolveFileSync(from, "react").path).toBeUndefined();
    expect(fallbackNativeAddons().map((addon) => addon.file)).toContain("resolver.linux-x64-gnu.node");
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
