import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import type { Output } from "./progress.ts";

export const EXIT = { passed: 0, failed: 1, usage: 2, infrastructure: 3 } as const;

export interface CliIo {
  stdout: Output;
  stderr: Output;
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** What `perceo secrets set` reads the value from (process.stdin). */
  stdin?: AsyncIterable<string | Buffer> & {
    isTTY?: boolean;
    setRawMode?(on: boolean): unknown;
    pause?(): unknown;
  };
}

/** A mistake in how the command was called; exits 2 with the message and a pointer to `perceo help`. */
export class UsageError extends Error {
  readonly code = "PERCEO_USAGE";
}

export function parse<T extends ParseArgsOptionsConfig>(args: string[], options: T, positionals = 0) {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    if (parsed.positionals.length > positionals)
      throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message.split("\n")[0] ?? "invalid arguments");
  }
}

/** `--base-url` as given: undefined when absent, else an http(s) URL or a usage error. */
export function baseUrlFlag(value: string | undefined): string | undefined {
  if (value !== undefined && !/^https?:\/\/[^/]/.test(value))
    throw new UsageError(`--base-url expects an http(s) URL such as http://localhost:3000, got "${value}"`);
  return value;
}

export function positiveInt(value: string | undefined, flag: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} expects a whole number ≥ ${min}, got "${value}"`);
  return n;
}

/**
 * The environment for a program Perceo starts (the project's own Playwright): the command's, with
 * PATH and HOME from this process when the command's lacks them (tests hand in a bare one).
 */
export function childEnv(io: CliIo): NodeJS.ProcessEnv {
  return {
    ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
    ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
    ...io.env,
  };
}
