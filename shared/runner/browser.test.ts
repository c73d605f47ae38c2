import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { BrowserNotFoundError, findBrowser } from "./browser.ts";

let dir: string;

async function fakeExecutable(name: string): Promise<string> {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, "#!/bin/sh\n");
  await chmod(file, 0o755);
  return file;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "perceo-browser-"));
});

describe("findBrowser", () => {
  it("prefers PERCEO_BROWSER_PATH over everything else", async () => {
    const override = await fakeExecutable("custom/chrome");
    await fakeExecutable("bin/chromium");
    const found = await findBrowser({
      env: { PERCEO_BROWSER_PATH: override, PATH: path.join(dir, "bin") },
      platform: "linux",
      playwrightPath: () => undefined,
    });
    expect(found).toEqual({ executablePath: override, source: "env" });
  });

  it("rejects a PERCEO_BROWSER_PATH that does not exist instead of falling back silently", async () => {
    await expect(
      findBrowser({
        env: { PERCEO_BROWSER_PATH: "/nope/chrome" },
        platform: "linux",
        playwrightPath: () => undefined,
      }),
    ).rejects.toThrow(/PERCEO_BROWSER_PATH points to \/nope\/chrome, which is not an executable file/);
  });

  it("uses Playwright's own Chromium before Chrome and Chromium", async () => {
    const playwright = await fakeExecutable("ms-playwright/chrome");
    await fakeExecutable("bin/google-chrome");
    const found = await findBrowser({
      env: { PATH: path.join(dir, "bin") },
      platform: "linux",
      playwrightPath: () => playwright,
    });
    expect(found.source).toBe("playwright");
  });

  it("takes Chrome on PATH before Chromium on PATH", async () => {
    const chrome = await fakeExecutable("bin/google-chrome");
    await fakeExecutable("bin/chromium");
    const found = await findBrowser({
      env: { PATH: path.join(dir, "bin") },
      platform: "linux",
      playwrightPath: () => undefined,
    });
    expect(found).toEqual({ executablePath: chrome, source: "chrome" });
  });

  it("finds Chromium on PATH", async () => {
    const chromium = await fakeExecutable("bin/chromium-browser");
    const found = await findBrowser({
      env: { PATH: path.join(dir, "bin") },
      platform: "darwin",
      playwrightPath: () => undefined,
    });
    expect(found).toEqual({ executablePath: chromium, source: "chromium" });
  });

  it("names every place it looked when there is no browser", async () => {
    const error = await findBrowser({
      env: { PATH: path.join(dir, "empty") },
      platform: "win32",
      playwrightPath: () => "/pw/chrome",
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(BrowserNotFoundError);
    const { tried, message } = error as BrowserNotFoundError;
    expect(tried[0]).toBe("PERCEO_BROWSER_PATH (not set)");
    expect(tried[1]).toBe("Playwright's Chromium (/pw/chrome)");
    expect(tried).toContain(path.join(dir, "empty", "chromium.exe"));
    expect(message).toMatch(/set PERCEO_BROWSER_PATH/);
  });
});
