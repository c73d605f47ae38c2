import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningShop, startShop } from "../../examples/shop/server.ts";
import { BrowserPool } from "../capture/index.ts";
import { loadProject } from "../config/index.ts";
import { launchBrowser, runFlows } from "../runner/index.ts";
import { initProject, type RoutePlan } from "./init-project.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");

// One browser for the file: init opens pages in it through the capture pool, and the flows run in it.
let browser: Browser;
let pool: BrowserPool;
let shop: RunningShop;
let site: { url: string; underFolder: string; servers: Server[] };

beforeAll(async () => {
  browser = await launchBrowser();
  pool = new BrowserPool({ concurrency: 3, launch: async () => browser });
  shop = await startShop();
  site = await serveStaticSite();
});

afterAll(async () => {
  await shop.close();
  for (const server of site.servers) await new Promise((resolve) => server.close(resolve));
  await browser.close();
});

/** The example shop's code without its .perceo/: a project nobody has written flows for yet. */
async function shopWithoutFlows(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "perceo-init-shop-"));
  await cp(path.join(repoRoot, "examples/shop"), root, {
    recursive: true,
    filter: (src) => !/(\.perceo|perceo-report)(\/|$)/.test(src),
  });
  await writeFile(
    path.join(root, "package.json"),
    JSON.stringify({ name: "@acme/shop", private: true, scripts: { start: "node server.ts" } }),
  );
  await writeFile(path.join(root, "package-lock.json"), "{}");
  return root;
}

async function runAll(root: string, baseUrl: string) {
  const project = await loadProject(root, { cwd: root });
  const run = await runFlows({
    project: project.config.project,
    baseUrl,
    flows: project.flows,
    browser,
    outputDir: path.join(root, "perceo-report"),
    settings: { retries: 0, workers: 2 },
  });
  return { project, run };
}

const byPattern = (routes: RoutePlan[], pattern: string) => routes.find((r) => r.pattern === pattern);

