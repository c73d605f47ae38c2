import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT, main } from "./main.ts";

function capture() {
  let text = "";
  const write = (t: string) => {
    text += t;
  };
  return { out: { write, isTTY: false }, text: () => text };
}

async function invoke(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const stdout = capture();
  const stderr = capture();
  const code = await main(args, { stdout: stdout.out, stderr: stderr.out, cwd, env });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

async function projectWith(flows: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "perceo-cli-"));
  await mkdir(path.join(root, ".perceo/flows"), { recursive: true });
  await writeFile(path.join(root, ".perceo/config.yml"), "project: cli\nbaseUrl: http://127.0.0.1:9\n");
  for (const [name, text] of Object.entries(flows))
    await writeFile(path.join(root, ".perceo/flows", name), text);
  return root;
}

const HOME_FLOW = "name: home\ndescription: Home\npriority: low\nsteps:\n  - goto: /\n";

describe("perceo flows validate", () => {
  it("exits 2 and prints file:line:col for a broken flow", async () => {
    const root = await projectWith({
      "home.yml": HOME_FLOW,
      "broken.yml": "name: broken\ndescription: B\npriority: high\nsteps:\n  - clik: Buy\n",
    });
    const result = await invoke(["flows", "validate"], root);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain(
      '.perceo/flows/broken.yml:5:5 unknown step "clik" — did you mean "click"?',
    );
  });

  it("exits 0 and counts the flows when all are valid", async () => {
    const root = await projectWith({ "home.yml": HOME_FLOW });
    const result = await invoke(["flows", "validate"], root);
    expect(result).toMatchObject({ code: EXIT.passed, stdout: "✓ 1 flows valid in .perceo\n" });
  });
});

describe("perceo flows list and show", () => {
  it("lists flows with priority and step count", async () => {
    const root = await projectWith({ "home.yml": HOME_FLOW });
    const result = await invoke(["flows", "list"], root);
    expect(result.stdout.split("\n")[1]).toBe("home  low           1  Home");
  });

  it("shows a flow's steps with their lines", async () => {
    const root = await projectWith({ "home.yml": HOME_FLOW });
    const result = await invoke(["flows", "show", "home"], root);
    expect(result.stdout).toContain("   1. go to /  (line 5)");
  });

  it("exits 2 naming the known flows for an unknown one", async () => {
    const root = await projectWith({ "home.yml": HOME_FLOW });
    const result = await invoke(["flows", "show", "hom"], root);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('unknown flow "hom"; known flows: home');
  });
});

describe("usage errors", () => {
  it.each([
    [["frobnicate"], 'unknown command "frobnicate"'],
    [["run", "--workers", "0"], '--workers expects a whole number ≥ 1, got "0"'],
    [["run", "--flows", "a", "--all"], "use either --flows or --all, not both"],
    [["run", "--bogus"], "Unknown option '--bogus'"],
    [
      ["run", "--base-url", "localhost"],
      '--base-url expects an http(s) URL such as http://localhost:3000, got "localhost"',
    ],
  ])("perceo %j exits 2 and says what is wrong", async (args, message) => {
    const root = await projectWith({ "home.yml": HOME_FLOW });
    const result = await invoke(args, root);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain(message);
  });

  it("exits 3 and says how to install a browser when none is found", async () => {
    const root = await projectWith({ "home.yml": HOME_FLOW });
    const result = await invoke(["run"], root, { PERCEO_BROWSER_PATH: path.join(root, "no-such-chrome") });
    expect(result.code).toBe(EXIT.infrastructure);
    expect(result.stderr).toContain("PERCEO_BROWSER_PATH points to");
  });
});
