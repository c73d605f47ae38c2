import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openPostgresStore } from "../store/index.ts";
import { commandAffected } from "./affected-command.ts";
import { EXIT } from "./cli-io.ts";
import { commandRun } from "./run-command.ts";
import { capturedIo, shopRepository } from "./testing.ts";

describe("predicted vs actual from the CLI", () => {
  it("perceo run scores what perceo affected --record predicted for the same commit", async () => {
    const { shopDir, git } = await shopRepository("perceo-outcomes-");
    const copy = path.join(shopDir, "src/copy.ts");
    await writeFile(
      copy,
      (await readFile(copy, "utf8")).replace('addToCart: "Add to cart"', 'addToCart: "Add to bag"'),
    );
    git("commit", "-qam", "Rename the Add to cart button");
    const head = git("rev-parse", "HEAD").trim();
    // The store lives outside the repository, where both commands run.
    const storeDir = await mkdtemp(path.join(tmpdir(), "perceo-outcomes-store-"));
    const env = { XDG_CACHE_HOME: path.join(storeDir, "cache") };

    const predict = capturedIo(storeDir, env);
    expect(await commandAffected(["--dir", shopDir, "--base", "HEAD~1", "--record"], predict.io)).toBe(
      EXIT.passed,
    );
    expect(predict.stdout()).toContain(`Recorded 5 predictions for ${head.slice(0, 7)}`);

    const { startShop } = (await import(
      path.join(shopDir, "server.ts")
    )) as typeof import("../../examples/shop/server.ts");
    const shop = await startShop();
    const run = capturedIo(storeDir, env);
    try {
      const code = await commandRun(
        [
          ...["--dir", shopDir, "--base-url", shop.url, "--flows", "add-to-cart,login"],
          ...["--retries", "0", "--report", path.join(storeDir, "report")],
        ],
        run.io,
      );
      expect(code).toBe(EXIT.failed);
    } finally {
      await shop.close();
    }
    expect(run.stderr()).toBe("");
    // add-to-cart was predicted and failed on the renamed button; login was not predicted.
    expect(run.stdout()).toContain(`Scored 1 prediction for ${head.slice(0, 7)}`);
    const store = await openPostgresStore({ env: {}, cwd: storeDir });
    try {
      const project = await store.getProject("shop");
      const predictions = await store.listPredictions(project?.id as string, head);
      expect(predictions.map((p) => [p.flowName, p.actualResult])).toEqual([
        ["add-to-cart", "failed"],
        ["cart-update", null],
        ["checkout", null],
        ["checkout-validation", null],
        ["mobile-add-to-cart", null],
      ]);
    } finally {
      await store.close();
    }
  }, 180_000);
});
