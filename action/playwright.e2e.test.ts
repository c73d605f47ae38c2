import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { freePort, shopSuiteRepository } from "../shared/playwright/testing/playwright-project.ts";
import { openPostgresStore } from "../shared/store/index.ts";
import {
  copyBundledAction,
  pullRequestPayload,
  pushPayload,
  REPOSITORY,
  runBundledAction,
} from "./testing/action-harness.ts";
import { type LocalArtifactService, startArtifactService } from "./testing/artifact-service.ts";
import type { ExpectedRequest } from "./testing/github-edge.ts";

const repoRoot = path.resolve(import.meta.dirname, "..");
const CHECK_RUN: ExpectedRequest = {
  method: "POST",
  origin: "https://api.github.com",
  path: `/repos/${REPOSITORY}/check-runs`,
  authorization: "Bearer ghs_test_token",
  status: 201,
  reply: { id: 77 },
};

// The bundled Action on a pull request of a repository whose only flows are a Playwright suite
// (examples/shop-playwright, against examples/shop): it selects the tests the change reaches, runs
// exactly those with the repository's own Playwright, and reports them like flows.
describe("the Action runs the Playwright tests a pull request affects", () => {
  let run: Awaited<ReturnType<typeof runBundledAction>>;
  let workspace: string;
  let artifactFiles: number;
  beforeAll(async () => {
    const repo = await shopSuiteRepository("perceo-action-pw-");
    repo.git("checkout", "-q", "-b", "feature");
    const cart = path.join(repo.repo, "examples/shop/src/state/cart.ts");
    await writeFile(
      cart,
      (await readFile(cart, "utf8")).replace("SHIPPING_CENTS = 800", "SHIPPING_CENTS = 900"),
    );
    // A new spec whose test loses a race on its first attempt.
    await writeFile(
      path.join(repo.suiteDir, "tests/flaky.spec.ts"),
      'import { expect, test } from "@playwright/test";\ntest("the home page settles", async ({ page }, testInfo) => {\n  await page.goto("/");\n  expect(testInfo.retry).toBeGreaterThan(0);\n});\n',
    );
    repo.git("add", "-A");
    repo.git("commit", "-qm", "Shipping costs $9; a new test");
    const featureSha = repo.git("rev-parse", "HEAD").trim();
    const mainSha = repo.git("rev-parse", "main").trim();
    repo.git("checkout", "-q", "main");
    // actions/checkout: a shallow clone of the head; then `npm ci` would bring node_modules.
    workspace = path.join(repo.repo, "..", `${path.basename(repo.repo)}-workspace`);
    execFileSync("git", [
      "clone",
      "-q",
      "--depth=1",
      "--branch",
      "feature",
      `file://${repo.repo}`,
      workspace,
    ]);
    await symlink(path.join(repoRoot, "node_modules"), path.join(workspace, "node_modules"));
    await symlink(path.join(repoRoot, "shared"), path.join(workspace, "shared"));
    const artifacts = await startArtifactService();
    try {
      run = await runBundledAction(await copyBundledAction(), {
        workspace,
        eventName: "pull_request",
        payload: pullRequestPayload(
          { origin: repo.repo, mainSha, featureSha, copyLogicSha: featureSha, root: repo.repo },
          { head: { ref: "feature", sha: featureSha } },
        ),
        sha: featureSha,
        ref: "refs/pull/2/merge",
        inputs: { config: "examples/shop-playwright" },
        env: { ...artifacts.env, CI: "true", SHOP_PORT: String(await freePort()) },
        github: [CHECK_RUN],
      });
    } finally {
      await artifacts.close();
    }
    artifactFiles = Number(/\((\d+) files/.exec(run.summary)?.[1] ?? 0);
  }, 240_000);

  it("selects the tests the change reaches, not the whole suite", () => {
    const affected = JSON.parse(run.outputs["affected-flows"] ?? "[]") as string[];
    expect(affected).toEqual(
      expect.arrayContaining([
        "cart--changing-a-quantity-then-removing-the-item",
        "checkout--a-guest-buys-a-lamp",
        "flaky--the-home-page-settles",
      ]),
    );
    expect(affected).not.toContain("catalog--search-finds-the-lamp");
    expect(affected.length).toBeLessThan(10);
    expect(run.log).toContain(`Perceo: ${affected.length} of 20 flows affected by 2 changed files`);
  });

  it("runs only those through the repository's Playwright and reports failures and the flaky test", () => {
    const affected = JSON.parse(run.outputs["affected-flows"] ?? "[]") as string[];
    const { passed, failed, flaky } = run.outputs;
    expect(Number(passed) + Number(failed) + Number(flaky)).toBe(affected.length);
    expect(Number(failed)).toBeGreaterThanOrEqual(2);
    expect(flaky).toBe("1");
    expect(run.exitCode).toBe(1);
    expect(run.log).toMatch(/::error::\d+ flows failed: .*cart--changing-a-quantity-then-removing-the-item/);
  });

  it("writes the Perceo / Flows check run with annotations at the failing spec lines", () => {
    expect(run.github.unexpected).toEqual([]);
    const body = run.github.received.find((r) => r.path === CHECK_RUN.path)?.body as {
      conclusion: string;
      output: { annotations?: Array<{ path: string; start_line: number; message: string }> };
    };
    expect(body.conclusion).toBe("failure");
    expect(body.output.annotations).toContainEqual(
      expect.objectContaining({
        path: "examples/shop-playwright/tests/cart.spec.ts",
        title: 'cart--changing-a-quantity-then-removing-the-item: Expect "toHaveText"',
      }),
    );
  });

  it("keeps Playwright's HTML report in the uploaded artifact", () => {
    expect(existsSync(path.join(workspace, "perceo-report/playwright-report/index.html"))).toBe(true);
    expect(artifactFiles).toBeGreaterThan(3);
    expect(run.summary).toContain("flaky--the-home-page-settles");
  });
});

// As a YAML flow's screenshot steps do (action.e2e.test.ts, "records a default-branch push and its
// baselines"), a push to main makes a Playwright test's pictures the baselines in the embedded store.
describe("a default-branch push of a Playwright suite", () => {
  const LOOKS = "looks--the-about-page-looks-as-it-did";
  const CART = "cart--two-armchairs-land-in-the-cart";
  let run: Awaited<ReturnType<typeof runBundledAction>>;
  let workspace: string;
  let mainSha: string;
  let artifacts: LocalArtifactService;
  beforeAll(async () => {
    const repo = await shopSuiteRepository("perceo-action-pw-push-");
    // A suite that writes missing snapshots passes toHaveScreenshot's first run, with the picture attached.
    const config = path.join(repo.suiteDir, "playwright.config.ts");
    await writeFile(
      config,
      (await readFile(config, "utf8")).replace(
        "fullyParallel: true,",
        'fullyParallel: true,\n  updateSnapshots: "missing",',
      ),
    );
    await writeFile(
      path.join(repo.suiteDir, "tests/looks.spec.ts"),
      'import { expect, test } from "@playwright/test";\ntest("the about page looks as it did", async ({ page }) => {\n  await page.goto("/about");\n  await expect(page).toHaveScreenshot("about.png");\n});\n',
    );
    repo.git("add", "-A");
    repo.git("commit", "-qm", "A screenshot test");
    mainSha = repo.git("rev-parse", "HEAD").trim();
    workspace = path.join(repo.repo, "..", `${path.basename(repo.repo)}-push`);
    execFileSync("git", ["clone", "-q", "--depth=1", "--branch", "main", `file://${repo.repo}`, workspace]);
    await symlink(path.join(repoRoot, "node_modules"), path.join(workspace, "node_modules"));
    await symlink(path.join(repoRoot, "shared"), path.join(workspace, "shared"));
    artifacts = await startArtifactService();
    run = await runBundledAction(await copyBundledAction(), {
      workspace,
      eventName: "push",
      payload: pushPayload({
        origin: repo.repo,
        mainSha,
        featureSha: mainSha,
        copyLogicSha: mainSha,
        root: repo.repo,
      }),
      sha: mainSha,
      ref: "refs/heads/main",
      inputs: { config: "examples/shop-playwright", flows: `${CART},${LOOKS}` },
      env: { ...artifacts.env, CI: "true", SHOP_PORT: String(await freePort()) },
      github: [CHECK_RUN],
    }).finally(() => artifacts.close());
  }, 240_000);

  it("stores a testInfo.attach PNG and toHaveScreenshot's picture and makes them the baselines of their test and step", async () => {
    expect(run.log.match(/::error::.*/)?.[0], run.log).toBeUndefined();
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ passed: "2", failed: "0" });
    expect(run.summary).toContain(
      "Stored in the embedded database in .perceo/data as run gh-4242-1-shard-1-of-1. 2 screenshots became baselines.",
    );
    const store = await openPostgresStore({ env: {}, cwd: workspace });
    try {
      const project = await store.getProject(REPOSITORY);
      for (const [flowName, stepName] of [
        [CART, "cart"],
        [LOOKS, "about"],
      ] as const) {
        const baseline = await store.resolveBaseline({
          projectId: project?.id ?? "",
          flowName,
          stepName,
          viewport: { width: 1280, height: 720 },
          mergeBaseSha: mainSha,
        });
        expect(baseline, `${flowName} / ${stepName}`).toMatchObject({
          commitSha: mainSha,
          branch: "main",
          fromMergeBase: true,
        });
        const picture = Buffer.from(
          (await store.blobs.get("screenshots", baseline?.storagePath ?? "")) ?? [],
        );
        expect(picture.toString("latin1", 1, 4), `${flowName} / ${stepName}`).toBe("PNG");
      }
    } finally {
      await store.close();
    }
  });

  it("uploads Playwright's HTML report inside the artifact, beside the screenshots", () => {
    const [artifact] = artifacts.finalized;
    expect(artifacts.entries(artifact?.name ?? "none")).toEqual(
      expect.arrayContaining([
        "index.html",
        "playwright-report/index.html",
        `screenshots/${CART}/attempt-1/cart.png`,
      ]),
    );
  });
});
