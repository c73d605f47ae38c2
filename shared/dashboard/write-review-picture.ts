/*
 * The README's picture of the review page, from the demo's own data in real Chromium:
 * `node shared/dashboard/write-review-picture.ts [docs/dashboard-review.png]`.
 * 1. the example shop's flows run and are approved on main (the baselines)
 * 2. the same flows run on a pull request whose stylesheet recolours the header
 * 3. the dashboard serves that pull request's review; Chromium takes its picture
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadProject } from "../config/index.ts";
import { launchBrowser, runFlows } from "../runner/index.ts";
import { openPostgresStore } from "../store/index.ts";
import { createDashboard, localViewer, pullRequestReviewPath } from "./index.ts";

const FLOWS = ["home-hero", "search", "login", "footer-links"];
const PR_NUMBER = 42;
const BASE_SHA = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
const HEAD_SHA = "9f8e7d6c5b4a39281706f5e4d3c2b1a098f7e6d5";
const HEADER_CHANGE = ".site-header { background: #0b3d2e; } .site-header a, .brand-name { color: #fff; }";

const out = path.resolve(process.argv[2] ?? "docs/dashboard-review.png");
const shopDir = path.resolve(import.meta.dirname, "../../examples/shop");
const { startShop } = (await import(
  path.join(shopDir, "server.ts")
)) as typeof import("../../examples/shop/server.ts");
const project = await loadProject(shopDir, { cwd: shopDir });
const flows = project.flows.filter((f) => FLOWS.includes(f.name));
const work = await mkdtemp(path.join(tmpdir(), "perceo-review-picture-"));
const store = await openPostgresStore({ env: {}, cwd: work });
const browser = await launchBrowser();
try {
  for (const side of ["base", "head"] as const) {
    const shop = await startShop(side === "head" ? { testChanges: { css: HEADER_CHANGE } } : {});
    const reportDir = path.join(work, side);
    try {
      const run = await runFlows({
        project: project.config.project,
        baseUrl: shop.url,
        flows,
        personas: project.personas,
        // Retries: a loaded machine's slow first attempt should not leave a flow without a baseline.
        settings: { ...project.config.runner, workers: 2, retries: 2 },
        outputDir: reportDir,
        browser,
      });
      const recorded = await store.recordRun(run, {
        reportDir,
        source: "ci",
        commitSha: side === "base" ? BASE_SHA : HEAD_SHA,
        branch: side === "base" ? "main" : "restyle-header",
        ...(side === "head" ? { prNumber: PR_NUMBER } : {}),
      });
      if (side === "base") await store.approveRunScreenshots(recorded.projectId, run.id, "perceo/action");
      process.stdout.write(`${side}: ${run.totals.passed} passed, ${run.totals.failed} failed\n`);
    } finally {
      await shop.close();
    }
  }
  const handle = createDashboard({ store, blobs: store.blobs, basePath: "", viewer: localViewer() });
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${origin}${pullRequestReviewPath("", project.config.project, PR_NUMBER)}`);
    await page.waitForLoadState("networkidle");
    await writeFile(out, await page.screenshot());
    process.stdout.write(`Wrote ${path.relative(process.cwd(), out)}\n`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
} finally {
  await browser.close();
  await store.close();
}
