import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

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
 * The embedded database (PGlite) needs 15 MB of wasm and data files that the bundle does not carry:
 * load it lazily, so the Action runs without it and says so when no backend is configured.
 */
const lazyPglite: Plugin = {
  name: "lazy-pglite",
  setup(on) {
    on.onResolve({ filter: /^@electric-sql\/pglite$/ }, (args) =>
      args.namespace === "lazy-pglite"
        ? { path: args.path, external: true }
        : { path: args.path, namespace: "lazy-pglite" },
    );
    on.onLoad({ filter: /.*/, namespace: "lazy-pglite" }, () => ({
      contents: `export const PGlite = {
  async create(options) {
    const { PGlite } = await import("@electric-sql/pglite");
    return PGlite.create(options);
  },
};`,
      loader: "js",
    }));
  },
};

/** Builds action/dist: index.js (ESM, everything bundled but PGlite) and playwright-core's two metadata files. */
export async function buildAction(outDir: string = DIST_DIR): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await build({
    entryPoints: [path.join(root, "action", "index.ts")],
    outfile: path.join(outDir, "index.js"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    legalComments: "none",
    logLevel: "warning",
    external: ["pg-native", "chromium-bidi/*"],
    plugins: [playwrightPackageRoot, lazyPglite],
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
  const pwDir = path.join(outDir, "playwright-core");
  await mkdir(pwDir, { recursive: true });
  const pwPackage = path.dirname(fileURLToPath(import.meta.resolve("playwright-core/package.json")));
  for (const file of ["package.json", "browsers.json"])
    await copyFile(path.join(pwPackage, file), path.join(pwDir, file));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildAction(process.argv[2] ? path.resolve(process.argv[2]) : DIST_DIR);
}
