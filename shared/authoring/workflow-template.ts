import type { DetectedProject } from "./detect-project.ts";

export interface WorkflowOptions {
  project: DetectedProject;
  baseUrl: string;
  /** The project's folder relative to the repository root ("" for the root). */
  projectDir: string;
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "0.0.0.0"]);

/**
 * `.github/workflows/perceo.yml` for a project `perceo init` detected: install, start the app with
 * its dev command and wait for it (when the base URL is on the runner itself), install Chromium,
 * keep the embedded store between runs with actions/cache, and run the affected flows (every flow
 * on pushes, which renews the baselines).
 */
export function renderWorkflow(options: WorkflowOptions): string {
  const { project, projectDir } = options;
  const local = LOCAL_HOSTS.has(new URL(options.baseUrl).hostname);
  // On the runner the app starts with its dev command, so it listens where that command says.
  const baseUrl = local ? withPort(options.baseUrl, project.port) : options.baseUrl;
  const store = projectDir ? `${projectDir}/.perceo` : ".perceo";
  const storeKey = `perceo-store-\${{ github.ref_name }}-\${{ github.run_id }}-\${{ github.run_attempt }}`;
  const app = [
    ...setupSteps(project, projectDir),
    ...(project.installCommand && local
      ? [`      - run: ${project.installCommand}`, ...workingDirectory(projectDir)]
      : []),
    ...(local
      ? [
          "      - name: Start the app",
          ...workingDirectory(projectDir),
          `        run: | # port ${project.port}, from ${project.devCommandSource}`,
          `          ${project.devCommand} &`,
          `          npx --yes wait-on --timeout 120000 ${baseUrl}`,
        ]
      : []),
  ];
  return `# Written by \`perceo init\`. Runs the flows each pull request affects and compares their
# screenshots with the baselines pushes to the default branch record (kept in Perceo's embedded
# database, carried between runs by actions/cache).
name: Perceo

on:
  pull_request:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read
  checks: write # the Perceo / Flows check run

concurrency:
  group: perceo-\${{ github.ref }}
  cancel-in-progress: true

jobs:
  flows:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4
${app.map((line) => `${line}\n`).join("")}      - name: Install Chromium
        run: npx --yes playwright-core@1 install --with-deps chromium
      - name: Restore Perceo's store
        uses: actions/cache/restore@v4
        with:
          path: |
            ${store}/data
            ${store}/blobs
          key: ${storeKey}
          restore-keys: |
            perceo-store-\${{ github.base_ref || github.ref_name }}-
            perceo-store-\${{ github.event.repository.default_branch }}-
      - uses: perceo/action@v1
        id: perceo
        with:
          base-url: ${baseUrl}
${projectDir ? `          config: ${projectDir}\n` : ""}          flows: \${{ github.event_name == 'push' && 'all' || 'affected' }}
      - name: Save Perceo's store
        if: always() && github.event_name == 'push' && (steps.perceo.outcome == 'success' || steps.perceo.outcome == 'failure')
        uses: actions/cache/save@v4
        with:
          path: |
            ${store}/data
            ${store}/blobs
          key: ${storeKey}
`;
}

function workingDirectory(projectDir: string): string[] {
  return projectDir ? [`        working-directory: ${projectDir}`] : [];
}

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  return parsed.href.replace(/\/$/, "");
}

function setupSteps(project: DetectedProject, projectDir: string): string[] {
  // setup-node's dependency cache needs the lockfile; without one there is nothing to key it on.
  const cache =
    project.lockfile && project.packageManager !== "bun"
      ? [
          `          cache: ${project.packageManager}`,
          ...(projectDir ? [`          cache-dependency-path: ${projectDir}/${project.lockfile}`] : []),
        ]
      : [];
  const node = [
    "      - uses: actions/setup-node@v4",
    "        with:",
    "          node-version: 24",
    ...cache,
  ];
  if (project.packageManager === "pnpm") return ["      - uses: pnpm/action-setup@v4", ...node];
  if (project.packageManager === "bun") return [...node, "      - uses: oven-sh/setup-bun@v2"];
  return node;
}
