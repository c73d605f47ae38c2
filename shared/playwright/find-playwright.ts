import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PlaywrightSetupError } from "./errors.ts";

/** The names `npx playwright test` looks for, in its order. */
export const PLAYWRIGHT_CONFIG_NAMES = [
  "playwright.config.ts",
  "playwright.config.js",
  "playwright.config.mts",
  "playwright.config.mjs",
  "playwright.config.cts",
  "playwright.config.cjs",
];

/** `playwright.config.*` in `dir`, or undefined. */
export function findPlaywrightConfig(dir: string): string | undefined {
  for (const name of PLAYWRIGHT_CONFIG_NAMES) {
    const file = path.join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

export interface InstalledPlaywright {
  /** `@playwright/test`'s cli.js: what `npx playwright` runs. */
  cli: string;
  version: string;
}

/**
 * The project's own `@playwright/test`, resolved from the config's folder the way Node resolves
 * the config's own `import "@playwright/test"`. Perceo runs that one and carries no copy of its own.
 */
export function findInstalledPlaywright(configFile: string): InstalledPlaywright {
  const from = createRequire(path.join(path.dirname(configFile), "noop.js"));
  let manifest: string;
  try {
    manifest = from.resolve("@playwright/test/package.json");
  } catch {
    throw new PlaywrightSetupError(
      `${configFile} is a Playwright config, but @playwright/test is not installed where it can import it. ` +
        "Fix: run `npm install --save-dev @playwright/test` in that project (and `npm ci` in CI before Perceo runs).",
    );
  }
  const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string };
  return { cli: path.join(path.dirname(manifest), "cli.js"), version };
}
