import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { exampleRepository } from "../../cli/testing.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

/**
 * A Playwright project in a temp folder whose `node_modules` is the repository's, so the project's
 * own `@playwright/test` resolves as it would in a user's checkout. `files` are written as given.
 */
export async function playwrightProject(
  files: Record<string, string>,
  options: { installed?: boolean } = {},
): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "perceo-pw-"));
  if (options.installed !== false)
    await symlink(path.join(repoRoot, "node_modules"), path.join(root, "node_modules"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
  return root;
}

/** A config for `playwrightProject`: tests in tests/, Debian's chromium (PERCEO_BROWSER_PATH), baseURL as given. */
export function minimalConfig(baseURL = "http://127.0.0.1:9"): string {
  return [
    'import { defineConfig } from "@playwright/test";',
    "export default defineConfig({",
    '  testDir: "tests",',
    '  outputDir: "test-results",',
    `  use: { baseURL: ${JSON.stringify(baseURL)}, launchOptions: { executablePath: process.env.PERCEO_BROWSER_PATH, args: ["--no-sandbox"] } },`,
    "});",
    "",
  ].join("\n");
}

/**
 * The example shop and its Playwright suite (examples/shop, examples/shop-playwright) in a fresh git
 * repository, committed once on `main`; `shared/` and `node_modules` are links to the repository's,
 * which the suite's config and the shop import.
 */
export async function shopSuiteRepository(prefix: string) {
  const { repo, git } = await exampleRepository(
    prefix,
    ["examples/shop", "examples/shop-playwright"],
    async (dir) => {
      await symlink(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
      await symlink(path.join(repoRoot, "shared"), path.join(dir, "shared"));
      await writeFile(
        path.join(dir, ".gitignore"),
        "node_modules\nshared\ntest-results\nplaywright-report\nperceo-report\n",
      );
    },
  );
  return { repo, suiteDir: path.join(repo, "examples/shop-playwright"), git };
}

/** A TCP port free on 127.0.0.1 right now (for the example config's SHOP_PORT). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
