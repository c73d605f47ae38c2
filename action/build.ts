import { copyFile, mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { WASM_PARSER } from "./wasm-parser.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
export const DIST_DIR = path.join(root, "action", "dist");

/**
 * playwright-core finds its own package.json and browsers.json through `path.join(__dirname, "..")`.
 * Bundled, __dirname is action/dist, so point it at action/dist/playwright-core, where the build
 * copies those two files (the Chromium launch path needs nothing else from the package).
 */
const playwrightPackageRoot: Plugin = {
  name: "playwright-package-root",
  setup(on) {
    on.onLoad({ filter: /playwright-core[\\/]lib[\\/]coreBundle\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const pattern = /packageRoot = (\w+)\.default\.join\(__dirname, "\.\."\);/;
      if (!pattern.test(source)) throw new Error("playwright-core changed how it finds its package root");
      return {
        contents: source.replace(pattern, 'packageRoot = $1.default.join(__dirname, "playwright-core");'),
        loader: "js",
      };
    });
  },
};

/**
 * The embedded database: PGlite's JavaScript is bundled, and it loads its wasm and data relative to
 * its module (`new URL("./pglite.wasm", import.meta.url)`), which bundled is action/dist/index.js, so
 * the build copies the three files it reads next to it. initdb.wasm is read only to create a data
 * directory, which is what the Action does on a runner whose cache held none.
 */
const PGLITE_FILES = ["pglite.wasm", "pglite.data", "initdb.wasm"];

/**
 * The store migrates the embedded database from supabase/migrations, found relative to its module:
 * bundled, that is action/dist/migrations, where the build copies the migration files.
 */
const bundledMigrations: Plugin = {
  name: "bundled-migrations",
  setup(on) {
    on.onLoad({ filter: /shared[\\/]store[\\/]migrate\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const from = 'new URL("../../supabase/migrations/", import.meta.url)';
      if (!source.includes(from))
        throw new Error("shared/store/migrate.ts changed how it finds the migrations");
      return { contents: source.replace(from, 'new URL("./migrations/", import.meta.url)'), loader: "ts" };
    });
  },
};

/**
 * The observer parses and resolves imports with oxc's native addons. The bundle carries the
 * linux-x64-gnu ones (GitHub's ubuntu runners) in action/dist/native, with oxc's WebAssembly parser,
 * and replaces oxc's own loaders (which throw at import time on any other platform) with
 * action/native-addons.ts: on linux-arm64, macOS, Windows or musl the parser is the WebAssembly one
 * and the resolver a JavaScript one.
 */
function nativeAddons(copied: Set<string>): Plugin {
  const loader = JSON.stringify(path.join(root, "action", "native-addons.ts"));
  const addon = (packageName: string, file: string, exportNames: string[]) => {
    copied.add(path.join(root, "node_modules", packageName, file));
    return [
      `import { loadBundledAddon } from ${loader};`,
      `const binding = loadBundledAddon(require("node:path").join(__dirname, "native"), ${JSON.stringify(file)});`,
      `export const { ${exportNames.join(", ")} } = binding;`,
      "export default binding;",
    ].join("\n");
  };
  const namesIn = (source: string, pattern: RegExp, what: string): string[] => {
    const names = [...source.matchAll(pattern)].flatMap((match) =>
      (match[1] as string).split(",").map((name) => name.trim()),
    );
    if (names.length === 0) throw new Error(`${what} changed how it exports its native binding`);
    return [...new Set(names.filter(Boolean))];
  };
  return {
    name: "native-addons",
    setup(on) {
      on.onLoad({ filter: /oxc-parser[\\/]src-js[\\/]bindings\.js$/ }, async (args) => {
        const source = await readFile(args.path, "utf8");
        const names = namesIn(source, /^const \{([^}]+)\} = nativeBinding$/gm, "oxc-parser");
        return {
          contents: `${addon("@oxc-parser/binding-linux-x64-gnu", "parser.linux-x64-gnu.node", names)}\nexport const __napiBindingTarget = "native";`,
          loader: "js",
          resolveDir: path.dirname(args.path),
        };
      });
      on.onLoad({ filter: /oxc-resolver[\\/]index\.js$/ }, async (args) => {
        const source = await readFile(args.path, "utf8");
        const names = namesIn(source, /^module\.exports\.(\w+) = nativeBinding\.\w+$/gm, "oxc-resolver");
        return {
          contents: addon("@oxc-resolver/binding-linux-x64-gnu", "resolver.linux-x64-gnu.node", names),
          loader: "js",
          resolveDir: path.dirname(args.path),
        };
      });
    },
  };
}

