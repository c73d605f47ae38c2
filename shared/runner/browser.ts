import { accessSync, constants } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";

/** Chromium flags that make pictures repeatable and keep a headless browser off the network it does not need. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-dev-shm-usage",
  "--font-render-hinting=none",
  "--disable-lcd-text",
  "--disable-partial-raster",
];

export class BrowserNotFoundError extends Error {
  readonly code = "PERCEO_NO_BROWSER";
  readonly tried: string[];
  constructor(tried: string[], reason?: string) {
    super(
      `${reason ?? "No Chromium-based browser found."} Tried:\n${tried.map((t) => `  - ${t}`).join("\n")}\n` +
        "Fix: set PERCEO_BROWSER_PATH to a Chrome or Chromium executable, or install one " +
        "(Debian/Ubuntu: apt-get install chromium; elsewhere: npx playwright install chromium).",
    );
    this.name = "BrowserNotFoundError";
    this.tried = tried;
  }
}

export interface FoundBrowser {
  executablePath: string;
  /** Which rule found it, for logs: env, playwright, chrome or chromium. */
  source: "env" | "playwright" | "chrome" | "chromium";
}

interface FindOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Where Playwright would keep its own Chromium; injectable for tests. */
  playwrightPath?: () => string | undefined | Promise<string | undefined>;
}

/** PERCEO_BROWSER_PATH, then Playwright's own browser, then Chrome, then Chromium on PATH. */
export async function findBrowser(options: FindOptions = {}): Promise<FoundBrowser> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const tried: string[] = [];

  const override = env.PERCEO_BROWSER_PATH;
  if (override) {
    if (isExecutable(override)) return { executablePath: override, source: "env" };
    throw new BrowserNotFoundError(
      [`PERCEO_BROWSER_PATH=${override}`],
      `PERCEO_BROWSER_PATH points to ${override}, which is not an executable file.`,
    );
  }
  tried.push("PERCEO_BROWSER_PATH (not set)");

  const playwrightPath = await (options.playwrightPath ?? playwrightChromium)();
  if (playwrightPath && isExecutable(playwrightPath))
    return { executablePath: playwrightPath, source: "playwright" };
  tried.push(`Playwright's Chromium${playwrightPath ? ` (${playwrightPath})` : ""}`);

  const searchPath = (env.PATH ?? "").split(path.delimiter).filter(Boolean);
  const candidates: Array<[FoundBrowser["source"], string[]]> = [
    ["chrome", chromeLocations(platform, env, searchPath)],
    ["chromium", chromiumLocations(platform, searchPath)],
  ];
  for (const [source, locations] of candidates) {
    for (const location of locations) {
      if (isExecutable(location)) return { executablePath: location, source };
      tried.push(location);
    }
  }
  throw new BrowserNotFoundError(tried);
}

async function playwrightChromium(): Promise<string | undefined> {
  try {
    return (await loadChromium()).executablePath();
  } catch {
    return undefined;
  }
}

/**
 * playwright-core, loaded when a browser is wanted: it adds ~30 MB to a process's heap, and the
 * App's webhook server, which only reads the runner's result schema, never launches one.
 */
export async function loadChromium() {
  return (await import("playwright-core")).chromium;
}

function onPath(names: string[], searchPath: string[]): string[] {
  return names.flatMap((name) => searchPath.map((dir) => path.join(dir, name)));
}

function chromeLocations(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, searchPath: string[]): string[] {
  if (platform === "darwin") return ["/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"];
  if (platform === "win32") {
    const roots = [env.PROGRAMFILES, env["PROGRAMFILES(X86)"], env.LOCALAPPDATA].filter(Boolean) as string[];
    return roots.map((root) => path.join(root, "Google", "Chrome", "Application", "chrome.exe"));
  }
  return [...onPath(["google-chrome", "google-chrome-stable"], searchPath), "/opt/google/chrome/chrome"];
}

function chromiumLocations(platform: NodeJS.Platform, searchPath: string[]): string[] {
  if (platform === "darwin") {
    return [
      "/Applications/Chromium.app/Contents/MacOS/Chromium",
      ...onPath(["chromium", "chromium-browser"], searchPath),
    ];
  }
  if (platform === "win32") return onPath(["chromium.exe"], searchPath);
  return [...onPath(["chromium", "chromium-browser"], searchPath), "/usr/bin/chromium", "/snap/bin/chromium"];
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A headless Chromium with CHROMIUM_ARGS and `extraArgs`; the browser `findBrowser` finds unless one is given. */
export async function launchBrowser(
  found?: FoundBrowser,
  extraArgs: readonly string[] = [],
): Promise<Browser> {
  const { executablePath } = found ?? (await findBrowser());
  return (await loadChromium()).launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    // Playwright's own Ctrl-C handler kills the browser and exits 130 at once; a process that
    // handles Ctrl-C itself (the CLI: stop after the flows in progress, then close) keeps it.
    handleSIGINT: process.listenerCount("SIGINT") === 0,
  });
}
