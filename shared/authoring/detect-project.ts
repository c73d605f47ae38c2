import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { detectFrameworks } from "../observer/index.ts";

/*
 * What kind of web project a folder is, how it is started for development and where it listens:
 * from package.json (dependencies and scripts), the lockfile, and for apps without a framework the
 * server file or the HTML files themselves.
 */

export type AppKind =
  | "next-app"
  | "next-pages"
  | "remix"
  | "react-router"
  | "sveltekit"
  | "nuxt"
  | "astro"
  | "vite"
  | "node-server"
  | "static"
  | "unknown";

export type PackageManager = "npm" | "pnpm" | "yarn" | "bun";

export interface DetectedProject {
  /** The project's name: package.json's (without a scope), else the folder's. */
  name: string;
  kind: AppKind;
  /** How a person reads it: "Next.js (app router)", "Vite (React)", "static HTML". */
  label: string;
  packageManager: PackageManager;
  /** The command that installs dependencies in CI; undefined when there is no package.json. */
  installCommand?: string;
  /** The lockfile's name, when there is one. */
  lockfile?: string;
  /** The command that starts the app for development. */
  devCommand: string;
  /** Where `devCommand` says the app listens. */
  port: number;
  /** Where the dev command was read from: `package.json scripts.dev`, `server.ts`, a default. */
  devCommandSource: string;
}

