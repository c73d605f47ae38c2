// Types for the part of @napi-rs/wasm-runtime that wasm-parser.ts uses (the package ships none).
declare module "@napi-rs/wasm-runtime" {
  export function instantiateNapiModuleSync(
    wasm: Uint8Array,
    options: Record<string, unknown>,
  ): { napiModule: { exports: Record<string, unknown> } };
  export function createContext(): unknown;
  export const emnapiAsyncWorkPlugin: unknown;
  export const emnapiTSFNPlugin: unknown;
}
