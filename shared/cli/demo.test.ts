import { spawn } from "node:child_process";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("./bin.ts", import.meta.url));

function perceo(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, FORCE_COLOR: "0" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** `perceo dashboard --port 0` in `cwd` until `use` is done; stopped with Ctrl-C's signal. */
async function withDashboard(cwd: string, use: (url: string) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, [bin, "dashboard", "--port", "0"], { cwd, env: process.env });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const match = out.match(/^Perceo dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/m);
        if (match) resolve(match[1] as string);
      });
      child.on("close", (code) => reject(new Error(`perceo dashboard exited ${code}: ${out}`)));
    });
    await use(url);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const closed = new Promise((resolve) => child.once("close", resolve));
      child.kill("SIGINT");
      await closed;
    }
  }
}

describe("perceo demo", () => {
  it("runs every flow of the example shop in Chromium and writes a report with their screenshots", async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), "perceo-demo-"));
    const { code, stdout, stderr } = await perceo(["demo"], cwd);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const summary = stdout.match(/^(\d+) passed, (\d+) failed, (\d+) flaky$/m);
    expect(Number(summary?.[1])).toBeGreaterThanOrEqual(10);
    expect(summary?.[2]).toBe("0");
    expect(stdout).toContain("Report: perceo-report/index.html");
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("See the runs in the dashboard: perceo dashboard");
    // Not a terminal: plain lines, one per finished flow, no control codes.
    expect(stdout).not.toContain("\x1b[");
    expect(stdout.match(/^✓ [a-z0-9-]+ \(/gm)?.length).toBe(Number(summary?.[1]));

    const html = await readFile(path.join(cwd, "perceo-report/index.html"), "utf8");
    const images = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1] as string);
    expect(images.length).toBeGreaterThanOrEqual(Number(summary?.[1]));
    for (const image of images)
      expect((await stat(path.join(cwd, "perceo-report", image))).size).toBeGreaterThan(1_000);
    expect(await readFile(path.join(cwd, "perceo-report/summary.md"), "utf8")).toContain("passed**");

    // The run was recorded in the embedded store and is still there for the next process.
    const runId = stdout.match(/^Recorded run (\S+)/m)?.[1];
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    const list = await perceo(["runs", "list"], cwd);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      new RegExp(`^${runId}  \\S+ \\S+  shop     passed  +${summary?.[1]} +0 +0 `, "m"),
    );
    const show = await perceo(["runs", "show", runId as string], cwd);
    expect(show.stdout).toContain(`run ${runId}`);
    expect(show.stdout).toContain("| checkout | critical | ✅ passed |");
    const migrate = await perceo(["db", "migrate"], cwd);
    expect(migrate.stdout).toBe("embedded database in .perceo/data: up to date, nothing to apply.\n");

    // The command the demo ends with shows the demo's run and its screenshots.
    await withDashboard(cwd, async (url) => {
      const overview = await (await fetch(`${url}projects/shop`)).text();
      expect(overview).toContain(`>${runId}</a>`);
      expect(overview).toMatch(/<th scope="row">checkout/);
      const runPage = await (await fetch(`${url}projects/shop/runs/${runId}`)).text();
      const shot = runPage.match(/<img src="([^"]+\.png)"/)?.[1] as string;
      const image = await fetch(new URL(shot, url));
      expect(image.headers.get("content-type")).toBe("image/png");
      expect((await image.arrayBuffer()).byteLength).toBeGreaterThan(1_000);
    });
  }, 600_000);
});
