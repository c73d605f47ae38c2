import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import { BlockedUrlError, checkUrl, type GuardOptions, isAllowedTarget } from "./ssrf-guard.ts";

/*
 * Every connection a capture's browser makes goes through this proxy (Playwright routes loopback
 * through a context's proxy too). Chromium follows redirects inside its network stack, out of
 * context.route's sight; here each hop arrives as a request of its own and is checked before a byte
 * leaves, and the proxy connects to the address it checked, so a name cannot re-resolve elsewhere
 * between the check and the connection.
 */

export interface GuardingProxy {
  /** For the context's `proxy.server`. */
  server: string;
  /** `host:port` targets refused, with the reason. */
  refused: Array<{ target: string; reason: string }>;
  close(): Promise<void>;
}

const HOP_HEADERS = ["proxy-connection", "proxy-authorization", "connection", "keep-alive"];
const IDLE_MS = 30_000;

/** Starts a proxy on loopback for one capture; `pins` are addresses already checked for the page's host. */
export async function startGuardingProxy(
  options: GuardOptions,
  pins: ReadonlyMap<string, string> = new Map(),
): Promise<GuardingProxy> {
  const refused: GuardingProxy["refused"] = [];
  const verdicts = new Map<string, Promise<{ address: string } | { reason: string }>>();
  const sockets = new Set<Socket>();

  /** One check per scheme, host and port; the address to connect to, or why not. */
  const resolveTarget = (scheme: "http:" | "https:", host: string, port: number) => {
    const key = `${scheme}//${host}:${port}`;
    let verdict = verdicts.get(key);
    if (!verdict) {
      verdict = (async () => {
        const bare = host.replace(/^\[|\]$/g, "");
        const url = new URL(`${scheme}//${host}:${port}/`);
        if (isAllowedTarget(url, options.allowedTargets ?? [])) return { address: bare };
        const pinned = pins.get(bare);
        if (pinned) return { address: pinned };
        try {
          const checked = await checkUrl(url, options);
          return { address: checked.pinnedAddress ?? bare };
        } catch (error) {
          return { reason: error instanceof BlockedUrlError ? error.message : String(error) };
        }
      })();
      verdicts.set(key, verdict);
    }
    return verdict;
  };

  const refuse = (target: string, reason: string) => {
    refused.push({ target, reason });
  };

  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (url.protocol !== "http:") {
      res.writeHead(400).end();
      return;
    }
    const port = Number(url.port || 80);
    const verdict = await resolveTarget("http:", url.hostname, port);
    if ("reason" in verdict) {
      refuse(`${url.host}`, verdict.reason);
      res.writeHead(403, { "content-type": "text/plain" }).end("Blocked by Perceo");
      return;
    }
    const headers = { ...req.headers };
    for (const name of HOP_HEADERS) delete headers[name];
    const upstream = httpRequest(
      {
        host: verdict.address,
        port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers,
        setHost: false,
        timeout: IDLE_MS,
      },
      (response) => {
        // Redirects go back to the browser as they are: its next hop comes through here again.
        res.writeHead(response.statusCode ?? 502, response.rawHeaders);
        response.pipe(res);
      },
    );
    upstream.on("timeout", () => upstream.destroy(new Error("upstream timed out")));
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    void forward(req, res);
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    void (async () => {
      const target = req.url ?? "";
      const at = target.lastIndexOf(":");
      const host = target.slice(0, at);
      const port = Number(target.slice(at + 1));
      if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) {
        client.end("HTTP/1.1 400 Bad Request\r\n\r\n");
        return;
      }
      // A tunnel is TLS to https servers, or a WebSocket to http ones: check both as the page would reach them.
      const scheme = port === 80 ? "http:" : "https:";
      const verdict = await resolveTarget(scheme, host, port);
      if ("reason" in verdict) {
        refuse(target, verdict.reason);
        client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
        return;
      }
      const upstream = connect({ host: verdict.address, port, timeout: IDLE_MS });
      sockets.add(upstream);
      upstream.on("close", () => sockets.delete(upstream));
      upstream.on("timeout", () => upstream.destroy());
      upstream.on("error", () => {
        if (client.writable) client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      });
      upstream.on("connect", () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
    })();
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    server: `http://127.0.0.1:${port}`,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
