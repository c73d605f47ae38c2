import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CoverageMap, Selection } from "../observer/index.ts";
import { commandAffected } from "./affected-command.ts";
import { EXIT } from "./cli-io.ts";
import { commandRun } from "./run-command.ts";
import { capturedIo, shopRepository } from "./testing.ts";

describe("perceo run --coverage", () => {
  it("records what each flow ran, and perceo affected then selects by the lines a flow actually executed", async () => {
    const { repo, shopDir, git } = await shopRepository("perceo-run-coverage-");
    const env = { XDG_CACHE_HOME: path.join(repo, "..", `${path.basename(repo)}-cache`) };

    const { startShop } = (await import(
      path.join(shopDir, "server.ts")
    )) as typeof import("../../examples/shop/server.ts");
    const shop = await startShop();
    const run = capturedIo(repo, env);
    try {
      const code = await commandRun(
        [
          ...["--dir", "examples/shop", "--base-url", shop.url, "--flows", "mobile-menu,home-hero"],
          ...["--coverage", "--no-record", "--retries", "0", "--report", path.join(repo, "..", "report")],
        ],
        run.io,
      );
      expect(run.stderr()).toBe("");
      expect(code).toBe(EXIT.passed);
    } finally {
      await shop.close();
    }
    expect(run.stdout()).toContain("Coverage of 2 flows: examples/shop/.perceo/coverage.json");
    const coverage = JSON.parse(
      await readFile(path.join(shopDir, ".perceo/coverage.json"), "utf8"),
    ) as CoverageMap;
    expect(coverage.commit).toBe(git("rev-parse", "HEAD").trim());
    const menu = "examples/shop/public/js/menu.js";
    const menuText = await readFile(path.join(repo, menu), "utf8");
    const clickLine = menuText.split("\n").findIndex((l) => l.includes('nav.classList.toggle("is-open"')) + 1;
    const ran = (flow: string) => coverage.flows[flow]?.files[menu];
    expect(Array.isArray(ran("mobile-menu"))).toBe(true);
    expect(Array.isArray(ran("home-hero"))).toBe(true);
    const covers = (flow: string) =>
      (ran(flow) as Array<{ start: number; end: number }>).some(
        (r) => r.start <= clickLine && clickLine <= r.end,
      );
    expect(covers("mobile-menu")).toBe(true);
    expect(covers("home-hero")).toBe(false);

    // The menu's click handler changes: only the flow that opened the menu ran it.
    await writeFile(
      path.join(repo, menu),
      menuText.replace('nav.classList.toggle("is-open", open);', 'nav.classList.toggle("is-opened", open);'),
    );
    const affected = capturedIo(shopDir, env);
    expect(await commandAffected(["--base", "HEAD", "--json"], affected.io)).toBe(EXIT.passed);
    const selection = JSON.parse(affected.stdout()) as Selection;
    expect(selection.selected).toContain("mobile-menu");
    expect(selection.selected).not.toContain("home-hero");
    const reason = selection.flows
      .find((f) => f.flow === "mobile-menu")
      ?.reasons.find((r) => r.signal === "coverage");
    expect(reason?.detail).toBe(
      `the recorded run of mobile-menu at ${coverage.commit?.slice(0, 7)} executed ${menu} (lines ${clickLine})`,
    );
  }, 120_000);
});
