import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/*
 * A project's secret at rest: AES-256-GCM under the App's encryption key (PERCEO_ENCRYPTION_KEY),
 * as `perceo:v1:<key id>:<base64url of iv ‖ tag ‖ ciphertext>`. The key id (a fingerprint of the
 * key, never the key) says which key sealed it, so keys can rotate; the project and the secret's
 * name are the additional authenticated data, so a sealed value copied to another project's row, or
 * renamed, does not open.
 */

const FORMAT = "perceo:v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type SecretErrorCode = "no_key" | "bad_key" | "unknown_key" | "tampered" | "bad_format" | "not_found";

export class SecretError extends Error {
  override name = "SecretError";
  readonly code: SecretErrorCode;
  constructor(code: SecretErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface EncryptionKey {
  /** 16 hex digits naming the key in sealed values and rows. */
  id: string;
  bytes: Buffer;
}

/** The keys the App holds: the one that seals, and earlier ones that still open (during a rotation). */
export interface Keyring {
  current: EncryptionKey | undefined;
  previous: readonly EncryptionKey[];
}

/** Whose secret a sealed value is: it opens only for the same project and name. */
export interface SecretOwner {
  projectId: string;
  name: string;
}

/** A 32-byte key given as base64 (`openssl rand -base64 32`) or 64 hex digits. */
export function parseEncryptionKey(text: string, variable = "PERCEO_ENCRYPTION_KEY"): EncryptionKey {
  const value = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "base64");
  if (bytes.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(value) && bytes.toString("base64") !== value)) {
    throw new SecretError(
      "bad_key",
      `${variable} must be 32 random bytes, base64 or hex: generate one with \`openssl rand -base64 32\``,
    );
  }
  return { id: keyId(bytes), bytes };
}

function keyId(bytes: Buffer): string {
  return createHash("sha256").update("perceo secret key id\0").update(bytes).digest("hex").slice(0, 16);
}

function aad(owner: SecretOwner): Buffer {
  return Buffer.from(`${FORMAT}\0${owner.projectId}\0${owner.name}`);
}

/** Seals `plaintext` under the keyring's current key. */
export function sealSecret(
  keyring: Keyring,
  owner: SecretOwner,
  plaintext: string,
): { ciphertext: string; keyId: string } {
  const key = keyring.current;
  if (!key) throw noKeyError();
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key.bytes, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(owner));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const packed = Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
  return { ciphertext: `${FORMAT}:${key.id}:${packed}`, keyId: key.id };
}

export function noKeyError(): SecretError {
  return new SecretError(
    "no_key",
    "PERCEO_ENCRYPTION_KEY is not set: the App seals project secrets with it (generate one with `openssl rand -base64 32`)",
  );
}

/** The key id a sealed value names; SecretError `bad_format` when it is not one of ours. */
export function sealedKeyId(sealed: string): string {
  const match = /^perceo:v1:([0-9a-f]{16}):[A-Za-z0-9_-]+$/.exec(sealed);
  if (!match?.[1]) throw new SecretError("bad_format", "not a sealed Perceo secret (perceo:v1:…)");
  return match[1];
}

/** Opens a sealed value with whichever key of the keyring sealed it; fails loudly otherwise. */
export function openSecret(keyring: Keyring, owner: SecretOwner, sealed: string): string {
  const id = sealedKeyId(sealed);
  const key = [keyring.current, ...keyring.previous].find((k) => k?.id === id);
  if (!key) {
    const held = keyring.current
      ? `PERCEO_ENCRYPTION_KEY is key ${keyring.current.id}`
      : "PERCEO_ENCRYPTION_KEY is not set";
    throw new SecretError(
      "unknown_key",
      `the secret "${owner.name}" was sealed with key ${id}, and ${held}: set the key that sealed it ` +
        "(or keep it in PERCEO_ENCRYPTION_KEY_PREVIOUS while `perceo secrets rotate-key` runs)",
    );
  }
  const packed = Buffer.from(sealed.slice(sealed.lastIndexOf(":") + 1), "base64url");
  if (packed.length < IV_BYTES + TAG_BYTES)
    throw new SecretError("bad_format", `the secret "${owner.name}" is cut short`);
  const decipher = createDecipheriv("aes-256-gcm", key.bytes, packed.subarray(0, IV_BYTES), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(aad(owner));
  decipher.setAuthTag(packed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(packed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new SecretError(
      "tampered",
      `the secret "${owner.name}" does not open for this project: it was changed, or sealed for another project or name`,
    );
  }
}

/** PERCEO_ENCRYPTION_KEY and, during a rotation, PERCEO_ENCRYPTION_KEY_PREVIOUS (comma-separated). */
export function keyringFromEnv(env: Record<string, string | undefined>): Keyring {
  const current = env.PERCEO_ENCRYPTION_KEY?.trim();
  const previous = (env.PERCEO_ENCRYPTION_KEY_PREVIOUS ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  return {
    current: current ? parseEncryptionKey(current) : undefined,
    previous: previous.map((k) => parseEncryptionKey(k, "PERCEO_ENCRYPTION_KEY_PREVIOUS")),
  };
}
