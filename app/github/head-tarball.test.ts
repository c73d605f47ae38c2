import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gzippedTar } from "../testing/tarball.ts";
import { extractTarball, TARBALL_LIMITS, TarballError } from "./head-tarball.ts";

const TOP = "Codertocat-Hello-World-ec26c3e";

let parent: string;
let dir: string;
beforeEach(async () => {
  parent = await mkdtemp(path.join(tmpdir(), "perceo-tarball-"));
  dir = path.join(parent, "head");
  await mkdir(dir);
});
afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

const extract = async (entries: Parameters<typeof gzippedTar>[0], limits = {}) =>
  extractTarball(Readable.from(await gzippedTar(entries)), dir, { ...TARBALL_LIMITS, ...limits });

describe("a GitHub tarball unpacked for the observer", () => {
  it("writes the source the observer reads under the top folder, and only lists the rest", async () => {
    const result = await extract(
      [
        { name: `${TOP}/`, type: "directory" },
        { name: `${TOP}/src/app.ts`, text: "export const a = 1;\n" },
        { name: `${TOP}/src/style.css`, text: "a { color: red }\n" },
        { name: `${TOP}/package.json`, text: "{}\n" },
        { name: `${TOP}/public/logo.png`, text: "\u0089PNG" },
        { name: `${TOP}/node_modules/lib/index.js`, text: "module.exports = 1;\n" },
        { name: `${TOP}/src/generated.ts`, text: "x".repeat(2_000) },
      ],
      { maxFileBytes: 1_000 },
    );
    expect(result.files).toStrictEqual([
      "src/app.ts",
      "src/style.css",
      "package.json",
      "public/logo.png",
      "src/generated.ts",
    ]);
    expect(result.written).toBe(3);
    expect(readFileSync(path.join(dir, "src/app.ts"), "utf8")).toBe("export const a = 1;\n");
    expect(existsSync(path.join(dir, "public/logo.png"))).toBe(false);
    expect(existsSync(path.join(dir, "src/generated.ts"))).toBe(false);
    expect(existsSync(path.join(dir, "node_modules"))).toBe(false);
  });

  it("gives each written file git's blob id for its bytes, so facts parsed once are found by content", async () => {
    const result = await extract([
      { name: `${TOP}/src/app.ts`, text: "export const a = 1;\n" },
      { name: `${TOP}/src/ünïcode.ts`, text: "export const b = 'ü';\n" },
      { name: `${TOP}/public/logo.png`, text: "\u0089PNG" },
    ]);
    const hashObject = (file: string) =>
      execFileSync("git", ["hash-object", path.join(dir, file)], { encoding: "utf8" }).trim();
    expect(result.blobIds).toStrictEqual(
      new Map([
        ["src/app.ts", hashObject("src/app.ts")],
        ["src/ünïcode.ts", hashObject("src/ünïcode.ts")],
      ]),
    );
  });

  it("skips links, absolute paths and paths that climb, and writes nothing outside its folder", async () => {
    const result = await extract([
      { name: `${TOP}/`, type: "directory" },
      { name: `${TOP}/ok.ts`, text: "export {};\n" },
      { name: `${TOP}/../escaped.ts`, text: "export {};\n" },
      { name: `${TOP}/a/../../escaped-too.ts`, text: "export {};\n" },
      { name: "elsewhere/escaped.ts", text: "export {};\n" },
      { name: path.join(parent, "absolute.ts"), text: "export {};\n" },
      { name: `${TOP}/link.ts`, type: "symlink", linkname: "/etc/passwd" },
      { name: `${TOP}/hard.ts`, type: "link", linkname: "../escaped.ts" },
      { name: `${TOP}/after-link.ts`, text: "export {};\n" },
    ]);
    expect(result.files).toStrictEqual(["ok.ts", "after-link.ts"]);
    expect(result.unsafe).toHaveLength(6);
    expect(readdirSync(parent)).toStrictEqual(["head"]);
    expect(readdirSync(dir).sort()).toStrictEqual(["after-link.ts", "ok.ts"]);
  });

  it("a hostile first entry does not decide the top folder", async () => {
    const result = await extract([
      { name: "../evil.ts", text: "export {};\n" },
      { name: `${TOP}/ok.ts`, text: "export {};\n" },
    ]);
    expect(result.files).toStrictEqual(["ok.ts"]);
  });

  it("more files than the cap is an error naming the cap", async () => {
    const entries = Array.from({ length: 11 }, (_, i) => ({ name: `${TOP}/f${i}.ts`, text: "" }));
    const error = await extract(entries, { maxFiles: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TarballError);
    expect(error).toMatchObject({ code: "too-large", message: "the repository has more than 10 files" });
  });

  it("more source bytes than the cap is an error naming the cap", async () => {
    const entries = Array.from({ length: 3 }, (_, i) => ({
      name: `${TOP}/f${i}.ts`,
      text: "x".repeat(600_000),
    }));
    await expect(extract(entries, { maxWrittenBytes: 1024 * 1024 })).rejects.toMatchObject({
      code: "too-large",
      message: "the repository's source files are larger than 1 MB",
    });
  });

  it("a corrupt archive is an error, not a partial tree", async () => {
    const archive = await gzippedTar([{ name: `${TOP}/ok.ts`, text: "export {};\n" }]);
    await expect(
      extractTarball(Readable.from(archive.subarray(0, archive.length - 20)), dir, TARBALL_LIMITS),
    ).rejects.toMatchObject({ code: "unreadable" });
  });
});
