import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

export interface Account {
  name: string;
  email: string;
  passwordHash: string;
}

function deriveKey(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 32, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await deriveKey(password, salt);
  return `${salt.toString("base64")}:${key.toString("base64")}`;
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [saltText, keyText] = stored.split(":");
  if (!saltText || !keyText) return false;
  const expected = Buffer.from(keyText, "base64");
  const actual = await deriveKey(password, Buffer.from(saltText, "base64"));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class AccountBook {
  readonly #accounts = new Map<string, Account>();

  has(email: string): boolean {
    return this.#accounts.has(normalizeEmail(email));
  }

  get(email: string): Account | undefined {
    return this.#accounts.get(normalizeEmail(email));
  }

  /** Returns undefined when the email is already taken. */
  async create(name: string, email: string, password: string): Promise<Account | undefined> {
    const key = normalizeEmail(email);
    if (this.#accounts.has(key)) return undefined;
    const passwordHash = await hashPassword(password);
    // Checked again: another signup for the same email may have finished while this one hashed.
    if (this.#accounts.has(key)) return undefined;
    const account = { name: name.trim(), email: key, passwordHash };
    this.#accounts.set(key, account);
    return account;
  }

  async authenticate(email: string, password: string): Promise<Account | undefined> {
    const account = this.get(email);
    if (!account) return undefined;
    return (await verifyPassword(password, account.passwordHash)) ? account : undefined;
  }
}
