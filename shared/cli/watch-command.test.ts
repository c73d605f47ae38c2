import { execFileSync, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningShop, startShop } from "../../examples/shop/server.ts";
import { EXIT, main } from "./main.ts";
import { capturedIo, shopRepository } from "./testing.ts";

let shop: RunningShop;
beforeAll(async () => {
  shop = await startShop();
});
afterAll(async () => {
  await shop.close();
});

async function until(read: () => string, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(read())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output so far:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return read();
}

/** Chromium processes this test process started (the watch's browser). */
function browsers(): string[] {
  try {
    return execFileSync("ps", ["-o", "comm=", "--ppid", String(process.pid)], { encoding: "utf8" })
      .split("\n")
      .filter((name) => /chrom/i.test(name));
  } catch {
    return []; // ps exits 1 when there is no child at all
  }
}

describe("perceo watch", () => {
  it("a burst of saves to the shop's cart page reruns the flows it affects once, one line each; a broken flow fails beside them in the report; Ctrl-C stops it and closes the browser", async () => {
    const { repo, shopDir } = await shopRepository("perceo-watch-");
    const report = path.join(repo, "perceo-report");
    const { io, stdout, stderr } = capturedIo(repo, {});
    const controller = new AbortController();
    const watching = main(
      ["watch", "--dir", shopDir, "--base-url", shop.url, "--report", report, "--debounce", "300"],
      { ...io, signal: controller.signal },
    );
    await until(stdout, /^Watching \. — each save reruns the flows it affects/m);

    // An editor's save: the file written twice in quick succession; a statement inside showCart
    // (comments alone select nothing).
    const cart = path.join(shopDir, "src/pages/cart.ts");
    const text = await readFile(cart, "utf8");
    const edited = text.replace(
      "export function showCart(request: ShopRequest): ShopResponse {\n",
      "export function showCart(request: ShopRequest): ShopResponse {\n  const renderedAt = Date.now();\n  void renderedAt;\n",
    );
    expect(edited).not.toBe(text);
    await writeFile(cart, edited.replace("Date.now()", "performance.now()"));
    await writeFile(cart, edited);

    const out = await until(stdout, /^ {2}\d+ passed, \d+ failed · report /m);
    const header = /^\d\d:\d\d:\d\d examples\/shop\/src\/pages\/cart\.ts changed → (\d+) flows: (.+)$/m.exec(
      out,
    );
    expect(header?.[2]?.split(", ")).toEqual([
      "add-to-cart",
      "cart-update",
      "checkout",
      "mobile-add-to-cart",
    ]);
    const lines = out.split("\n").filter((l) => /^ {2}[✓✗!-] /.test(l));
    expect(lines.map((l) => l.slice(4).split(" ")[0]).sort()).toEqual([
      "add-to-cart",
      "cart-update",
      "checkout",
      "mobile-add-to-cart",
    ]);
    expect(out).toContain("  4 passed, 0 failed · report perceo-report/index.html");
    // Longer than the debounce: a second run of the same burst would have started by now.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(stdout().match(/ changed → /g)).toHaveLength(1);

    // A save to a flow reloads the flows and reruns that one; the report keeps the other four.
    // (A short timeout so the failure is quick.)
    const notFound = path.join(shopDir, ".perceo/flows/not-found.yml");
    await writeFile(
      notFound,
      (await readFile(notFound, "utf8")).replace(
        "name: Page not found } }",
        "name: Page gone } }\n    timeout: 300",
      ),
    );
    const after = await until(stdout, /^ {2}0 passed, 1 failed · report /m);
    expect(after).toMatch(
      /^\d\d:\d\d:\d\d examples\/shop\/\.perceo\/flows\/not-found\.yml changed → 1 flow: not-found$/m,
    );
    expect(after).toMatch(/^ {2}✗ not-found \(.+\) — .*Page gone/m);
    const run = JSON.parse(await readFile(path.join(report, "run.json"), "utf8"));
    expect(run.flows.map((f: { name: string; status: string }) => `${f.name} ${f.status}`)).toEqual([
      "add-to-cart passed",
      "cart-update passed",
      "checkout passed",
      "mobile-add-to-cart passed",
      "not-found failed",
    ]);
    expect(run.totals).toMatchObject({ passed: 4, failed: 1 });
    expect(await readFile(path.join(report, "index.html"), "utf8")).toContain("not-found");

    expect(browsers()).not.toEqual([]);
    controller.abort();
    expect(await watching).toBe(EXIT.passed);
    expect(stdout()).toMatch(/Stopped watching\.\n$/);
    expect(stderr()).toBe("");
    expect(browsers()).toEqual([]);
  }, 120_000);

  it("Ctrl-C in a terminal stops the watch with exit 0", async () => {
    const { shopDir } = await shopRepository("perceo-watch-sigint-");
    const child = spawn(
      process.execPath,
      [path.join(import.meta.dirname, "bin.ts"), "watch", "--base-url", shop.url],
      { cwd: shopDir, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      out += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    await until(() => out, /^Watching \.\.\/\.\. — /m, 20_000);
    // A terminal's Ctrl-C signals the whole foreground process group.
    process.kill(-(child.pid as number), "SIGINT");
    expect(await exited).toBe(0);
    expect(out).toMatch(/Stopped watching\.\n$/);
  });
});
