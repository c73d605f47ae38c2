// oxc-parser's raw transfer, from the parts its package exports: the native parse into a shared
// buffer and the generated deserializers, which `parseSync(…, { experimentalRawTransfer: true })` runs.
import { parseSync, rawTransferSupported } from "oxc-parser";
import { getBufferOffset, parseRawSync } from "oxc-parser/src-js/bindings";
import {
  ACTIVE_SIZE,
  BLOCK_ALIGN,
  BLOCK_SIZE,
  BUFFER_SIZE,
  IS_TS_FLAG_POS,
} from "oxc-parser/src-js/generated/constants";
import { deserialize as deserializeJs } from "oxc-parser/src-js/generated/deserialize/js";
import { deserialize as deserializeTs } from "oxc-parser/src-js/generated/deserialize/ts";

export interface ParseError {
  message: string;
  severity: string;
}

export interface ParsedProgram {
  program: { body: unknown[] };
  errors: ParseError[];
}

type Lang = "js" | "jsx" | "ts" | "tsx";

/**
 * Parses a module as oxc-parser's `parseSync` with raw transfer does, and returns its program and
 * errors as plain properties.
 *
 * Why not `parseSync`: its raw-transfer result is an object literal of getters closing over the
 * whole AST, and V8 gives each such object a hidden class of its own in the old generation. Until
 * the next full collection those dead hidden classes hold every AST parsed since, so each scavenge
 * copies them: on 20,000 modules, ~100 scavenges of ~10 ms where a plain result needs ~1 ms each
 * (`--trace-gc`: a 259-byte module parsed 20,000 times took 703 ms through getters, 308 ms without).
 *
 * Why not oxc's `raw-transfer/common.js` for the buffer: it checks for raw transfer when it is
 * imported and throws where the addon is missing, and the Action's bundle must start there (it
 * runs every flow instead). Here the check waits for the first parse.
 */
export function parseProgram(lang: Lang, text: string): ParsedProgram {
  raw ??= rawTransferSupported();
  if (!raw) {
    const result = parseSync(`x.${lang}`, text, { lang, sourceType: "unambiguous" });
    return { program: result.program as unknown as ParsedProgram["program"], errors: result.errors };
  }
  const buffer = transferBuffer();
  // The source goes at the end of the active region, as oxc lays it out; UTF-8 takes ≤ 3 bytes a unit.
  const maxSourceBytes = text.length * 3;
  if (maxSourceBytes > ONE_GIB) throw new Error("Source text is too long");
  const sourceStart = ACTIVE_SIZE - maxSourceBytes;
  const { read, written } = encoder.encodeInto(
    text,
    new Uint8Array(buffer.buffer, buffer.byteOffset + sourceStart, maxSourceBytes),
  );
  if (read !== text.length) throw new Error("Failed to write source text into buffer");
  parseRawSync(`x.${lang}`, buffer.block, sourceStart, written, {
    lang,
    sourceType: "unambiguous",
    experimentalRawTransfer: true,
  });
  const deserialize = buffer[IS_TS_FLAG_POS] === 0 ? deserializeJs : deserializeTs;
  const data = deserialize(buffer, text, sourceStart, written) as ParsedProgram;
  return { program: data.program, errors: data.errors };
}

const ONE_GIB = 1 << 30;
const IDLE_MS = 10_000;
const encoder = new TextEncoder();
let raw: boolean | undefined;

interface TransferBuffer extends Uint8Array<ArrayBuffer> {
  int32: Int32Array<ArrayBuffer>;
  float64: Float64Array<ArrayBuffer>;
  block: Uint8Array<ArrayBuffer>;
}

let current: TransferBuffer | undefined;
let idle: NodeJS.Timeout | undefined;

/**
 * One buffer for every parse (they run one at a time): 6 GiB of address space, 2 GiB of it aligned
 * on 4 GiB for oxc's arena, of which only the pages a parse writes are memory. A process that stops
 * parsing lets it go after a while, as oxc does.
 */
function transferBuffer(): TransferBuffer {
  if (current) {
    idle?.refresh();
    return current;
  }
  const arrayBuffer = new ArrayBuffer(BLOCK_SIZE + BLOCK_ALIGN);
  const offset = getBufferOffset(new Uint8Array(arrayBuffer));
  const buffer = new Uint8Array(arrayBuffer, offset, BUFFER_SIZE) as TransferBuffer;
  buffer.int32 = new Int32Array(arrayBuffer, offset, BUFFER_SIZE / 4);
  buffer.float64 = new Float64Array(arrayBuffer, offset, BUFFER_SIZE / 8);
  buffer.block = new Uint8Array(arrayBuffer, offset, BLOCK_SIZE);
  current = buffer;
  idle = setTimeout(() => {
    current = undefined;
  }, IDLE_MS).unref();
  return buffer;
}
