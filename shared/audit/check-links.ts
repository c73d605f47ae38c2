import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { BlockedUrlError, checkUrl, type GuardOptions } from "../capture/index.ts";

export interface LinkCheckOptions extends GuardOptions {
  /** Links checked per page at most (default 40); the rest are reported as not checked. */
  maxLinks?: number;
  /** Per request (default 8 s). */
  timeoutMs?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
}

export interface LinkResult {
  url: string;
  /** The final HTTP status, or null when the request failed. */
  status: number | null;
  ok: boolean;
  /** Why it failed (status text, network error) or why it was not checked. */
  reason?: string;
}

export interface LinkReport {
  checked: LinkResult[];
  /** Refused by the SSRF guard: private, local or odd addresses are never requested. */
  refused: string[];
  /** Over the cap. */
  unchecked: string[];
}

const MAX_REDIRECTS = 5;
const USER_AGENT = "Perceo link check (+https://github.com/perceo/perceo)";

/**
 * Checks the links of a page: each through the capture's SSRF guard (the host resolved once and
 * the request sent to that address), HEAD first and GET when HEAD is refused, redirects followed
 * and checked hop by hop, at most `maxLinks`.
 */
export async function checkLinks(
  urls: readonly string[],
  options: LinkCheckOptions = {},
): Promise<LinkReport> {
  const cap = options.maxLinks ?? 40;
  const report: LinkReport = { checked: [], refused: [], unchecked: urls.slice(cap) };
  const queue = urls.slice(0, cap);
  const worker = async () => {
    for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
      const result = await checkLink(url, options);
      if (result === "refused") report.refused.push(url);
      else report.checked.push(result);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  report.checked.sort((a, b) => a.url.localeCompare(b.url));
  report.refused.sort();
  return report;
}

async function checkLink(url: string, options: LinkCheckOptions): Promise<LinkResult | "refused"> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let pinned: string | undefined;
    try {
      pinned = (await checkUrl(current, options)).pinnedAddress;
    } catch (error) {
      if (error instanceof BlockedUrlError)
        return hop === 0 ? "refused" : failed(url, "redirects to an address Perceo does not open");
      throw error;
    }
    let answer = await send(current, "HEAD", pinned, options.timeoutMs ?? 8_000);
    // Some servers refuse HEAD (405, 501) or answer it wrongly; GET is the truth.
    if (
      answer.status === null ||
      answer.status === 405 ||
      answer.status === 501 ||
      answer.status === 403 ||
      answer.status === 404
    ) {
      answer = await send(current, "GET", pinned, options.timeoutMs ?? 8_000);
    }
    if (answer.status === null) return failed(url, answer.reason ?? "no answer");
    if (answer.status >= 300 && answer.status < 400 && answer.location) {
      current = new URL(answer.location, current).href;
      continue;
    }
    const ok = answer.status < 400;
    return { url, status: answer.status, ok, ...(ok ? {} : { reason: `HTTP ${answer.status}` }) };
  }
  return failed(url, `more than ${MAX_REDIRECTS} redirects`);
}

function failed(url: string, reason: string): LinkResult {
  return { url, status: null, ok: false, reason };
}

function send(
  url: string,
  method: "HEAD" | "GET",
  pinnedAddress: string | undefined,
  timeoutMs: number,
): Promise<{ status: number | null; location?: string; reason?: string }> {
  const target = new URL(url);
  const request = target.protocol === "https:" ? httpsRequest : httpRequest;
  // The address the guard checked, not a second DNS answer: no rebinding between check and use.
  const lookup: LookupFunction | undefined = pinnedAddress
    ? (_host, opts, callback) => {
        const family = pinnedAddress.includes(":") ? 6 : 4;
        if ((opts as { all?: boolean }).all) callback(null, [{ address: pinnedAddress, family }]);
        else callback(null, pinnedAddress, family);
      }
    : undefined;
  return new Promise((resolve) => {
    const req = request(
      target,
      { method, headers: { "user-agent": USER_AGENT, accept: "*/*" }, ...(lookup ? { lookup } : {}) },
      (res) => {
        res.resume();
        resolve({
          status: res.statusCode ?? null,
          ...(typeof res.headers.location === "string" ? { location: res.headers.location } : {}),
        });
        res.destroy();
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (error) => resolve({ status: null, reason: error.message }));
    req.end();
  });
}