interface PackageJson {
  name?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const DEFAULT_PORTS: Record<AppKind, number> = {
  "next-app": 3000,
  "next-pages": 3000,
  remix: 3000,
  "react-router": 5173,
  sveltekit: 5173,
  nuxt: 3000,
  astro: 4321,
  vite: 5173,
  "node-server": 3000,
  static: 3000,
  unknown: 3000,
};

const LOCKFILES = ["package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock", "bun.lockb"];
const SERVER_FILES = ["server.ts", "server.js", "server.mjs", "index.js", "app.js", "main.js"];
const STATIC_SERVE = "npx --yes serve -l 3000 .";

export async function detectProject(root: string): Promise<DetectedProject> {
  const pkgText = await readText(path.join(root, "package.json"));
  let pkg: PackageJson | undefined;
  if (pkgText !== undefined) {
    try {
      pkg = JSON.parse(pkgText) as PackageJson;
    } catch {
      pkg = undefined;
    }
  }
  const names = await readdir(root).catch(() => [] as string[]);
  const packageManager = detectPackageManager(names);
  const lockfile = LOCKFILES.find((n) => names.includes(n));
  const name = (pkg?.name?.replace(/^@[^/]+\//, "") || path.basename(path.resolve(root))).trim();
  const kind = await detectKind(root, pkg, pkgText, names);
  const dev = await devCommandFor(root, kind, pkg, packageManager, names);
  return {
    name,
    kind,
    label: await labelFor(kind, pkg),
    packageManager,
    ...(pkg ? { installCommand: installCommandFor(packageManager, names) } : {}),
    ...(lockfile ? { lockfile } : {}),
    ...dev,
  };
}

async function detectKind(
  root: string,
  pkg: PackageJson | undefined,
  pkgText: string | undefined,
  names: readonly string[],
): Promise<AppKind> {
  const deps = { ...pkg?.dependencies, ...pkg?.devDependencies };
  const frameworks = detectFrameworks(pkgText);
  if (frameworks.includes("next")) {
    const appRouter = (await isDir(path.join(root, "app"))) || (await isDir(path.join(root, "src/app")));
    return appRouter ? "next-app" : "next-pages";
  }
  if ("@react-router/dev" in deps) return "react-router";
  if (frameworks.includes("remix")) return "remix";
  if (frameworks.includes("sveltekit")) return "sveltekit";
  if (frameworks.includes("nuxt")) return "nuxt";
  if (frameworks.includes("astro")) return "astro";
  if ("vite" in deps || names.some((n) => /^vite\.config\.[cm]?[jt]s$/.test(n))) return "vite";
  if (await findServerFile(root, names)) return "node-server";
  if (names.some((n) => n.endsWith(".html")) || (await hasHtml(path.join(root, "public")))) return "static";
  return "unknown";
}

async function labelFor(kind: AppKind, pkg: PackageJson | undefined): Promise<string> {
  const deps = { ...pkg?.dependencies, ...pkg?.devDependencies };
  switch (kind) {
    case "next-app":
      return "Next.js (app router)";
    case "next-pages":
      return "Next.js (pages router)";
    case "remix":
      return "Remix";
    case "react-router":
      return "React Router (framework mode)";
    case "sveltekit":
      return "SvelteKit";
    case "nuxt":
      return "Nuxt";
    case "astro":
      return "Astro";
    case "vite": {
      const flavour = ["react", "vue", "svelte", "preact", "solid-js", "lit"].find((d) => d in deps);
      const names: Record<string, string> = { "solid-js": "Solid", lit: "Lit" };
      return flavour ? `Vite (${names[flavour] ?? flavour[0]?.toUpperCase() + flavour.slice(1)})` : "Vite";
    }
    case "node-server":
      return "Node server";
    case "static":
      return "static HTML";
    case "unknown":
      return "unknown (no framework, server or HTML found)";
  }
}

const SCRIPT_ORDER = ["dev", "start", "serve", "develop", "preview"];

async function devCommandFor(
  root: string,
  kind: AppKind,
  pkg: PackageJson | undefined,
  pm: PackageManager,
  names: readonly string[],
): Promise<Pick<DetectedProject, "devCommand" | "port" | "devCommandSource">> {
  const scripts = pkg?.scripts ?? {};
  const script = SCRIPT_ORDER.find((s) => scripts[s]?.trim());
  if (script) {
    const body = scripts[script] as string;
    const port = portInCommand(body) ?? (await configuredPort(root, names)) ?? DEFAULT_PORTS[kind];
    return { devCommand: runScript(pm, script), port, devCommandSource: `package.json scripts.${script}` };
  }
  const server = kind === "node-server" ? await findServerFile(root, names) : undefined;
  if (server) {
    return {
      devCommand: `node ${server.file}`,
      port: portInServer(server.text) ?? DEFAULT_PORTS["node-server"],
      devCommandSource: server.file,
    };
  }
  return { devCommand: STATIC_SERVE, port: 3000, devCommandSource: "a static file server (no dev script)" };
}

function runScript(pm: PackageManager, script: string): string {
  if (pm === "npm") return script === "start" ? "npm start" : `npm run ${script}`;
  if (pm === "bun") return `bun run ${script}`;
  return `${pm} ${script}`;
}

function installCommandFor(pm: PackageManager, names: readonly string[]): string {
  switch (pm) {
    case "pnpm":
      return "pnpm install --frozen-lockfile";
    case "yarn":
      return "yarn install --frozen-lockfile";
    case "bun":
      return "bun install --frozen-lockfile";
    case "npm":
      return names.includes("package-lock.json") ? "npm ci" : "npm install";
  }
}

function detectPackageManager(names: readonly string[]): PackageManager {
  if (names.includes("pnpm-lock.yaml")) return "pnpm";
  if (names.includes("yarn.lock")) return "yarn";
  if (names.includes("bun.lockb") || names.includes("bun.lock")) return "bun";
  return "npm";
}

/** `--port 4000`, `--port=4000`, `-p 4000`, `PORT=4000`, serve's `-l 4000`. */
export function portInCommand(command: string): number | undefined {
  const match =
    /(?:--port[= ]|(?:^|\s)-p[= ]?|\bPORT=|(?:^|\s)(?:-l|--listen)[= ](?:tcp:\/\/[^:\s]+:)?)(\d{2,5})\b/.exec(
      command,
    );
  return match ? Number(match[1]) : undefined;
}

/** `server: { port: 4000 }` in vite.config.* (and the frameworks built on it), `devServer.port` in Nuxt. */
async function configuredPort(root: string, names: readonly string[]): Promise<number | undefined> {
  for (const file of names.filter((n) => /^(vite|astro|nuxt|svelte)\.config\.[cm]?[jt]s$/.test(n))) {
    const text = await readText(path.join(root, file));
    const port = text ? /\bport\s*:\s*(\d{2,5})\b/.exec(text)?.[1] : undefined;
    if (port) return Number(port);
  }
  return undefined;
}

/** `process.env.PORT ?? 3000`, `|| 8080`, `.listen(4000`. */
export function portInServer(text: string): number | undefined {
  const match = /PORT\s*(?:\?\?|\|\|)\s*["']?(\d{2,5})/.exec(text) ?? /\.listen\(\s*(\d{2,5})\b/.exec(text);
  return match ? Number(match[1]) : undefined;
}

async function findServerFile(
  root: string,
  names: readonly string[],
): Promise<{ file: string; text: string } | undefined> {
  for (const file of SERVER_FILES) {
    if (!names.includes(file)) continue;
    const text = await readText(path.join(root, file));
    if (text && /\.listen\(|createServer\(|Bun\.serve\(|serve\(\{/.test(text)) return { file, text };
  }
  return undefined;
}

async function hasHtml(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.some((n) => n.endsWith(".html"));
}

async function isDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length >= 0;
  } catch {
    return false;
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch {
    return undefined;
  }
}
