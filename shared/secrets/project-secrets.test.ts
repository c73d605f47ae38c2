import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type Database,
  directoryBlobs,
  migrate,
  postgresDatabase,
  postgresStore,
  type Store,
} from "../store/index.ts";
import { queryAs } from "../store/testing/contract/rls.ts";
import { aProjectName, type PostgresServer, startPostgresServer } from "../store/testing/index.ts";
import { projectSecrets } from "./project-secrets.ts";
import { type Keyring, keyringFromEnv, SecretError } from "./sealed-secret.ts";

const OLD_KEY = Buffer.alloc(32, 1).toString("base64");
const NEW_KEY = Buffer.alloc(32, 2).toString("hex");
const SECRET = "phx_tenantA-personal-key-0123456789";
const keyring = (current: string, previous?: string): Keyring =>
  keyringFromEnv({ PERCEO_ENCRYPTION_KEY: current, PERCEO_ENCRYPTION_KEY_PREVIOUS: previous });

let server: PostgresServer;
let url: string;
let db: Database;
let store: Store;

beforeAll(async () => {
  server = await startPostgresServer();
  url = await server.createDatabase("perceo_secrets_test");
  db = postgresDatabase({ connectionString: url, max: 3 });
  await migrate(db);
  store = postgresStore(db, { blobs: directoryBlobs("/nonexistent"), ownsDatabase: false });
}, 60_000);

beforeEach(async () => {
  await db.query("delete from public.project_secrets");
});

afterAll(async () => {
  await db?.close();
  await server?.stop();
});

const twoProjects = async () => ({
  a: await store.ensureProject({ fullName: aProjectName("tenant-a") }),
  b: await store.ensureProject({ fullName: aProjectName("tenant-b") }),
});

