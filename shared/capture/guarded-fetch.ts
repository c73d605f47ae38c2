import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { checkUrl, type GuardOptions } from "./ssrf-guard.ts";

/**
 * A `fetch` for requests that carry a credential to an address that came from configuration: each
 * URL goes through the SSRF guard first, the connection goes to the address the guard checked (no
 * second DNS answer between check and use), and redirects are not followed (a 3xx is handed back as
 * it is), so a key never travels on to a host nobody checked.
 */
export function guardedFetch(options: GuardOptions): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const checked = await checkUrl(url, options);
    const pinned = checked.pinnedAddress;
    const lookup: LookupFunction | undefined = pinned
      ? (_host, opts, callback) => {
          const family = pinned.includes(":") ? 6 : 4;
          if ((opts as { all?: boolean }).all) callback(null, [{ address: pinned, family }]);
          else callback(null, pinned, family);
        }
      : undefined;
    const headers = new Headers(init?.headers);
    const body = init?.body === undefined || init.body === null ? undefined : String(init.body);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const req = send(
        url,
        {
          method: init?.method ?? "GET",
          headers: Object.fromEntries(headers),
          ...(lookup ? { lookup } : {}),
          ...(init?.signal ? { signal: init.signal } : {}),
        },
        (res) => resolve(toResponse(res)),
      );
      req.on("error", reject);
      req.end(body);
    });
  };
}

function toResponse(res: IncomingMessage): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  const status = res.statusCode ?? 502;
  const nullBody = status === 204 || status === 304;
  if (nullBody) res.resume();
  const stream = nullBody
    ? null
    : new ReadableStream<Uint8Array>({
        start(controller) {
          res.on("data", (chunk: Buffer) => controller.enqueue(new Uint8Array(chunk)));
          res.on("end", () => controller.close());
          res.on("error", (error) => controller.error(error));
        },
        cancel() {
          res.destroy();
        },
      });
  return new Response(stream, { status, statusText: res.statusMessage ?? "", headers });
}