/**
 * Perceo's Playwright reporter runs inside the project's own Playwright, loaded from a file: the
 * build writes it as action/dist/playwright-reporter.mjs and points run-tests.ts at that file.
 */
const REPORTER_OUT = "playwright-reporter.mjs";
const bundledReporter: Plugin = {
  name: "bundled-reporter",
  setup(on) {
    on.onLoad({ filter: /shared[\\/]playwright[\\/]run-tests\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const from = 'new URL("./perceo-reporter.ts", import.meta.url)';
      if (!source.includes(from))
        throw new Error("shared/playwright/run-tests.ts changed how it finds its reporter");
      return {
        contents: source.replace(from, `new URL("./${REPORTER_OUT}", import.meta.url)`),
        loader: "ts",
      };
    });
  },
};

/**
 * Builds action/dist: index.js (ESM, everything bundled), PGlite's wasm and data, the migrations,
 * oxc's native addons, playwright-core's two metadata files.
 */
export async function buildAction(outDir: string = DIST_DIR): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  const addons = new Set<string>();
  await build({
    entryPoints: [path.join(root, "action", "index.ts")],
    outfile: path.join(outDir, "index.js"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    legalComments: "none",
    logLevel: "warning",
    // sharp's libvips is 20 MB of native libraries per platform: the bundle carries none, and
    // shared/visual decodes with its pure-JS decoder wherever `import("sharp")` fails.
    external: ["pg-native", "chromium-bidi/*", "sharp"],
    plugins: [playwrightPackageRoot, bundledMigrations, bundledReporter, nativeAddons(addons)],
    banner: {
      js: [
        'import { createRequire as __perceoCreateRequire } from "node:module";',
        'import { fileURLToPath as __perceoFileURLToPath } from "node:url";',
        "const require = __perceoCreateRequire(import.meta.url);",
        "const __filename = __perceoFileURLToPath(import.meta.url);",
        'const __dirname = __perceoFileURLToPath(new URL(".", import.meta.url));',
      ].join("\n"),
    },
  });
  await build({
    entryPoints: [path.join(root, "shared", "playwright", "perceo-reporter.ts")],
    outfile: path.join(outDir, REPORTER_OUT),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    legalComments: "none",
    logLevel: "warning",
  });
  const pglite = path.dirname(fileURLToPath(import.meta.resolve("@electric-sql/pglite")));
  for (const file of PGLITE_FILES) await copyFile(path.join(pglite, file), path.join(outDir, file));
  const migrations = path.join(root, "supabase", "migrations");
  await mkdir(path.join(outDir, "migrations"));
  for (const file of (await readdir(migrations)).filter((name) => name.endsWith(".sql")))
    await copyFile(path.join(migrations, file), path.join(outDir, "migrations", file));
  await mkdir(path.join(outDir, "native"), { recursive: true });
  for (const addon of addons) await copyFile(addon, path.join(outDir, "native", path.basename(addon)));
  // oxc's WebAssembly parser, for runners whose native addon is not here (native-addons.ts).
  const oxcParser = path.dirname(fileURLToPath(import.meta.resolve("oxc-parser/package.json")));
  await copyFile(path.join(oxcParser, WASM_PARSER), path.join(outDir, "native", WASM_PARSER));
  const pwDir = path.join(outDir, "playwright-core");
  await mkdir(pwDir, { recursive: true });
  const pwPackage = path.dirname(fileURLToPath(import.meta.resolve("playwright-core/package.json")));
  for (const file of ["package.json", "browsers.json"])
    await copyFile(path.join(pwPackage, file), path.join(pwDir, file));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildAction(process.argv[2] ? path.resolve(process.argv[2]) : DIST_DIR);
}
