import { Readable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { keyringFromEnv, projectSecrets } from "../secrets/index.ts";
import {
  type Database,
  directoryBlobs,
  postgresDatabase,
  postgresStore,
  type Store,
} from "../store/index.ts";
import { type PostgresServer, startPostgresServer } from "../store/testing/index.ts";
import { EXIT, main } from "./main.ts";
import { capturedIo } from "./testing.ts";

const OLD_KEY = Buffer.alloc(32, 5).toString("base64");
const NEW_KEY = Buffer.alloc(32, 6).toString("base64");
const REPO = "acme/shop";
const VALUE = "phx_operatorPasted-8c1f2e";

let server: PostgresServer;
let env: NodeJS.ProcessEnv;
let db: Database;
let store: Store;

beforeAll(async () => {
  server = await startPostgresServer();
  const url = await server.createDatabase("perceo_secrets_cli");
  env = { DATABASE_URL: url, PERCEO_ENCRYPTION_KEY: OLD_KEY, USER: "ops" };
  expect((await perceo(["db", "migrate"])).code).toBe(EXIT.passed);
  db = postgresDatabase({ connectionString: url, max: 2 });
  store = postgresStore(db, { blobs: directoryBlobs("/nonexistent"), ownsDatabase: false });
}, 60_000);

beforeEach(async () => {
  await db.query("delete from public.project_secrets");
});

afterAll(async () => {
  await db?.close();
  await server?.stop();
});

/** `perceo …` with `stdin` piped in (or a terminal that types it). */
async function perceo(
  args: string[],
  options: { stdin?: string; tty?: string; env?: NodeJS.ProcessEnv } = {},
) {
  const stdin =
    options.tty !== undefined ? terminal(options.tty) : Readable.from([Buffer.from(options.stdin ?? "")]);
  const { io, stdout, stderr } = capturedIo("/nonexistent", options.env ?? env);
  const code = await main(args, { ...io, stdin });
  return { code, stdout: stdout(), stderr: stderr(), rawModes: "modes" in stdin ? stdin.modes : [] };
}

/** A terminal: raw mode on while the value is typed, keys arriving one by one. */
function terminal(keys: string) {
  const modes: boolean[] = [];
  const stream = Object.assign(Readable.from([...keys]), {
    isTTY: true,
    setRawMode: (on: boolean) => modes.push(on),
    modes,
  });
  return stream;
}

const reveal = async (key: string, name = "posthog-key", repo = REPO) => {
  const project = await store.getProject(repo);
  if (!project) throw new Error(`no project ${repo}`);
  return projectSecrets(store, keyringFromEnv({ PERCEO_ENCRYPTION_KEY: key })).reveal(project.id, name);
};

describe("perceo secrets", () => {
  it("set reads the value from stdin, seals it for the repository, and never prints it", async () => {
    const set = await perceo(["secrets", "set", "--repo", REPO, "--name", "posthog-key"], {
      stdin: `${VALUE}\n`,
    });
    expect(set).toMatchObject({ code: EXIT.passed, stderr: "" });
    expect(set.stdout).toContain("Stored posthog-key for acme/shop");
    expect(set.stdout).toContain("analytics.secret: posthog-key");
    expect(await reveal(OLD_KEY)).toBe(VALUE);
    const [row] = await db.query<{ ciphertext: string; set_by: string }>(
      "select ciphertext, set_by from public.project_secrets",
    );
    expect(row?.set_by).toBe("ops");
    expect(row?.ciphertext).not.toContain(VALUE);

    const again = await perceo(["secrets", "set", "--repo", REPO, "--name", "posthog-key"], {
      stdin: "phx_second",
    });
    expect(again.stdout).toContain("Replaced posthog-key for acme/shop.");
    expect(await reveal(OLD_KEY)).toBe("phx_second");
  });

  it("set refuses a value on the command line without repeating it, and an empty stdin with what to do", async () => {
    for (const args of [
      ["--repo", REPO, "--name", "posthog-key", VALUE],
      ["--repo", REPO, "--name", "posthog-key", `--value=${VALUE}`],
      ["--repo", REPO, "--name", VALUE],
    ]) {
      const result = await perceo(["secrets", "set", ...args], { stdin: "phx_fromStdin" });
      expect(result.code).toBe(EXIT.usage);
      expect(result.stderr).not.toContain(VALUE.slice(4));
      expect(result.stderr).toMatch(
        /read from stdin, never from the command line|--name takes a secret's name/,
      );
    }
    const empty = await perceo(["secrets", "set", "--repo", REPO, "--name", "posthog-key"], { stdin: "\n" });
    expect(empty.code).toBe(EXIT.usage);
    expect(empty.stderr).toContain("no value on stdin: pipe the secret in");
    expect(await db.query("select 1 from public.project_secrets")).toEqual([]);
  });

  it("set at a terminal reads a line without echo", async () => {
    const result = await perceo(["secrets", "set", "--repo", REPO, "--name", "ga4-service-account"], {
      tty: "phx_typedX\u007f-key\r",
    });
    expect(result.code).toBe(EXIT.passed);
    expect(result.stderr).toContain("Value of ga4-service-account for acme/shop (not shown");
    expect(result.stderr).not.toContain("phx_typed");
    expect(result.rawModes).toEqual([true, false]);
    expect(await reveal(OLD_KEY, "ga4-service-account")).toBe("phx_typed-key");
    const blank = await perceo(["secrets", "set", "--repo", REPO, "--name", "posthog-key"], { tty: "\r" });
    expect(blank).toMatchObject({ code: EXIT.usage, stderr: expect.stringContaining("no value typed") });
  });

  it("list shows names, keys and dates, never values; delete removes one", async () => {
    await perceo(["secrets", "set", "--repo", REPO, "--name", "posthog-key"], { stdin: VALUE });
    const listed = await perceo(["secrets", "list", "--repo", REPO]);
    expect(listed.code).toBe(EXIT.passed);
    const keyId = keyringFromEnv({ PERCEO_ENCRYPTION_KEY: OLD_KEY }).current?.id;
    expect(listed.stdout).toMatch(
      new RegExp(`^posthog-key +${keyId}  ops +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  -$`, "m"),
    );
    expect(listed.stdout).not.toContain(VALUE);
    expect(listed.stdout).not.toContain("perceo:v1");

    expect(await perceo(["secrets", "delete", "--repo", REPO, "--name", "posthog-key"])).toMatchObject({
      code: EXIT.passed,
      stdout: "Deleted posthog-key for acme/shop.\n",
    });
    expect((await perceo(["secrets", "list", "--repo", REPO])).stdout).toContain(
      "No secrets stored for acme/shop",
    );
    const gone = await perceo(["secrets", "delete", "--repo", REPO, "--name", "posthog-key"]);
    expect(gone).toMatchObject({
      code: EXIT.usage,
      stderr: expect.stringContaining('has no secret "posthog-key"'),
    });
    const unknown = await perceo(["secrets", "list", "--repo", "acme/typo"]);
    expect(unknown).toMatchObject({
      code: EXIT.usage,
      stderr: expect.stringContaining("no project acme/typo"),
    });
  });

  it("rotate-key re-seals every secret under the new key, and the old key opens none after it", async () => {
    await perceo(["secrets", "set", "--repo", REPO, "--name", "posthog-key"], { stdin: VALUE });
    await perceo(["secrets", "set", "--repo", "acme/blog", "--name", "posthog-key"], {
      stdin: `${VALUE}-blog`,
    });
    const before = await db.query<{ ciphertext: string }>("select ciphertext from public.project_secrets");

    // The new key alone cannot open what the old one sealed: nothing changes, and it says which key to keep.
    const withoutOld = await perceo(["secrets", "rotate-key"], {
      env: { ...env, PERCEO_ENCRYPTION_KEY: NEW_KEY },
    });
    expect(withoutOld.code).toBe(EXIT.usage);
    expect(withoutOld.stderr).toContain("PERCEO_ENCRYPTION_KEY_PREVIOUS");
    expect(await db.query("select ciphertext from public.project_secrets")).toEqual(before);

    const rotating = { ...env, PERCEO_ENCRYPTION_KEY: NEW_KEY, PERCEO_ENCRYPTION_KEY_PREVIOUS: OLD_KEY };
    const rotated = await perceo(["secrets", "rotate-key"], { env: rotating });
    expect(rotated.code).toBe(EXIT.passed);
    expect(rotated.stdout).toContain("Re-sealed 2 secret(s)");
    expect((await perceo(["secrets", "rotate-key"], { env: rotating })).stdout).toContain("already");

    expect(await reveal(NEW_KEY)).toBe(VALUE);
    expect(await reveal(NEW_KEY, "posthog-key", "acme/blog")).toBe(`${VALUE}-blog`);
    await expect(reveal(OLD_KEY)).rejects.toMatchObject({ code: "unknown_key" });
    await expect(reveal(OLD_KEY, "posthog-key", "acme/blog")).rejects.toMatchObject({ code: "unknown_key" });
  });

  it("needs the App's database and its key, and says so", async () => {
    const noDb = await perceo(["secrets", "list", "--repo", REPO], { env: {} });
    expect(noDb).toMatchObject({
      code: EXIT.usage,
      stderr: expect.stringContaining("set DATABASE_URL to the App's"),
    });
    const noKey = await perceo(["secrets", "set", "--repo", REPO, "--name", "posthog-key"], {
      stdin: VALUE,
      env: { DATABASE_URL: env.DATABASE_URL },
    });
    expect(noKey.code).toBe(EXIT.usage);
    expect(noKey.stderr).toContain("PERCEO_ENCRYPTION_KEY is not set");
    expect(noKey.stderr).toContain("openssl rand -base64 32");
  });
});
