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

/**
 * The observer parses and resolves imports with oxc's native addons. The bundle carries the
 * linux-x64-gnu ones (GitHub's ubuntu runners) in action/dist/native, and replaces oxc's own loaders
 * (which throw at import time on any other platform) with action/native-addons.ts: on macOS, Windows
 * or musl the bundle still starts, and the Action runs every flow and says why.
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

/** Builds action/dist: index.js (ESM, everything bundled but PGlite), oxc's native addons, playwright-core's two metadata files. */
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
    external: ["pg-native", "chromium-bidi/*"],
    plugins: [playwrightPackageRoot, lazyPglite, nativeAddons(addons)],
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
  await mkdir(path.join(outDir, "native"), { recursive: true });
  for (const addon of addons) await copyFile(addon, path.join(outDir, "native", path.basename(addon)));
  const pwDir = path.join(outDir, "playwright-core");
  await mkdir(pwDir, { recursive: true });
  const pwPackage = path.dirname(fileURLToPath(import.meta.resolve("playwright-core/package.json")));
  for (const file of ["package.json", "browsers.json"])
    await copyFile(path.join(pwPackage, file), path.join(pwDir, file));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildAction(process.argv[2] ? path.resolve(process.argv[2]) : DIST_DIR);
}
