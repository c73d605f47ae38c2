import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import type { CssFacts } from "./css-rules.ts";
import type { ModuleFacts, Unit } from "./module-facts.ts";

/*
 * What parsing a module found, kept by the git blob id of its content: a file whose content did not
 * change since the last selection is not read or parsed again. A blob id names content exactly, so
 * an entry can never be stale; the version below changes whenever what is kept changes shape.
 */

const VERSION = 2;

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
  let stored = new Map<string, StoredModule>();
  try {
    const data = JSON.parse(readFileSync(file, "utf8")) as {
      version: number;
      modules: Array<[string, StoredModule]>;
    };
    if (data.version === VERSION) stored = new Map(data.modules);
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
      if (!found) {
        stats.misses++;
        return undefined;
      }
      stats.hits++;
      const module = used.get(key) ?? revive(found);
      used.set(key, module);
      return module;
    },
    set(blobId, name, module) {
      used.set(keyOf(blobId, name), module);
    },
    save() {
      mkdirSync(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      // Pairs, not an object keyed by blob id: JSON.parse is slow to build objects with many keys.
      const modules: Array<[string, StoredModule]> = [];
      for (const [key, module] of used) modules.push([key, store(module)]);
      writeFileSync(temporary, JSON.stringify({ version: VERSION, modules }));
      renameSync(temporary, file);
    },
  };
}

/*
 * On disk as JSON, sets and maps as arrays: reading twenty thousand modules' facts back with
 * JSON.parse and a loop costs about half of what node:v8's deserializer does.
 */
type StoredUnit = Omit<Unit, "refs" | "members"> & { refs: string[]; members: string[] };
interface StoredModule {
  kind: CachedModule["kind"];
  facts: Omit<ModuleFacts, "units" | "exports"> & { units: StoredUnit[]; exports: Array<[string, string]> };
  css?: CssFacts;
  routeHint: boolean;
}

const NO_NAMES: ReadonlySet<string> = new Set();

function store(module: CachedModule): StoredModule {
  const { facts } = module;
  return {
    ...module,
    facts: {
      ...facts,
      units: facts.units.map((u) => ({ ...u, refs: [...u.refs], members: [...u.members] })),
      exports: [...facts.exports],
    },
  };
}

function revive(stored: StoredModule): CachedModule {
  const { facts } = stored;
  for (const unit of facts.units as unknown as Unit[]) {
    const { refs, members } = unit as unknown as StoredUnit;
    unit.refs = (refs.length === 0 ? NO_NAMES : new Set(refs)) as Set<string>;
    unit.members = (members.length === 0 ? NO_NAMES : new Set(members)) as Set<string>;
  }
  (facts as unknown as ModuleFacts).exports = new Map(facts.exports);
  return stored as unknown as CachedModule;
}

/** `$XDG_CACHE_HOME/perceo/facts/<repository>.bin` (else ~/.cache): outside the repository, so it never shows in a diff. */
export function defaultFactsCachePath(repositoryRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(homedir(), ".cache");
  const id = createHash("sha256").update(path.resolve(repositoryRoot)).digest("hex").slice(0, 16);
  return path.join(base, "perceo", "facts", `${id}.bin`);
}
