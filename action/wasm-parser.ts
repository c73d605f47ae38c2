import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  createContext,
  emnapiAsyncWorkPlugin,
  emnapiTSFNPlugin,
  instantiateNapiModuleSync,
} from "@napi-rs/wasm-runtime";

/** The WebAssembly build oxc-parser ships in its own package (wasip1, single-threaded). */
export const WASM_PARSER = "parser.wasm32-wasip1.wasm";

/**
 * oxc's parser from its WebAssembly build, for runners whose native addon the bundle does not carry
 * (linux-arm64, macOS, Windows, musl). It has the native binding's exports; `rawTransferSupported()`
 * is false there, so the observer parses through `parseSync`'s JSON path. Files are never read through
 * WASI: the parser is handed source text, so the WASI instance gets no preopened folders.
 */
export function loadWasmParser(file: string): Record<string, unknown> {
  const wasm = readFileSync(file);
  const { WASI } = requireQuietly("node:wasi") as typeof import("node:wasi");
  const memory = new WebAssembly.Memory({ initial: 4000, maximum: 65536 });
  const { napiModule } = instantiateNapiModuleSync(wasm, {
    context: createContext(),
    asyncWorkPoolSize: 0,
    // A single-threaded build: these supply async work and threadsafe functions in JavaScript.
    plugins: [emnapiAsyncWorkPlugin, emnapiTSFNPlugin],
    wasi: new WASI({ version: "preview1", env: {}, preopens: {} }),
    overwriteImports(imports: Record<string, Record<string, unknown>>) {
      imports.env = { ...imports.env, ...imports.napi, ...imports.emnapi, memory };
      return imports;
    },
    beforeInit({ instance }: { instance: WebAssembly.Instance }) {
      for (const [name, register] of Object.entries(instance.exports))
        if (name.startsWith("__napi_register__")) (register as () => void)();
    },
  });
  return napiModule.exports;
}

/** Loads a builtin without Node's "WASI is an experimental feature" warning in the job log. */
function requireQuietly(id: string): unknown {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning).includes("WASI"))
      (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return createRequire(import.meta.url)(id);
  } finally {
    process.emitWarning = emit;
  }
}
