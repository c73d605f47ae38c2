import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningShop, startShop } from "../../examples/shop/server.ts";
import { claudeToolUse } from "../llm/testing/index.ts";
import { EXIT, main } from "./main.ts";
import { capturedIo } from "./testing.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const committedCache = path.join(repoRoot, "examples/shop-ai/.perceo/ai-cache.json");

let shop: RunningShop;
beforeAll(async () => {
  shop = await startShop();
});
afterAll(async () => {
  await shop.close();
});
beforeEach(() => {
  // The shop is on loopback; nothing may reach Anthropic unless a test mocks it.
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** examples/shop-ai (the shop's flow written in words) in a temp folder, so runs can write its cache. */
async function shopAiCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "perceo-shop-ai-"));
  await cp(path.join(repoRoot, "examples/shop-ai"), dir, { recursive: true });
  return dir;
}

async function perceo(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const captured = capturedIo(cwd, env);
  const code = await main(args, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

const runArgs = (dir: string) => [
  ...["run", "--dir", dir, "--base-url", shop.url],
  ...["--retries", "0", "--no-record", "--report", path.join(dir, "report")],
];

describe("the shop's ai flow", () => {
  it("passes from its committed cache with no key, and leaves the cache as it was", async () => {
    const dir = await shopAiCopy();
    const result = await perceo(runArgs(dir), dir);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(EXIT.passed);
    expect(result.stdout).toContain("✓ cheapest-lamp");
    expect(result.stdout).toContain("ai steps: 1 replayed\n");
    expect(await readFile(path.join(dir, ".perceo/ai-cache.json"), "utf8")).toBe(
      await readFile(committedCache, "utf8"),
    );
  }, 60_000);

  it("passes with Claude and no cache, and writes the resolution the repository commits", async () => {
    const dir = await shopAiCopy();
    await rm(path.join(dir, ".perceo/ai-cache.json"));
    const steps = [
      { click: { role: "link", name: "Aurora Table Lamp" } },
      { click: { role: "button", name: "Add to cart" } },
      { expect: { element: { testId: "cart-count" }, text: "1" } },
    ];
    const scope = nock("https://api.anthropic.com", { reqheaders: { "x-api-key": "sk-test" } })
      .post("/v1/messages")
      .reply(200, claudeToolUse("perceo_steps", { steps }));
    const result = await perceo(runArgs(dir), dir, { ANTHROPIC_API_KEY: "sk-test" });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(EXIT.passed);
    expect(scope.pendingMocks()).toStrictEqual([]);
    expect(result.stdout).toContain(
      "ai steps: 1 resolved by Claude; .perceo/ai-cache.json updated (commit it: CI replays it without a key)",
    );
    expect(await readFile(path.join(dir, ".perceo/ai-cache.json"), "utf8")).toBe(
      await readFile(committedCache, "utf8"),
    );
    const report = await readFile(path.join(dir, "report/index.html"), "utf8");
    expect(report).toContain("resolved by Claude (not resolved before; 1 answer, 15 tokens)");
  }, 60_000);

  it("perceo flows resolve keeps a resolution that still replays and drops the ones no step asks for", async () => {
    const dir = await shopAiCopy();
    const file = path.join(dir, ".perceo/ai-cache.json");
    const cache = JSON.parse(await readFile(file, "utf8"));
    cache.resolutions.push({ ...cache.resolutions[0], step: "add the dearest lamp to the cart" });
    await writeFile(file, JSON.stringify(cache));
    // A key is set, yet no request is mocked: a replay that works needs no Claude.
    const result = await perceo(["flows", "resolve", "--dir", dir, "--base-url", shop.url], dir, {
      ANTHROPIC_API_KEY: "sk-test",
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(EXIT.passed);
    expect(result.stdout).toContain("Dropped 1 resolution no ai step asks for.");
    expect(result.stdout).toContain("ai steps: 1 replayed; .perceo/ai-cache.json updated");
    expect(await readFile(file, "utf8")).toBe(await readFile(committedCache, "utf8"));
  }, 60_000);

  it("perceo flows resolve without a key says why it needs one", async () => {
    const dir = await shopAiCopy();
    const result = await perceo(["flows", "resolve", "--dir", dir], dir);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain(
      "perceo: perceo flows resolve needs ANTHROPIC_API_KEY: Claude resolves the ai steps, and .perceo/ai-cache.json keeps what it found so runs without the key replay it",
    );
  });
});