describe("perceo init", () => {
  it("writes starter flows for the shop's pages that validate and pass, with the config and the workflow", async () => {
    const root = await shopWithoutFlows();
    const result = await initProject({ root, baseUrl: shop.url, pool });

    expect(result.project).toMatchObject({
      name: "shop",
      kind: "node-server",
      devCommand: "npm start",
      port: 3000,
      installCommand: "npm ci",
    });
    expect(byPattern(result.routes, "/")).toMatchObject({
      outcome: "written",
      flow: "home",
      file: ".perceo/flows/home.yml",
      detail: 'heading "Light, wood and linen for slow evenings"',
    });
    // The parameter comes from a link on a page opened before.
    expect(byPattern(result.routes, "/products/:slug")).toMatchObject({
      outcome: "written",
      path: expect.stringMatching(/^\/products\/[a-z-]+$/),
    });
    expect(byPattern(result.routes, "/account")).toMatchObject({
      outcome: "skipped",
      detail: "redirects to /login?next=/account (signed-in page?)",
    });
    expect(byPattern(result.routes, "/cart/items")).toMatchObject({
      outcome: "skipped",
      detail: "answered 405",
    });
    expect(byPattern(result.routes, "/orders/:id")).toMatchObject({ outcome: "skipped" });

    const home = await readFile(path.join(root, ".perceo/flows/home.yml"), "utf8");
    expect(home).toContain(
      'expect: { visible: { role: heading, name: "Light, wood and linen for slow evenings", level: 1 } }',
    );
    expect(await readFile(path.join(root, ".perceo/config.yml"), "utf8")).toContain(`baseUrl: ${shop.url}`);
    const workflow = await readFile(path.join(root, ".github/workflows/perceo.yml"), "utf8");
    expect(workflow).toContain("      - run: npm ci\n");
    expect(workflow).toContain(
      "          npm start &\n          npx --yes wait-on --timeout 120000 http://127.0.0.1:3000\n",
    );
    expect(workflow).toContain("      - uses: perceo/action@v1");

    const written = result.routes.filter((r) => r.outcome === "written");
    expect(written.length).toBeGreaterThanOrEqual(9);
    const { project, run } = await runAll(root, shop.url);
    expect(project.flows.map((f) => f.name).sort()).toEqual(written.map((r) => r.flow).sort());
    expect(
      run.flows.filter((f) => f.status !== "passed").map((f) => f.attempts.at(-1)?.error?.message),
    ).toEqual([]);
    expect(run.flows.every((f) => f.attempts[0]?.screenshots.length === 1)).toBe(true);
  }, 90_000);

  it("on a static HTML site: a heading where there is one, the title where not, and a redirect to a private address is refused", async () => {
    const root = await staticSiteFolder();
    const result = await initProject({ root, baseUrl: site.url, pool });
    expect(result.project).toMatchObject({ kind: "static", devCommand: "npx --yes serve -l 3000 ." });
    expect(byPattern(result.routes, "/")).toMatchObject({
      outcome: "written",
      detail: 'heading "Field notes"',
    });
    expect(byPattern(result.routes, "/docs/guide.html")).toMatchObject({
      outcome: "written",
      detail: 'title "The guide" (no heading found)',
    });
    expect(byPattern(result.routes, "/moved.html")).toMatchObject({
      outcome: "skipped",
      detail: expect.stringMatching(/^Refused to capture .*169\.254\.169\.254.* is a linkLocal address/),
    });
    const guide = await readFile(path.join(root, ".perceo/flows/docs-guide.yml"), "utf8");
    expect(guide).toContain("- expect: { title: The guide }");
    const { run } = await runAll(root, site.url);
    expect(run.totals).toEqual({ passed: 2, failed: 0, flaky: 0, skipped: 0 });
  }, 60_000);

  it("an app served under a folder: `/` redirects into it, which becomes the base URL", async () => {
    const root = await staticSiteFolder();
    const result = await initProject({ root, baseUrl: site.underFolder, pool });
    expect(result.baseUrl).toBe(`${site.underFolder}/notes`);
    expect(byPattern(result.routes, "/")).toMatchObject({ outcome: "written", path: "/" });
    expect(await readFile(path.join(root, ".perceo/config.yml"), "utf8")).toContain(
      `baseUrl: ${site.underFolder}/notes\n`,
    );
    const { run } = await runAll(root, result.baseUrl);
    expect(run.totals.failed).toBe(0);
  }, 60_000);

  it("a second run adds only the routes no flow opens, and overwrites nothing", async () => {
    const root = await staticSiteFolder();
    await initProject({ root, baseUrl: site.url, pool });
    const home = path.join(root, ".perceo/flows/home.yml");
    await writeFile(home, `# my own edit\n${await readFile(home, "utf8")}`);
    await rm(path.join(root, ".perceo/flows/docs-guide.yml"));

    const again = await initProject({ root, baseUrl: site.url, pool });
    expect(again.written).toEqual([".perceo/flows/docs-guide.yml"]);
    expect(again.kept).toEqual([".perceo/config.yml", ".github/workflows/perceo.yml"]);
    expect(byPattern(again.routes, "/")).toMatchObject({ outcome: "covered", flow: "home" });
    expect(await readFile(home, "utf8")).toMatch(/^# my own edit\n/);
  }, 60_000);

  it("without a base URL it lists the routes and writes nothing", async () => {
    const root = await shopWithoutFlows();
    const result = await initProject({ root });
    expect(result.baseUrl).toBe("http://localhost:3000");
    expect(result.routes.map((r) => r.outcome)).toEqual(result.routes.map(() => "found"));
    expect(byPattern(result.routes, "/products")).toMatchObject({ source: "src/routes.ts:26" });
    expect(result.written).toEqual([]);
  });
});

const SITE: Record<string, string> = {
  "index.html":
    '<!doctype html><title>Field notes</title><main><h1>Field notes</h1><a href="docs/guide.html">Guide</a></main>',
  "docs/guide.html": "<!doctype html><title>The guide</title><p>No heading here, only words.</p>",
  "moved.html": "<!doctype html><title>Moved</title><h1>Moved</h1>",
};

/** A folder of HTML files, as a person would keep a static site. */
async function staticSiteFolder(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "perceo-init-static-"));
  for (const [file, text] of Object.entries(SITE)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

/**
 * The server a person would run for the site, with one page that redirects to the cloud metadata
 * address; on a second port the same site under /notes/, as a bundler with a base path serves it.
 */
async function serveStaticSite(): Promise<{ url: string; underFolder: string; servers: Server[] }> {
  const serve = (prefix: string) =>
    createServer((req, res) => {
      const pathname = new URL(req.url ?? "/", "http://x").pathname;
      if (prefix && !pathname.startsWith(`${prefix}/`)) {
        res.writeHead(302, { location: `${prefix}/` }).end();
        return;
      }
      const inner = pathname.slice(prefix.length);
      if (inner === "/moved.html") {
        res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
        return;
      }
      const text = SITE[inner === "/" ? "index.html" : inner.slice(1)];
      if (text === undefined) res.writeHead(404).end("not found");
      else res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(text);
    });
  const servers = [serve(""), serve("/notes")];
  const urls: string[] = [];
  for (const server of servers) {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  return { url: urls[0] as string, underFolder: urls[1] as string, servers };
}
