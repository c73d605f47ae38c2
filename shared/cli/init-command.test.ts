import { cp, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "./main.ts";
import { capturedIo } from "./testing.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");

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

  it("on an app nobody here wrote (MDN's React todo app, built), the flows it writes pass perceo run --all", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "perceo-init-todo-"));
    await cp(path.join(repoRoot, "examples/todo-react"), root, { recursive: true });
    const app = await serveFolder(path.join(root, "dist"));
    try {
      const init = capturedIo(root, {});
      expect(await main(["init", "--base-url", app.url], init.io)).toBe(0);
      expect(init.stdout()).toContain("moz-todo-react: Vite (React)\n");
      // index.html holds only <div id="root">: the heading is React's, read from the rendered page.
      expect(init.stdout()).toMatch(/^ {2}\+ \/ +\.perceo\/flows\/home\.yml \(heading "TodoMatic"\)$/m);
      expect(await readFile(path.join(root, ".perceo/flows/home.yml"), "utf8")).toContain(
        "- expect: { visible: { role: heading, name: TodoMatic, level: 1 } }",
      );

      const run = capturedIo(root, {});
      const code = await main(["run", "--all", "--no-record", "--retries", "0"], run.io);
      expect(run.stderr()).toBe("");
      expect(run.stdout()).toContain("✓ home");
      expect(run.stdout()).toContain("1 passed, 0 failed");
      expect(code).toBe(0);
    } finally {
      await app.close();
    }
  }, 60_000);
});

/** A folder served as a static host serves a built app: files by path, `/` as index.html. */
async function serveFolder(dir: string) {
  const types: Record<string, string> = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
  };
  const server = createHttpServer((req, res) => {
    const file = path.join(dir, new URL(req.url ?? "/", "http://x").pathname.replace(/\/$/, "/index.html"));
    readFile(file).then(
      (body) => res.writeHead(200, { "content-type": types[path.extname(file)] ?? "" }).end(body),
      () => res.writeHead(404).end("not found"),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
