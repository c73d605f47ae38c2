import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import type { IncomingMessage } from "node:http";
import { z } from "zod";

/*
 * The dashboard keeps no session table: a session is a cookie the App signs (HMAC-SHA256) and
 * checks on every request. The user's GitHub token inside it is sealed as well (AES-256-GCM), so
 * neither the browser nor anything that logs cookies ever holds it in the clear. Both keys come
 * from PERCEO_SESSION_SECRET through HKDF, each for its one purpose.
 */

export const SESSION_COOKIE = "perceo_session";
/** The sign-in's state, between /dashboard/login and GitHub's redirect to /dashboard/callback. */
export const STATE_COOKIE = "perceo_oauth";

const session = z.object({
  kind: z.literal("session"),
  /** Random per sign-in: the key of the permission cache and the CSRF token's source. */
  sid: z.string().min(16),
  userId: z.number().int(),
  login: z.string().min(1),
  csrf: z.string().min(16),
  /** The user-to-server token, sealed. */
  token: z.string().min(1),
  /** Unix seconds. */
  exp: z.number().int(),
});

const signInState = z.object({
  kind: z.literal("oauth-state"),
  state: z.string().min(16),
  /** Where to go once signed in: a path under the dashboard, checked before it was written. */
  next: z.string(),
  exp: z.number().int(),
});

export type SessionPayload = Omit<z.infer<typeof session>, "kind" | "token">;
export type Session = SessionPayload & { token: string };
export type SignInState = Omit<z.infer<typeof signInState>, "kind">;

export interface SessionKeys {
  signSession(session: Session): string;
  signSignInState(state: SignInState): string;
  readSession(cookieValue: string | undefined, now?: Date): Session | undefined;
  readSignInState(cookieValue: string | undefined, now?: Date): SignInState | undefined;
}

export function sessionKeys(secret: string): SessionKeys {
  const macKey = derive(secret, "perceo dashboard cookie signature");
  const tokenKey = derive(secret, "perceo dashboard token sealing");

  const signPayload = (payload: object): string => {
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${body}.${mac(macKey, body)}`;
  };
  const verified = (value: string | undefined): unknown => {
    if (!value || value.length > 4096) return undefined;
    const [body, signature, extra] = value.split(".");
    if (!body || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(mac(macKey, body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      return undefined;
    }
  };
  const unexpired = (exp: number, now: Date) => exp * 1000 > now.getTime();

  return {
    signSession({ token, ...rest }) {
      return signPayload({ kind: "session", ...rest, token: seal(tokenKey, token) });
    },
    signSignInState(state) {
      return signPayload({ kind: "oauth-state", ...state });
    },
    readSession(value, now = new Date()) {
      const parsed = session.safeParse(verified(value));
      if (!parsed.success || !unexpired(parsed.data.exp, now)) return undefined;
      const token = unseal(tokenKey, parsed.data.token);
      if (token === undefined) return undefined;
      const { kind: _, ...rest } = parsed.data;
      return { ...rest, token };
    },
    readSignInState(value, now = new Date()) {
      const parsed = signInState.safeParse(verified(value));
      if (!parsed.success || !unexpired(parsed.data.exp, now)) return undefined;
      const { kind: _, ...rest } = parsed.data;
      return rest;
    },
  };
}

/** A random value for session ids, CSRF tokens and OAuth states. */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Whether two secrets (a state, a CSRF token) are the same, in constant time. */
export function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const index = part.indexOf("=");
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  path: string;
  secure: boolean;
  /** Seconds; 0 clears the cookie. */
  maxAge: number;
}

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  return [
    `${name}=${value}`,
    `Path=${options.path}`,
    `Max-Age=${options.maxAge}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(options.secure ? ["Secure"] : []),
  ].join("; ");
}

function derive(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "perceo", purpose, 32));
}

function mac(key: Buffer, body: string): string {
  return createHmac("sha256", key).update(body).digest("base64url");
}

function seal(key: Buffer, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const sealed = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
}

function unseal(key: Buffer, value: string): string | undefined {
  const bytes = Buffer.from(value, "base64url");
  if (bytes.length < 29) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}
