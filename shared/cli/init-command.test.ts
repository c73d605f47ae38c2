import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "./main.ts";
import { capturedIo } from "./testing.ts";

async function viteApp(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "perceo-init-cli-"));
  await writeFile(
    path.join(root, "package.json"),
    JSON.stringify({
      name: "todo",
      dependencies: { react: "18", vite: "5" },
      scripts: { dev: "vite --port 3000" },
    }),
  );
  await writeFile(path.join(root, "index.html"), "<div id=root></div>");
  return root;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("perceo init (command)", () => {
  it("without --base-url prints what it found and the command to run next, and writes nothing", async () => {
    const root = await viteApp();
    const { io, stdout } = capturedIo(root, {});
    expect(await main(["init"], io)).toBe(0);
    expect(stdout()).toContain(
      "todo: Vite (React)\n  dev command: npm run dev (port 3000, from package.json scripts.dev)",
    );
    expect(stdout()).toMatch(/^ {2}· \/ +index\.html$/m);
    expect(stdout()).toContain(
      "Next: start the app (npm run dev) and run\n  npx perceo init --base-url http://localhost:3000\n",
    );
    expect(await readdir(root)).toEqual(["index.html", "package.json"]);
  });

  it("when nothing answers at the base URL it says to start the app and exits 3", async () => {
    const root = await viteApp();
    const { io, stderr } = capturedIo(root, {});
    const url = `http://127.0.0.1:${await closedPort()}`;
    expect(await main(["init", "--base-url", url], io)).toBe(3);
    expect(stderr()).toMatch(
      new RegExp(
        `^perceo: nothing answers at ${url} \\(ECONNREFUSED\\): start the app first \\(npm run dev\\)`,
      ),
    );
    expect(await readdir(root)).toEqual(["index.html", "package.json"]);
  });
});