describe("project secrets", () => {
  it("a stored secret opens for its own project only, even when its ciphertext is copied to another's row", async () => {
    const { a, b } = await twoProjects();
    const secrets = projectSecrets(store, keyring(OLD_KEY));
    expect(await secrets.set(a.id, "posthog-key", SECRET, "operator")).toEqual({ created: true });
    expect(await secrets.reveal(a.id, "posthog-key")).toBe(SECRET);
    // B's job asks for the same name: B has none.
    expect(await secrets.reveal(b.id, "posthog-key")).toBeUndefined();
    // Someone with write access to the table moves A's ciphertext into B's row (or renames it).
    await db.query(
      `insert into public.project_secrets (project_id, name, ciphertext, key_id, set_by)
       select $2, name, ciphertext, key_id, 'intruder' from public.project_secrets where project_id = $1`,
      [a.id, b.id],
    );
    await expect(secrets.reveal(b.id, "posthog-key")).rejects.toMatchObject({
      code: "tampered",
      message: expect.stringMatching(/does not open for this project/),
    });
    await db.query("update public.project_secrets set name = 'ga4-key' where project_id = $1", [b.id]);
    await expect(secrets.reveal(b.id, "ga4-key")).rejects.toBeInstanceOf(SecretError);
  });

  it("a wrong encryption key fails loudly, naming the key that sealed the secret", async () => {
    const { a } = await twoProjects();
    await projectSecrets(store, keyring(OLD_KEY)).set(a.id, "posthog-key", SECRET, "operator");
    const wrong = projectSecrets(store, keyring(NEW_KEY));
    const sealedWith = keyring(OLD_KEY).current?.id;
    await expect(wrong.reveal(a.id, "posthog-key")).rejects.toMatchObject({
      code: "unknown_key",
      message: expect.stringContaining(`sealed with key ${sealedWith}, and PERCEO_ENCRYPTION_KEY is key `),
    });
    const none = projectSecrets(store, keyringFromEnv({}));
    await expect(none.reveal(a.id, "posthog-key")).rejects.toThrow(/PERCEO_ENCRYPTION_KEY is not set/);
    await expect(none.set(a.id, "posthog-key", "x", "operator")).rejects.toMatchObject({ code: "no_key" });
  });

  it("rotation re-seals every row with the new key, and the old key then fails", async () => {
    const { a, b } = await twoProjects();
    const old = projectSecrets(store, keyring(OLD_KEY));
    await old.set(a.id, "posthog-key", `${SECRET}-a`, "operator");
    await old.set(b.id, "ga4-service-account", `${SECRET}-b`, "operator");
    const before = await db.query<{ ciphertext: string }>("select ciphertext from public.project_secrets");

    const rotating = projectSecrets(store, keyring(NEW_KEY, OLD_KEY));
    const count = before.length;
    expect(await rotating.rotate()).toBe(count);
    expect(await rotating.rotate()).toBe(0);

    const rows = await db.query<{ key_id: string; ciphertext: string; rotated_at: Date | null }>(
      "select key_id, ciphertext, rotated_at from public.project_secrets",
    );
    const newId = keyring(NEW_KEY).current?.id;
    expect(rows.every((r) => r.key_id === newId && r.ciphertext.startsWith(`perceo:v1:${newId}:`))).toBe(
      true,
    );
    expect(rows.every((r) => r.rotated_at !== null)).toBe(true);
    expect(rows.map((r) => r.ciphertext)).not.toContain(before[0]?.ciphertext);

    const rotated = projectSecrets(store, keyring(NEW_KEY));
    expect(await rotated.reveal(a.id, "posthog-key")).toBe(`${SECRET}-a`);
    expect(await rotated.reveal(b.id, "ga4-service-account")).toBe(`${SECRET}-b`);
    expect(await rotated.unreadable()).toEqual([]);
    await expect(old.reveal(a.id, "posthog-key")).rejects.toMatchObject({ code: "unknown_key" });
    expect((await old.unreadable()).length).toBe(count);
  });

  it("a rotation that meets a row no key opens changes nothing", async () => {
    const { a } = await twoProjects();
    await projectSecrets(store, keyring(OLD_KEY)).set(a.id, "posthog-key", SECRET, "operator");
    const third = Buffer.alloc(32, 3).toString("base64");
    await expect(projectSecrets(store, keyring(third, NEW_KEY)).rotate()).rejects.toMatchObject({
      code: "unknown_key",
    });
    const [row] = await db.query<{ key_id: string }>("select key_id from public.project_secrets");
    expect(row?.key_id).toBe(keyring(OLD_KEY).current?.id);
  });

  it("lists names and who set them, never values, and deletes", async () => {
    const { a } = await twoProjects();
    const secrets = projectSecrets(store, keyring(OLD_KEY));
    await secrets.set(a.id, "posthog-key", SECRET, "ops@example.com");
    expect(await secrets.set(a.id, "posthog-key", `${SECRET}-2`, "ops@example.com")).toEqual({
      created: false,
    });
    const listed = await secrets.list(a.id);
    expect(listed).toEqual([
      expect.objectContaining({ name: "posthog-key", setBy: "ops@example.com", rotatedAt: null }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(SECRET);
    expect(await secrets.reveal(a.id, "posthog-key")).toBe(`${SECRET}-2`);
    expect(await secrets.delete(a.id, "posthog-key")).toBe(true);
    expect(await secrets.delete(a.id, "posthog-key")).toBe(false);
    await expect(secrets.set(a.id, "PostHog Key", SECRET, "ops")).rejects.toThrow(/not a secret name/);
  });

  it("the ciphertext in the table and in pg_dump's output does not contain the secret", async () => {
    const { a } = await twoProjects();
    await projectSecrets(store, keyring(OLD_KEY)).set(a.id, "posthog-key", SECRET, "operator");
    const [row] = await db.query<{ ciphertext: string }>(
      "select ciphertext from public.project_secrets where project_id = $1",
      [a.id],
    );
    expect(row?.ciphertext).toMatch(/^perceo:v1:[0-9a-f]{16}:/);
    expect(row?.ciphertext).not.toContain(SECRET);
    expect(Buffer.from(row?.ciphertext.split(":")[3] ?? "", "base64url").toString("latin1")).not.toContain(
      SECRET.slice(4, 20),
    );
    const { stdout } = await promisify(execFile)(join(server.binDir, "pg_dump"), ["--data-only", url], {
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout).toContain(row?.ciphertext);
    expect(stdout).not.toContain(SECRET);
    expect(stdout).not.toContain(OLD_KEY);
  });

  it("only the service role reads the table: anon and members get permission denied, not even names", async () => {
    const { a } = await twoProjects();
    await projectSecrets(store, keyring(OLD_KEY)).set(a.id, "posthog-key", SECRET, "operator");
    const userId = "00000000-0000-4000-8000-000000000001";
    await db.query("insert into auth.users (id) values ($1) on conflict do nothing", [userId]);
    await store.addProjectMember({ projectId: a.id, userId, role: "owner" });
    const member = { sub: userId, role: "authenticated" };
    for (const [role, claims] of [
      ["anon", { role: "anon" }],
      ["authenticated", member],
    ] as const) {
      await expect(
        queryAs(db, role, claims, "select name from public.project_secrets"),
      ).rejects.toMatchObject({
        sqlState: "42501",
      });
      await expect(
        queryAs(
          db,
          role,
          claims,
          "insert into public.project_secrets (project_id, name, ciphertext, key_id, set_by) values ($1, 'x', 'y', 'z', 'w')",
          [a.id],
        ),
      ).rejects.toMatchObject({ sqlState: "42501" });
    }
    const rows = await queryAs<{ name: string }>(
      db,
      "service_role",
      { role: "service_role" },
      "select name from public.project_secrets where project_id = $1",
      [a.id],
    );
    expect(rows).toEqual([{ name: "posthog-key" }]);
  });
});
