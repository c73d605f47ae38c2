import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

/** Resolves a host name to every address it has (A and AAAA). */
export type HostResolver = (hostname: string) => Promise<string[]>;

export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export class BlockedUrlError extends Error {
  readonly code = "PERCEO_BLOCKED_URL";
  readonly url: string;
  constructor(url: string, reason: string) {
    super(
      `Refused to capture ${url}: ${reason}. Perceo only opens public http(s) addresses; ` +
        "list a test server you trust under allowedTargets in .perceo/config.yml.",
    );
    this.name = "BlockedUrlError";
    this.url = url;
  }
}

export interface GuardOptions {
  /** Origins (http://127.0.0.1:4000) or hosts (staging.internal, 127.0.0.1:4000) opened without checks. */
  allowedTargets?: readonly string[];
  /** Injectable for tests; default the system resolver. */
  resolve?: HostResolver;
}

/** A URL that passed the guard, with the address the browser must use for its host. */
export interface CheckedUrl {
  url: URL;
  /** True when an allowed target; then nothing is pinned. */
  allowed: boolean;
  /** The checked address for `url.hostname`, when it is a name (not an IP literal, not allowed). */
  pinnedAddress?: string;
}

/**
 * The SSRF guard for one URL:
 * 1. http or https, no credentials in the URL
 * 2. an allowed target passes as is
 * 3. an IP literal (any spelling: the URL parser normalises 0x7f.1, 2130706433, 0177.0.0.1, [::ffff:7f00:1]) must be public unicast
 * 4. a name is resolved once and every address must be public unicast; the first is the one to pin
 */
export async function checkUrl(input: string | URL, options: GuardOptions = {}): Promise<CheckedUrl> {
  const raw = String(input);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BlockedUrlError(raw, "not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new BlockedUrlError(raw, `the ${url.protocol} scheme is not allowed`);
  if (isAllowedTarget(url, options.allowedTargets ?? [])) return { url, allowed: true };
  if (url.username || url.password) throw new BlockedUrlError(raw, "credentials in the URL are not allowed");

  const host = bareHost(url.hostname);
  if (ipaddr.isValid(host)) {
    assertPublic(raw, host);
    return { url, allowed: false };
  }
  if (host === "localhost" || host.endsWith(".localhost"))
    throw new BlockedUrlError(raw, `${host} is this machine`);
  let addresses: string[];
  try {
    addresses = await (options.resolve ?? systemResolver)(host);
  } catch (error) {
    throw new BlockedUrlError(raw, `${host} does not resolve (${(error as Error).message})`);
  }
  if (addresses.length === 0) throw new BlockedUrlError(raw, `${host} has no addresses`);
  for (const address of addresses) assertPublic(raw, address, host);
  return { url, allowed: false, pinnedAddress: addresses[0] as string };
}

/** The range name when an address is not public unicast (loopback, private, linkLocal, uniqueLocal, …); undefined when public. */
export function forbiddenRange(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return "invalid";
  // process() turns IPv4-mapped IPv6 (::ffff:127.0.0.1) into the IPv4 address it carries.
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range !== "unicast") return range;
  if (parsed.kind() === "ipv6") {
    // IPv4-compatible (::a.b.c.d, deprecated) carries an IPv4 address in the low 32 bits.
    const parts = (parsed as ipaddr.IPv6).parts;
    if (parts.slice(0, 6).every((p) => p === 0)) return "ipv4Compatible";
  }
  return undefined;
}

function assertPublic(url: string, address: string, host?: string): void {
  const range = forbiddenRange(address);
  if (range) {
    const via = host ? `${host} resolves to ${address}` : address;
    throw new BlockedUrlError(url, `${via} is a ${range} address`);
  }
}

function bareHost(hostname: string): string {
  const unbracketed = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  return unbracketed.replace(/\.$/, "").toLowerCase();
}

export function isAllowedTarget(url: URL, allowed: readonly string[]): boolean {
  for (const entry of allowed) {
    if (entry.includes("://")) {
      try {
        if (new URL(entry).origin === url.origin) return true;
      } catch {
        // A malformed entry allows nothing; the config schema rejects it earlier.
      }
    } else if (entry.toLowerCase() === url.host || entry.toLowerCase() === url.hostname) return true;
  }
  return false;
}

/** Chromium's --host-resolver-rules value that pins each name to the address the guard checked. */
export function hostResolverRules(pins: ReadonlyMap<string, string>): string | undefined {
  if (pins.size === 0) return undefined;
  return [...pins]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([host, address]) => `MAP ${host} ${address.includes(":") ? `[${address}]` : address}`)
    .join(", ");
}

/**
 * Checks the URLs a page asks for after the first one (subresources, fetches, frames, WebSockets),
 * resolving each new host once per capture.
 */
export class RequestGuard {
  readonly #options: GuardOptions;
  readonly #pins: ReadonlyMap<string, string>;
  readonly #verdicts = new Map<string, Promise<string | undefined>>();
  readonly blocked: string[] = [];

  constructor(options: GuardOptions, pins: ReadonlyMap<string, string>) {
    this.#options = options;
    this.#pins = pins;
  }

  /** undefined when the request may go; otherwise why not. */
  async check(rawUrl: string): Promise<string | undefined> {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return "not a valid URL";
    }
    if (url.protocol === "data:" || url.protocol === "blob:" || url.protocol === "about:") return undefined;
    const scheme = url.protocol === "ws:" ? "http:" : url.protocol === "wss:" ? "https:" : url.protocol;
    if (scheme !== "http:" && scheme !== "https:") return `the ${url.protocol} scheme is not allowed`;
    const httpUrl = new URL(rawUrl.replace(/^ws/, "http"));
    if (this.#pins.has(bareHost(httpUrl.hostname))) return undefined; // the browser uses the pinned address
    const key = `${httpUrl.protocol}//${httpUrl.host}`;
    let verdict = this.#verdicts.get(key);
    if (!verdict) {
      verdict = checkUrl(httpUrl, this.#options).then(
        () => undefined,
        (error: unknown) => (error instanceof BlockedUrlError ? error.message : String(error)),
      );
      this.#verdicts.set(key, verdict);
    }
    const reason = await verdict;
    if (reason) this.blocked.push(rawUrl);
    return reason;
  }
}
