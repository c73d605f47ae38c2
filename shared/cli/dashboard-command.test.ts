import { mkdtemp } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { aRunResult } from "../store/testing/index.ts";
import { startLocalDashboard } from "./dashboard-command.ts";
import { EXIT, main } from "./main.ts";
import { capturedIo } from "./testing.ts";

describe("perceo dashboard", () => {
  it("serves the folder's embedded store on 127.0.0.1 only, with no login", async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), "perceo-dashboard-cli-"));
    const dashboard = await startLocalDashboard({ cwd, env: {}, port: 0 });
    try {
      const run = aRunResult({ project: "shop" });
      await dashboard.store.recordRun(run);
      expect((dashboard.server.address() as AddressInfo).address).toBe("127.0.0.1");
      expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const home = await (await fetch(dashboard.url)).text();
      expect(home).toContain('<a href="/projects/shop">shop</a>');
      expect(home).toContain("Local dashboard");
      const overview = await (await fetch(`${dashboard.url}projects/shop`)).text();
      expect(overview).toContain(`>${run.id}</a>`);
      expect((await fetch(`${dashboard.url}favicon.ico`)).status).toBe(404);
    } finally {
      await dashboard.close();
    }
  }, 120_000);

  it("refuses a port that is not one", async () => {
    const { io, stderr } = capturedIo(tmpdir(), {});
    expect(await main(["dashboard", "--port", "70000"], io)).toBe(EXIT.usage);
    expect(stderr()).toContain("--port expects a port number up to 65535");
  });
});
