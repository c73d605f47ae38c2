import { createRequire } from "node:module";
import path from "node:path";
import { ResolverFactory } from "./js-resolver.ts";
import { loadWasmParser, WASM_PARSER } from "./wasm-parser.ts";

/**
 * The one platform whose native oxc addons (parser, resolver) action/dist/native carries: GitHub's
 * ubuntu runners. Elsewhere the parser is oxc's WebAssembly build (also in action/dist/native) and the
 * resolver a JavaScript one (js-resolver.ts); only if those fail too does the Action run every flow.
 */
export const BUNDLED_TARGET = "linux-x64-gnu";

export interface MissingAddon {
  file: string;
  /** This runner's napi-rs target, e.g. `darwin-arm64`. */
  target: string;
  /** One sentence a person can act on. */
  reason: string;
}

/** Thrown by any use of an addon this runner could not load. */
export class NativeAddonUnavailableError extends Error {
  override name = "NativeAddonUnavailableError";
}

const missing: MissingAddon[] = [];

/** An addon this runner could not load, and what stands in for it. */
export interface FallbackAddon extends MissingAddon {
  /** What is used instead, in words. */
  using: string;
}

const fallbacks: FallbackAddon[] = [];

/** This process's napi-rs target name: linux-x64-gnu, linux-x64-musl, darwin-arm64, win32-x64-msvc, … */
export function runtimeTarget(): string {
  const { platform, arch } = process;
  if (platform === "linux") return `linux-${arch}-${isGlibc() ? "gnu" : "musl"}`;
  if (platform === "win32") return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function isGlibc(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return Boolean(report?.header?.glibcVersionRuntime);
}

/**
 * Loads one of oxc's addons from the bundle's `native` folder (the bundle's build points oxc-parser
 * and oxc-resolver here). On a runner the addon was not built for, or when the file is missing,
 * it returns a stand-in whose every use throws, and remembers why: the bundle must start on every
 * runner and say what it cannot do, not die at import time with "Cannot find native binding".
 */
export function loadBundledAddon(
  dir: string,
  file: string,
  target: string = runtimeTarget(),
): Record<string, unknown> {
  let reason: string;
  if (target !== BUNDLED_TARGET) {
    reason = `this runner is ${target} and the Action's bundle carries oxc's ${file} for ${BUNDLED_TARGET} (ubuntu runners) only`;
  } else {
    try {
      return createRequire(import.meta.url)(path.join(dir, file)) as Record<string, unknown>;
    } catch (error) {
      reason = `oxc's ${path.join(dir, file)} did not load (${(error as Error).message.split("\n")[0]})`;
    }
  }
  const fallback = fallbackFor(dir, file);
  if (fallback) {
    try {
      const binding = fallback.load();
      fallbacks.push({ file, target, reason, using: fallback.using });
      return binding;
    } catch (error) {
      reason = `${reason}; ${fallback.using} did not load either (${(error as Error).message.split("\n")[0]})`;
    }
  }
  missing.push({ file, target, reason });
  return standIn(reason);
}

function fallbackFor(
  dir: string,
  file: string,
): { using: string; load: () => Record<string, unknown> } | undefined {
  if (file.startsWith("parser.")) {
    const wasm = path.join(dir, WASM_PARSER);
    return { using: `oxc's WebAssembly parser (${wasm})`, load: () => loadWasmParser(wasm) };
  }
  if (file.startsWith("resolver.")) {
    // Only the factory is used by the observer; anything else fails as the stand-in does.
    return {
      using: "a JavaScript resolver (relative imports, tsconfig paths, builtins)",
      load: () => Object.assign(standIn(`oxc's ${file} is not loaded here`), { ResolverFactory }),
    };
  }
  return undefined;
}

/** The addons this process replaced with their fallbacks (the WebAssembly parser, the JavaScript resolver). */
export function fallbackNativeAddons(): readonly FallbackAddon[] {
  return fallbacks;
}

/** The addons this process could not load nor replace; empty wherever oxc or its fallbacks load (tests, the CLI). */
export function missingNativeAddons(): readonly MissingAddon[] {
  return missing;
}

function standIn(reason: string): Record<string, unknown> {
  // A function, not an arrow: `new ResolverFactory()` must throw this error too.
  function fail(): never {
    throw new NativeAddonUnavailableError(reason);
  }
  return new Proxy({} as Record<string | symbol, unknown>, {
    get(target, property) {
      // Not a thenable, not iterable: only real lookups fail.
      if (typeof property === "symbol" || property === "then") return undefined;
      return property in target ? target[property] : fail;
    },
  });
}
