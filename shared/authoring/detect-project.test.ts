import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { detectProject, portInCommand, portInServer } from "./detect-project.ts";

async function project(files: Record<string, string | object>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "perceo-detect-"));
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), typeof content === "string" ? content : JSON.stringify(content));
  }
  return root;
}

const pkg = (deps: Record<string, string>, scripts: Record<string, string> = {}) => ({
  name: "@acme/web",
  dependencies: deps,
  scripts,
});

describe("detectProject", () => {
  it.each([
    [
      "Next.js with an app folder",
      {
        "package.json": pkg({ next: "15" }, { dev: "next dev" }),
        "app/page.tsx": "",
        "package-lock.json": "{}",
      },
      {
        kind: "next-app",
        label: "Next.js (app router)",
        devCommand: "npm run dev",
        port: 3000,
        installCommand: "npm ci",
      },
    ],
    [
      "Next.js pages router with a port flag, on pnpm",
      {
        "package.json": pkg({ next: "14" }, { dev: "next dev -p 4000" }),
        "pages/index.tsx": "",
        "pnpm-lock.yaml": "",
      },
      {
        kind: "next-pages",
        devCommand: "pnpm dev",
        port: 4000,
        installCommand: "pnpm install --frozen-lockfile",
      },
    ],
    [
      "a Vite React app on yarn, port from vite.config",
      {
        "package.json": pkg({ react: "18", vite: "5" }, { dev: "vite" }),
        "vite.config.ts": "export default { server: { port: 5000 } }",
        "yarn.lock": "",
      },
      { kind: "vite", label: "Vite (React)", devCommand: "yarn dev", port: 5000, lockfile: "yarn.lock" },
    ],
    [
      "SvelteKit",
      { "package.json": pkg({ "@sveltejs/kit": "2", vite: "5" }, { dev: "vite dev" }) },
      { kind: "sveltekit", devCommand: "npm run dev", port: 5173, installCommand: "npm install" },
    ],
    ["Astro", { "package.json": pkg({ astro: "5" }, { dev: "astro dev" }) }, { kind: "astro", port: 4321 }],
    [
      "Nuxt",
      { "package.json": pkg({ nuxt: "3" }, { dev: "nuxt dev --port=3100" }) },
      { kind: "nuxt", port: 3100 },
    ],
    [
      "React Router framework mode",
      { "package.json": pkg({ "@react-router/dev": "7" }, { dev: "react-router dev" }) },
      { kind: "react-router", port: 5173 },
    ],
    [
      "a Node server without package.json",
      { "server.ts": "createServer(handle).listen(Number(process.env.PORT ?? 8080));" },
      { kind: "node-server", devCommand: "node server.ts", port: 8080, devCommandSource: "server.ts" },
    ],
    [
      "a folder of HTML files",
      { "index.html": "<h1>Hi</h1>" },
      { kind: "static", devCommand: "npx --yes serve -l 3000 .", port: 3000 },
    ],
  ] as const)("%s", async (_name, files, expected) => {
    const detected = await detectProject(await project(files));
    expect(detected).toMatchObject(expected);
  });

  it("names the project after package.json without its scope, else after the folder", async () => {
    expect((await detectProject(await project({ "package.json": pkg({}) }))).name).toBe("web");
    const bare = await project({ "index.html": "" });
    expect((await detectProject(bare)).name).toBe(path.basename(bare));
  });

  it("reads ports from commands and servers", () => {
    expect(portInCommand("vite --port 3000 --open")).toBe(3000);
    expect(portInCommand("PORT=4001 node server.js")).toBe(4001);
    expect(portInCommand("serve -l 8080 dist")).toBe(8080);
    expect(portInCommand("vite")).toBeUndefined();
    expect(portInServer("app.listen(5050, () => {})")).toBe(5050);
    expect(portInServer("const port = process.env.PORT || '7000'")).toBe(7000);
  });
});
