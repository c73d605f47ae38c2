import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGuardingProxy } from "./guarding-proxy.ts";

let target: Server;
let port: number;
const hits: Array<{ url: string; host: string }> = [];

beforeAll(async () => {
  target = createServer((req, res) => {
    hits.push({ url: req.url ?? "", host: req.headers.host ?? "" });
    res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
  });
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  port = (target.address() as AddressInfo).port;
});
afterAll(async () => {
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
});

/** A GET sent to the proxy the way a browser sends plain HTTP through one. */
function viaProxy(proxy: string, url: string): Promise<{ status: number; location?: string }> {
  const { port: proxyPort } = new URL(proxy);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: proxyPort, path: url, headers: { host: new URL(url).host } },
      (res) => {
        res.resume();
        resolve({
          status: res.statusCode ?? 0,
          ...(res.headers.location ? { location: res.headers.location } : {}),
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The first line the proxy answers to CONNECT host:port. */
function tunnel(proxy: string, target: string): Promise<string> {
  const { port: proxyPort } = new URL(proxy);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(proxyPort), "127.0.0.1", () => {
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    });
    socket.once("data", (data) => {
      resolve(data.toString().split("\r\n")[0] ?? "");
      socket.destroy();
    });
    socket.on("error", reject);
  });
}

const resolve = async (host: string) => {
  if (host === "inward.example") return ["127.0.0.1"];
  if (host === "metadata.example") return ["169.254.169.254"];
  throw new Error(`no DNS in tests for ${host}`);
};

describe("the guarding proxy", () => {
  it("refuses inward targets before connecting: loopback, metadata, names that resolve inward", async () => {
    const proxy = await startGuardingProxy({ resolve });
    try {
      expect(await viaProxy(proxy.server, `http://127.0.0.1:${port}/admin`)).toMatchObject({ status: 403 });
      expect(await viaProxy(proxy.server, `http://inward.example:${port}/admin`)).toMatchObject({
        status: 403,
      });
      expect(await tunnel(proxy.server, "169.254.169.254:443")).toBe("HTTP/1.1 403 Forbidden");
      expect(await tunnel(proxy.server, "metadata.example:443")).toBe("HTTP/1.1 403 Forbidden");
      expect(await tunnel(proxy.server, `[::ffff:127.0.0.1]:${port}`)).toBe("HTTP/1.1 403 Forbidden");
      expect(hits).toEqual([]);
      expect(proxy.refused.map((r) => r.target)).toEqual([
        `127.0.0.1:${port}`,
        `inward.example:${port}`,
        "169.254.169.254:443",
        "metadata.example:443",
        `[::ffff:127.0.0.1]:${port}`,
      ]);
    } finally {
      await proxy.close();
    }
  });

  it("connects a checked name to the address it was pinned to, and hands redirects back to the browser", async () => {
    // The resolver would throw for pinned.example: reaching the server proves the pin was used.
    const proxy = await startGuardingProxy({ resolve }, new Map([["pinned.example", "127.0.0.1"]]));
    try {
      const answer = await viaProxy(proxy.server, `http://pinned.example:${port}/page?q=1`);
      expect(answer).toEqual({ status: 302, location: "http://169.254.169.254/latest/meta-data/" });
      expect(hits.at(-1)).toEqual({ url: "/page?q=1", host: `pinned.example:${port}` });
      expect(await tunnel(proxy.server, `pinned.example:${port}`)).toBe(
        "HTTP/1.1 200 Connection Established",
      );
    } finally {
      await proxy.close();
    }
  });

  it("lets allowed targets through as they are", async () => {
    const proxy = await startGuardingProxy({ resolve, allowedTargets: [`http://127.0.0.1:${port}`] });
    try {
      expect(await viaProxy(proxy.server, `http://127.0.0.1:${port}/ok`)).toMatchObject({ status: 302 });
      expect(hits.at(-1)?.url).toBe("/ok");
    } finally {
      await proxy.close();
    }
  });
});
