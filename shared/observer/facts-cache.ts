import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import type { CssFacts } from "./css-rules.ts";
import type { ModuleFacts } from "./module-facts.ts";

/*
 * What parsing a module found, kept by the git blob id of its content: a file whose content did not
 * change since the last selection is not read or parsed again. A blob id names content exactly, so
 * an entry can never be stale; the version below changes whenever what is kept changes shape.
 */

const VERSION = 1;

export interface CachedModule {
  kind: "code" | "markup" | "style";
  facts: ModuleFacts;
  css?: CssFacts;
  /** The text looks like it registers routes (a route table); only then is it read again. */
  routeHint: boolean;
}

export interface FactsCache {
  get(blobId: string, file: string): CachedModule | undefined;
  set(blobId: string, file: string, module: CachedModule): void;
  /** Writes what this selection used (and nothing older), so the cache follows the repository's size. */
  save(): void;
  readonly stats: { hits: number; misses: number };
}

/** The same content parses differently as .ts and .js; the extension is part of the key. */
const keyOf = (blobId: string, file: string) => `${blobId}${path.posix.extname(file)}`;

/** A cache in one file; a missing, unreadable or older-version file starts empty. */
export function fileFactsCache(file: string): FactsCache {
  let stored = new Map<string, CachedModule>();
  try {
    const data = deserialize(readFileSync(file)) as { version: number; modules: Map<string, CachedModule> };
    if (data.version === VERSION) stored = data.modules;
  } catch {
    // no cache yet, or one written by another version: start empty
  }
  const used = new Map<string, CachedModule>();
  const stats = { hits: 0, misses: 0 };
  return {
    stats,
    get(blobId, name) {
      const key = keyOf(blobId, name);
      const found = stored.get(key);
      if (found) {
        stats.hits++;
        used.set(key, found);
      } else stats.misses++;
      return found;
    },
    set(blobId, name, module) {
      used.set(keyOf(blobId, name), module);
    },
    save() {
      mkdirSync(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, serialize({ version: VERSION, modules: used }));
      renameSync(temporary, file);
    },
  };
}

/** `$XDG_CACHE_HOME/perceo/facts/<repository>.bin` (else ~/.cache): outside the repository, so it never shows in a diff. */
export function defaultFactsCachePath(repositoryRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(homedir(), ".cache");
  const id = createHash("sha256").update(path.resolve(repositoryRoot)).digest("hex").slice(0, 16);
  return path.join(base, "perceo", "facts", `${id}.bin`);
}
