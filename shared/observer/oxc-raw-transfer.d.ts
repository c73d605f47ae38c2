// Types for the parts of oxc-parser's raw transfer that parse-program.ts imports (the package
// exports these paths but ships no declarations for them).
declare module "oxc-parser/src-js/bindings" {
  export function getBufferOffset(buffer: Uint8Array): number;
  export function parseRawSync(
    filename: string,
    block: Uint8Array,
    sourceStart: number,
    sourceByteLen: number,
    options: Record<string, unknown>,
  ): void;
}
declare module "oxc-parser/src-js/generated/constants" {
  export const ACTIVE_SIZE: number;
  export const BLOCK_ALIGN: number;
  export const BLOCK_SIZE: number;
  export const BUFFER_SIZE: number;
  export const IS_TS_FLAG_POS: number;
}
// js.js and ts.js, one deserializer each for JavaScript and TypeScript ASTs.
declare module "oxc-parser/src-js/generated/deserialize/*" {
  export function deserialize(
    buffer: Uint8Array,
    sourceText: string,
    start: number,
    byteLen: number,
  ): unknown;
}
