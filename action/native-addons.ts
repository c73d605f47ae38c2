import { createRequire } from "node:module";
import path from "node:path";

/**
 * The one platform whose oxc addons (parser, resolver) action/dist/native carries: GitHub's ubuntu
 * runners. Elsewhere the bundle still starts, and the Action runs every flow instead of guessing.
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
  missing.push({ file, target, reason });
  return standIn(reason);
}

/** The addons this process could not load; empty wherever oxc loads normally (tests, the CLI). */
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
