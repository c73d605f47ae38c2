import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningShop, startShop } from "../examples/shop/server.ts";
import { openPostgresStore } from "../shared/store/index.ts";
import { buildAction, DIST_DIR } from "./build.ts";
import {
  checkout,
  createShopRepository,
  parseOutputFile,
  pullRequestPayload,
  type ShopRepository,
} from "./testing/action-harness.ts";
import { startArtifactService } from "./testing/artifact-service.ts";

const exec = promisify(execFile);
const root = path.resolve(DIST_DIR, "..", "..");

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory()
        ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`)
        : [`${prefix}${entry.name}`],
    ),
  );
  return files.flat().sort();
}

describe("action/dist", () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), "perceo-dist-"));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("is what a fresh build makes (run npm run build:action and commit action/dist)", async () => {
    const fresh = path.join(scratch, "fresh");
    await buildAction(fresh);
    const files = await listFiles(fresh);
    expect(await listFiles(DIST_DIR)).toEqual(files);
    for (const file of files) {
      const [built, committed] = await Promise.all([
        readFile(path.join(fresh, file)),
        readFile(path.join(DIST_DIR, file)),
      ]);
      expect(built.equals(committed), `${file} differs from a fresh build`).toBe(true);
    }
  }, 60_000);

  it("carries the embedded database: PGlite's wasm and data that it reads, and the migrations, nothing else of the package", async () => {
    const files = await listFiles(DIST_DIR);
    const migrations = (await readdir(path.join(root, "supabase", "migrations"))).filter((file) =>
      file.endsWith(".sql"),
    );
    // PGlite's three files, and oxc's WebAssembly parser for runners without its native addon.
    expect(files.filter((file) => /\.(wasm|data)$/.test(file))).toEqual([
      "initdb.wasm",
      "native/parser.wasm32-wasip1.wasm",
      "pglite.data",
      "pglite.wasm",
    ]);
    expect(files.filter((file) => file.startsWith("migrations/"))).toEqual(
      migrations.sort().map((file) => `migrations/${file}`),
    );
    expect(files.filter((file) => /node_modules|\.map$|\.tar\.gz$|\.cjs$|\.d\.ts$/.test(file))).toEqual([]);
  });

  describe("run by node the way the runner does, without node_modules", () => {
    let repo: ShopRepository;
    let shop: RunningShop;
    beforeAll(async () => {
      [repo, shop] = await Promise.all([createShopRepository(), startShop()]);
    });
    afterAll(async () => {
      await shop?.close();
      if (repo) await rm(repo.root, { recursive: true, force: true });
    });

    /** Runs a copy of the action's files only: nothing can be resolved from this repository's node_modules. */
    async function runBundle(options: {
      name: string;
      fork: boolean;
      inputs: Record<string, string>;
      env?: Record<string, string>;
      /**
       * Leave oxc's native addons out of the copy, as on a runner they were not built for (`addons`),
       * or the whole native folder, WebAssembly parser included (`all`).
       */
      withoutNative?: "addons" | "all";
      /** The pull request's head branch; `feature` unless named. */
      branch?: "feature" | "copy-logic";
    }) {
      const dir = path.join(scratch, options.name);
      const actionDir = path.join(dir, "perceo-action");
      await cp(DIST_DIR, path.join(actionDir, "action", "dist"), {
        recursive: true,
        filter: (source) =>
          !(options.withoutNative === "all" && path.basename(source) === "native") &&
          !(options.withoutNative === "addons" && source.endsWith(".node")),
      });
      const branch = options.branch ?? "feature";
      const workspace = await checkout(repo, branch, options.name);
      const head = { ref: branch, sha: branch === "feature" ? repo.featureSha : repo.copyLogicSha };
      const eventPath = path.join(dir, "event.json");
      const outputFile = path.join(dir, "output");
      const summaryFile = path.join(dir, "summary");
      await writeFile(eventPath, JSON.stringify(pullRequestPayload(repo, { fork: options.fork, head })));
      await Promise.all([writeFile(outputFile, ""), writeFile(summaryFile, "")]);
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !/^(GITHUB_|INPUT_|ACTIONS_|RUNNER_)/.test(name)),
      );
      const { stdout } = await exec(process.execPath, [path.join(actionDir, "action", "dist", "index.js")], {
        cwd: workspace,
        env: {
          ...env,
          GITHUB_ACTIONS: "true",
          GITHUB_EVENT_NAME: "pull_request",
          GITHUB_EVENT_PATH: eventPath,
          GITHUB_REPOSITORY: "Codertocat/Hello-World",
          GITHUB_RUN_ID: "99",
          GITHUB_RUN_ATTEMPT: "2",
          GITHUB_WORKSPACE: workspace,
          GITHUB_OUTPUT: outputFile,
          GITHUB_STEP_SUMMARY: summaryFile,
          "INPUT_BASE-URL": shop.url,
          INPUT_FLOWS: "affected",
          INPUT_CONFIG: "examples/shop",
          INPUT_SHARD: "1/1",
          "INPUT_UPDATE-BASELINES": "auto",
          "INPUT_FAIL-ON": "failures",
          ...options.inputs,
          ...options.env,
        },
      });
      return {
        stdout,
        workspace,
        outputs: parseOutputFile(await readFile(outputFile, "utf8")),
        summary: await readFile(summaryFile, "utf8"),
      };
    }

    it("selects the affected flow with the observer from a shallow fork checkout, runs it in Chromium, and writes outputs and the job summary", async () => {
      const artifacts = await startArtifactService();
      const { stdout, outputs, summary } = await runBundle({
        name: "fork",
        fork: true,
        inputs: { "INPUT_GITHUB-TOKEN": "ghs_bundle_token" },
        env: artifacts.env,
      }).finally(() => artifacts.close());
      expect(stdout).not.toContain("::error::");
      // The bundled parser reads every module (the observer warns when modules could not be parsed).
      expect(stdout).not.toContain("could not be parsed");
      expect(outputs).toMatchObject({
        "affected-flows": '["not-found"]',
        passed: "1",
        failed: "0",
        "run-id": "gh-99-2-shard-1-of-1",
      });
      expect(summary).toContain("Not stored: this pull request comes from a fork");
      // The bundled @actions/artifact uploads the report, results included, through the service.
      expect(artifacts.finalized).toEqual([
        { name: "perceo-report-shard-1-of-1-attempt-2", size: expect.any(Number) },
      ]);
      expect(artifacts.finalized[0]?.size).toBeGreaterThan(1000);
      expect(summary).toContain(
        "the artifact [perceo-report-shard-1-of-1-attempt-2](https://github.com/Codertocat/Hello-World/actions/runs/99/artifacts/1) (4 files, with the results as run.json and results.json)",
      );
    }, 60_000);

    it("follows imports with the parser and resolver it carries: a copy member built by code selects the pages that render it", async () => {
      const { stdout, outputs } = await runBundle({
        name: "copy-logic",
        fork: true,
        branch: "copy-logic",
        inputs: { "INPUT_GITHUB-TOKEN": "" },
      });
      expect(stdout).not.toContain("::error::");
      expect(stdout).not.toContain("could not be parsed");
      expect(stdout).toContain("Perceo: 2 of 3 flows affected by 1 changed file");
      // The info pages footer-links visits show the not-found page for an unknown page.
      expect(outputs).toMatchObject({
        "affected-flows": '["footer-links","not-found"]',
        passed: "2",
        failed: "0",
      });
    }, 60_000);

    it("without oxc's native addons, follows imports with oxc's WebAssembly parser and a JavaScript resolver; with no backend, records the run in the embedded database it carries", async () => {
      const { stdout, outputs, summary, workspace } = await runBundle({
        name: "no-native",
        fork: false,
        withoutNative: "addons",
        branch: "copy-logic",
        inputs: { "INPUT_GITHUB-TOKEN": "" },
      });
      expect(stdout).not.toContain("::error::");
      expect(stdout).not.toContain("::warning::Perceo: all flows");
      expect(stdout).toMatch(
        /Perceo: oxc's .*parser\.linux-x64-gnu\.node did not load .*; the observer uses oxc's WebAssembly parser \(.*parser\.wasm32-wasip1\.wasm\) instead/,
      );
      expect(stdout).toContain("the observer uses a JavaScript resolver");
      // The same selection as with the native parser: the copy member is followed through imports.
      expect(stdout).not.toContain("could not be parsed");
      expect(outputs).toMatchObject({
        "affected-flows": '["footer-links","not-found"]',
        passed: "2",
        failed: "0",
      });
      expect(summary).toContain(
        "Stored in the embedded database in .perceo/data as run gh-99-2-shard-1-of-1.",
      );
      expect(summary).toContain("keep both between runs with actions/cache");
      // Created with the bundle's own initdb.wasm and migrations, then read back from the source.
      const store = await openPostgresStore({ env: {}, cwd: workspace });
      try {
        expect((await store.listRuns()).map((run) => [run.id, run.totals.passed])).toEqual([
          ["gh-99-2-shard-1-of-1", 2],
        ]);
      } finally {
        await store.close();
      }
    }, 90_000);

    it("without the WebAssembly parser either, starts, runs every flow instead of the affected ones and says why", async () => {
      const { stdout, outputs } = await runBundle({
        name: "no-parser",
        fork: false,
        withoutNative: "all",
        inputs: { "INPUT_GITHUB-TOKEN": "" },
      });
      expect(stdout).not.toContain("::error::");
      expect(stdout).toMatch(
        /::warning::Perceo: all flows: the observer cannot read imports here — oxc's .*parser\.linux-x64-gnu\.node did not load .*WebAssembly parser .* did not load either .*; run Perceo on ubuntu-latest to run only the affected flows/,
      );
      expect(outputs).toMatchObject({
        "affected-flows": '["footer-links","home-hero","not-found"]',
        passed: "3",
        failed: "0",
      });
    }, 90_000);
  });
});
