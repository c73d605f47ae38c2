import { defineConfig, devices } from "@playwright/test";
import { CHROMIUM_ARGS, findBrowser } from "../../shared/runner/browser.ts";

// The example shop (../shop) on its own port; SHOP_PORT lets tests run several copies at once.
const port = Number(process.env.SHOP_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;

// `npx playwright install` cannot run everywhere (Debian's chromium is what this machine has): the
// browser is found the way Perceo finds it, PERCEO_BROWSER_PATH first.
const browser = await findBrowser();

export default defineConfig({
  testDir: "tests",
  outputDir: "test-results",
  fullyParallel: true,
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? "dot" : "list",
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: { executablePath: browser.executablePath, args: CHROMIUM_ARGS },
  },
  expect: { toHaveScreenshot: { maxDiffPixelRatio: 0.01 } },
  projects: [{ name: "desktop", use: { ...devices["Desktop Chrome"] } }],
  webServer: {
    command: "node ../shop/server.ts",
    url: baseURL,
    env: { PORT: String(port) },
    reuseExistingServer: !process.env.CI,
  },
});
