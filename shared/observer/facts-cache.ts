import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import type { CssFacts } from "./css-rules.ts";
import { FactsReader, FactsWriter } from "./facts-encoding.ts";
import type { ModuleFacts } from "./module-facts.ts";

/*
 * What parsing a module found, kept by the git blob id of its content: a file whose content did not
 * change since the last selection is not read or parsed again. A blob id names content exactly, so
 * an entry can never be stale; the version below changes whenever what is kept changes shape.
 */

const VERSION = 6;

export interface CachedModule {
  kind: "code" | "markup" | "style";
  facts: ModuleFacts;
  css?: CssFacts;
  /** The text looks like it registers routes (a route table); only then is it read again. */
  routeHint: boolean;
}

export interface FactsCache {
  /**
   * Reads what the cache holds now, rather than on first use: a selection calls it while git lists
   * the files, so the two overlap.
   */
  open?(): void;
  get(blobId: string, file: string): CachedModule | undefined;
  set(blobId: string, file: string, module: CachedModule): void;
  /**
   * Writes what this selection used (and nothing older), so the cache follows the repository's size;
   * a selection that used nothing leaves the file as it was.
   */
  save(): void;
  readonly stats: { hits: number; misses: number };
}

/** The same content parses differently as .ts and .js; the extension is part of the key. */
const keyOf = (blobId: string, file: string) => `${blobId}${path.posix.extname(file)}`;

/*
 * The file: a little-endian uint32 header length, the header (JSON: version, the string table, and
 * each module's key and offset), padding to four bytes, then the modules as int32s (facts-encoding.ts).
 */
interface Header {
  version: number;
  strings: string[];
  keys: string[];
  offsets: number[];
}

/** A cache in one file, read on first use; a missing, unreadable or older-version file starts empty. */
export function fileFactsCache(file: string): FactsCache {
  let stored = new Map<string, number>();
  let reader: FactsReader | undefined;
  let opened = false;
  const open = () => {
    if (opened) return;
    opened = true;
    try {
      ({ stored, reader } = readCacheFile(file));
    } catch {
      // no cache yet, or one written by another version: start empty
    }
  };
  const used = new Map<string, CachedModule>();
  const stats = { hits: 0, misses: 0 };
  let changed = false;
  return {
    stats,
    open,
    get(blobId, name) {
      open();
      const key = keyOf(blobId, name);
      const offset = stored.get(key);
      let module: CachedModule | undefined;
      try {
        module = offset !== undefined && reader ? (used.get(key) ?? reader.read(offset)) : undefined;
      } catch {
        // a damaged entry: the module is parsed again
      }
      if (!module) {
        stats.misses++;
        return undefined;
      }
      stats.hits++;
      used.set(key, module);
      return module;
    },
    set(blobId, name, module) {
      used.set(keyOf(blobId, name), module);
      changed = true;
    },
    save() {
      // Everything came from the file and all of it was used: it already says what it would write.
      if (!changed && used.size === stored.size) return;
      // A selection that read no module (the head's files were out of reach) knows nothing newer:
      // writing what it used would empty the file.
      if (used.size === 0) return;
      mkdirSync(path.dirname(file), { recursive: true });
      const writer = new FactsWriter();
      const keys: string[] = [];
      const offsets: number[] = [];
      for (const [key, module] of used) {
        keys.push(key);
        offsets.push(writer.write(module));
      }
      const header = Buffer.from(
        JSON.stringify({ version: VERSION, strings: writer.strings, keys, offsets } satisfies Header),
      );
      const prefix = Buffer.alloc(align(4 + header.length));
      prefix.writeUInt32LE(header.length, 0);
      header.copy(prefix, 4);
      const data = writer.data();
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(
        temporary,
        Buffer.concat([prefix, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]),
      );
      renameSync(temporary, file);
    },
  };
}

function readCacheFile(file: string): { stored: Map<string, number>; reader?: FactsReader } {
  const bytes = readFileSync(file);
  const headerLength = bytes.readUInt32LE(0);
  const header = JSON.parse(bytes.toString("utf8", 4, 4 + headerLength)) as Header;
  if (header.version !== VERSION) return { stored: new Map() };
  const start = align(4 + headerLength);
  const body = bytes.subarray(start);
  // An Int32Array needs an aligned start; a small file may sit unaligned in Node's buffer pool.
  const aligned = body.byteOffset % 4 === 0 ? body : Uint8Array.prototype.slice.call(body);
  return {
    stored: new Map(header.keys.map((key, i) => [key, header.offsets[i] as number])),
    reader: new FactsReader(
      header.strings,
      new Int32Array(aligned.buffer, aligned.byteOffset, Math.floor(aligned.byteLength / 4)),
    ),
  };
}

const align = (n: number) => Math.ceil(n / 4) * 4;

/** `$XDG_CACHE_HOME/perceo/facts/<repository>.bin` (else ~/.cache): outside the repository, so it never shows in a diff. */
export function defaultFactsCachePath(repositoryRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(homedir(), ".cache");
  const id = createHash("sha256").update(path.resolve(repositoryRoot)).digest("hex").slice(0, 16);
  return path.join(base, "perceo", "facts", `${id}.bin`);
}
