import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactPath, directoryBlobs } from "./blobs.ts";

describe("directory blobs", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "perceo-blobs-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("writes objects under <root>/<bucket>/<path>, overwriting, and reads them back", async () => {
    const blobs = directoryBlobs(root);
    await blobs.put("screenshots", "p1/run/checkout/cart.png", new Uint8Array([1, 2]));
    await blobs.put("screenshots", "p1/run/checkout/cart.png", new Uint8Array([3]));
    expect(await blobs.get("screenshots", "p1/run/checkout/cart.png")).toEqual(new Uint8Array([3]));
    expect(await readdir(join(root, "screenshots/p1/run/checkout"))).toEqual(["cart.png"]);
    expect(await blobs.get("traces", "p1/run/checkout/cart.png")).toBeUndefined();
  });

  it.each(["../escape.png", "a/../../b", "/abs.png", "a//b", "a\\b", ""])(
    "refuses the path %j",
    async (path) => {
      await expect(directoryBlobs(root).put("reports", path, new Uint8Array())).rejects.toMatchObject({
        code: "invalid",
      });
    },
  );

  it("names a run artifact by project, run and report path, whatever the run id holds", () => {
    expect(artifactPath("p1", "gh 12/3", "./signup\\failure-1.png")).toBe("p1/gh_12_3/signup/failure-1.png");
  });
});
