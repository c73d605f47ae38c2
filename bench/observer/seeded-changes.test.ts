import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { applySeededChange, SEEDED_CHANGES } from "./seeded-changes.ts";

const SHOP = path.resolve(import.meta.dirname, "../../examples/shop");

describe("seeded changes", () => {
  it("every one applies to the example shop as written", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "perceo-seeded-"));
    try {
      for (const change of SEEDED_CHANGES) {
        await rm(dir, { recursive: true, force: true });
        await cp(SHOP, dir, {
          recursive: true,
          filter: (src) => !/(node_modules|perceo-report|\.perceo\/data)/.test(src),
        });
        await expect(applySeededChange(dir, change), change.name).resolves.toBeUndefined();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("hold out at least 30 changes whose kinds the tuning half has none of", () => {
    const heldOut = SEEDED_CHANGES.filter((c) => c.heldOut);
    const tuningKinds = new Set(SEEDED_CHANGES.filter((c) => !c.heldOut).map((c) => c.kind));
    expect(heldOut.length).toBeGreaterThanOrEqual(30);
    const newKinds = heldOut.filter((c) => !tuningKinds.has(c.kind));
    expect(newKinds.length / heldOut.length).toBeGreaterThan(0.75);
    expect(new Set(SEEDED_CHANGES.map((c) => c.name)).size).toBe(SEEDED_CHANGES.length);
  });
});
