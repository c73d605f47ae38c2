import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/index.ts";
import { AiCache, loadAiCache, pageFingerprint, saveAiCache } from "./ai-cache.ts";
import { checkProposal } from "./ai-step.ts";

const SNAPSHOT = `- banner:
  - link "Cart 0":
    - /url: /cart
- main:
  - heading "All products" [level=1]
  - paragraph: 13 products
  - button "Add to cart"`;

describe("pageFingerprint", () => {
  it("ignores counters, prices, prose and URLs, and changes when a control is renamed", () => {
    const same = SNAPSHOT.replace("Cart 0", "Cart 3")
      .replace("13 products", "12 products")
      .replace("/cart", "/basket");
    expect(pageFingerprint(same)).toBe(pageFingerprint(SNAPSHOT));
    expect(pageFingerprint(SNAPSHOT.replace("Add to cart", "Buy now"))).not.toBe(pageFingerprint(SNAPSHOT));
  });
});

describe("the ai cache", () => {
  const resolution = {
    flow: "cart",
    step: "add a lamp",
    fingerprint: "aaaa",
    steps: [{ click: { role: "button" as const, name: "Add to cart" } }],
  };

  it("finds the resolution made on the same page, else the stale one for the same words", () => {
    const cache = new AiCache([resolution]);
    expect(cache.lookup("cart", "add a lamp", undefined, "aaaa").match).toBe(resolution);
    expect(cache.lookup("cart", "add a lamp", undefined, "bbbb")).toEqual({ stale: resolution });
    expect(cache.lookup("cart", "add a lamp", "one lamp in the cart", "aaaa")).toEqual({});
    expect(cache.lookup("checkout", "add a lamp", undefined, "aaaa")).toEqual({});
  });

  it("round-trips through .perceo/ai-cache.json, sorted, written only when it changed", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "perceo-ai-cache-"));
    await mkdir(path.join(root, ".perceo"));
    const cache = new AiCache();
    expect(await saveAiCache(root, cache)).toBe(false);
    cache.store({ ...resolution, flow: "zebra" });
    cache.store(resolution);
    expect(await saveAiCache(root, cache)).toBe(true);
    const text = await readFile(path.join(root, ".perceo/ai-cache.json"), "utf8");
    expect(JSON.parse(text).resolutions.map((r: { flow: string }) => r.flow)).toEqual(["cart", "zebra"]);
    expect((await loadAiCache(root)).resolutions).toEqual([resolution, { ...resolution, flow: "zebra" }]);
  });

  it("a cached step that is not a valid step is a config error naming the file, the flow and the fix", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "perceo-ai-cache-"));
    await mkdir(path.join(root, ".perceo"));
    const bad = { ...resolution, steps: [{ clik: { role: "button", name: "Buy" } }] };
    await writeFile(
      path.join(root, ".perceo/ai-cache.json"),
      JSON.stringify({ version: 1, resolutions: [bad] }),
    );
    const error = await loadAiCache(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(
      '.perceo/ai-cache.json:1:1 flow cart, ai "add a lamp", step 1: unknown step "clik" — did you mean "click"?; delete the entry',
    );
  });
});

describe("checkProposal", () => {
  const base = "http://127.0.0.1:4000/shop";

  it("lets through steps of the schema that stay under the base URL", () => {
    const steps = [{ goto: "/cart" }, { goto: "http://127.0.0.1:4000/shop/checkout" }, { click: "Buy" }];
    expect(checkProposal(steps, base)).toEqual({ steps, problems: [] });
  });

  it("refuses other origins, other folders, screenshots, env values, ai steps and what the schema does not know", () => {
    const { steps, problems } = checkProposal(
      [
        { goto: "http://127.0.0.1:4001/shop" },
        { goto: "http://127.0.0.1:4000/admin" },
        { screenshot: "x" },
        { fill: { label: "Search", value: "{{ env.ANTHROPIC_API_KEY }}" } },
        { ai: "do it" },
        { click: { role: "buton", name: "Buy" } },
      ],
      base,
    );
    expect(steps).toEqual([]);
    expect(problems).toEqual([
      "step 1: goto http://127.0.0.1:4001/shop leaves the app at http://127.0.0.1:4000/shop; ai steps stay on it",
      "step 2: goto http://127.0.0.1:4000/admin leaves the app at http://127.0.0.1:4000/shop; ai steps stay on it",
      "step 3: screenshots are the flow file's own steps, not part of a resolution",
      "step 4: {{env.…}} values are not allowed in a resolution",
      "step 5: a resolved step is concrete (goto, click, fill, expect, …), not another ai step",
      expect.stringMatching(/^step 6: .*"buton".*did you mean "button"/),
    ]);
  });
});
