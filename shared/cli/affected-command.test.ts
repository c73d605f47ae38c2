import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Selection } from "../observer/index.ts";
import { openPostgresStore } from "../store/index.ts";
import { commandAffected } from "./affected-command.ts";
import { EXIT } from "./cli-io.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");

function capture() {
  const chunks: string[] = [];
  return { out: { write: (chunk: string) => void chunks.push(chunk) }, text: () => chunks.join("") };
}

let cacheHome: string;
async function affected(args: string[], cwd: string, env: NodeJS.ProcessEnv = { XDG_CACHE_HOME: cacheHome }) {
  const stdout = capture();
  const stderr = capture();
  const code = await commandAffected(args, { stdout: stdout.out, stderr: stderr.out, cwd, env });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

// A clone-like repository: the example shop committed, then one edit to its copy committed on top.
let repo: string;
let shop: string;
beforeAll(async () => {
  cacheHome = await mkdtemp(path.join(tmpdir(), "perceo-affected-cache-"));
  repo = await mkdtemp(path.join(tmpdir(), "perceo-affected-"));
  shop = path.join(repo, "examples/shop");
  await mkdir(path.dirname(shop), { recursive: true });
  await cp(path.join(repoRoot, "examples/shop"), shop, {
    recursive: true,
    filter: (src) => !/(perceo-report|\.perceo\/data|\.perceo\/blobs)/.test(src),
  });
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: repo });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "shop");
  const copy = path.join(shop, "src/copy.ts");
  await writeFile(
    copy,
    (await readFile(copy, "utf8")).replace('addToCart: "Add to cart"', 'addToCart: "Add to bag"'),
  );
  git("commit", "-qam", "Rename the Add to cart button");
});

describe("perceo affected", () => {
  it("prints the flows an edited shop file affects, each with the chain from the changed line to its route", async () => {
    const result = await affected(["--dir", "examples/shop", "--base", "HEAD~1", "--head", "HEAD"], repo);
    expect(result).toMatchObject({ code: EXIT.passed, stderr: "" });
    const out = result.stdout;
    expect(out).toMatch(/^5 of 17 flows affected by 1 changed file \(HEAD~1\.\.\.HEAD\)/);
    for (const flow of [
      "add-to-cart",
      "cart-update",
      "checkout",
      "checkout-validation",
      "mobile-add-to-cart",
    ])
      expect(out).toMatch(new RegExp(`✓ ${flow} \\[\\w+\\]  risk \\d+%`));
    expect(out).toContain(
      "examples/shop/src/copy.ts#defaultCopy.addToCart → .addToCart → examples/shop/src/components/add-to-cart-button.ts#renderAddToCart",
    );
    expect(out).toContain("⇒ route /products/:slug (examples/shop/src/routes.ts:");
    expect(out).toMatch(/Not affected: .*login/);
  });

  it("--json prints the whole selection, and the working tree is the default head", async () => {
    const result = await affected(["--base", "HEAD~1", "--json"], shop);
    const selection = JSON.parse(result.stdout) as Selection;
    expect(selection.selected).toContain("checkout");
    const reason = selection.flows.find((f) => f.flow === "checkout")?.reasons.find((r) => r.route);
    expect(reason).toMatchObject({
      signal: "imports",
      file: "examples/shop/src/copy.ts",
      route: "/products/:slug",
    });
    expect(reason?.lines?.[0]?.start).toBeGreaterThan(1);
  });

  it("a second run takes unchanged modules from the parse cache and selects the same, with the same reasons", async () => {
    const env = { XDG_CACHE_HOME: await mkdtemp(path.join(tmpdir(), "perceo-affected-cache-")) };
    const first = JSON.parse((await affected(["--base", "HEAD~1", "--json"], shop, env)).stdout) as Selection;
    const cached = await readdir(path.join(env.XDG_CACHE_HOME, "perceo", "facts"));
    expect(cached).toHaveLength(1);
    const second = JSON.parse(
      (await affected(["--base", "HEAD~1", "--json"], shop, env)).stdout,
    ) as Selection;
    expect(second.flows).toEqual(first.flows);
    expect(second.stats.modulesInGraph).toBe(first.stats.modulesInGraph);
  });

  it("--record keeps each selected flow's risk as a prediction for the head commit", async () => {
    const storeDir = await mkdtemp(path.join(tmpdir(), "perceo-affected-store-"));
    const result = await affected(
      ["--dir", shop, "--base", "HEAD~1", "--head", "HEAD", "--record"],
      storeDir,
      { XDG_CACHE_HOME: cacheHome, GITHUB_REF: "refs/pull/42/merge" },
    );
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: repo, encoding: "utf8" }).trim();
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain(`Recorded 5 predictions for ${head.slice(0, 7)}\n`);
    const store = await openPostgresStore({ env: {}, cwd: storeDir });
    try {
      const project = await store.getProject("shop");
      const predictions = await store.listPredictions(project?.id as string, head);
      expect(predictions.map((p) => p.flowName)).toEqual([
        "add-to-cart",
        "cart-update",
        "checkout",
        "checkout-validation",
        "mobile-add-to-cart",
      ]);
      for (const p of predictions) {
        expect(p).toMatchObject({ prNumber: 42, headSha: head, source: "rules", actualResult: null });
        expect(p.probability).toBeGreaterThan(0);
        expect(p.probability).toBeLessThan(1);
        expect(p.reasoning).toContain("src/copy.ts");
      }
    } finally {
      await store.close();
    }
  }, 60_000);

  it("outside a git repository it is a usage error with what to do", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "perceo-nogit-"));
    await expect(affected(["--base", "main"], dir)).rejects.toThrow(/not inside a git repository/);
  });
});
