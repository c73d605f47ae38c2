import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let child: ChildProcess | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGKILL");
    await once(child, "exit");
  }
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("npm start without APP_ID", () => {
  it("serves Probot's setup page, which registers the App from app.yml's manifest", async () => {
    const port = await freePort();
    child = spawn(process.execPath, ["app/main.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PORT: String(port), HOST: "127.0.0.1", NO_SMEE_SETUP: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    await new Promise<void>((resolve, reject) => {
      child?.once("exit", (code) => reject(new Error(`exited with ${code}:\n${output}`)));
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("to register the Perceo App")) resolve();
      };
      child?.stdout?.on("data", read);
      child?.stderr?.on("data", read);
    });
    const page = await fetch(`http://127.0.0.1:${port}/probot`);
    expect(page.status).toBe(200);
    // The "Register GitHub App" button posts the manifest to GitHub.
    const button = /name="manifest" id="manifest" value='([^']*)'/.exec(await page.text());
    const manifest = JSON.parse(button?.[1] ?? "{}");
    expect(manifest).toMatchObject({
      name: "Perceo",
      redirect_url: `http://127.0.0.1:${port}/probot/setup`,
      default_permissions: {
        checks: "write",
        pull_requests: "write",
        issues: "write",
        contents: "read",
        deployments: "read",
        metadata: "read",
      },
      default_events: expect.arrayContaining(["pull_request", "check_run", "issue_comment"]),
      // The dashboard's sign-in (GitHub sends people back only to a registered callback URL).
      callback_urls: ["http://localhost:3000/dashboard/callback"],
    });
  });
});
