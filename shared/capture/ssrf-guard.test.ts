import { describe, expect, it } from "vitest";
import {
  BlockedUrlError,
  checkUrl,
  type HostResolver,
  hostResolverRules,
  RequestGuard,
} from "./ssrf-guard.ts";

const DNS: Record<string, string[]> = {
  "shop.example": ["93.184.216.34"],
  "v6.example": ["2606:2800:220:1:248:1893:25c8:1946"],
  "evil.example": ["127.0.0.1"],
  "mixed.example": ["93.184.216.34", "10.0.0.5"],
  "metadata.example": ["169.254.169.254"],
  "mapped.example": ["::ffff:127.0.0.1"],
  "ula.example": ["fd00:ec2::254"],
};
const resolve: HostResolver = async (host) => {
  const found = DNS[host];
  if (!found) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return found;
};

const HOSTILE = [
  "http://127.0.0.1/",
  "http://127.1/",
  "http://2130706433/",
  "http://0x7f000001/",
  "http://0x7f.0.0.1/",
  "http://0177.0.0.1/",
  "http://017700000001/",
  "http://127.000.000.001/",
  "http://0/",
  "http://0.0.0.0/",
  "http://[::1]/",
  "http://[::]/",
  "http://[::ffff:127.0.0.1]/",
  "http://[::ffff:7f00:1]/",
  "http://[0:0:0:0:0:ffff:127.0.0.1]/",
  "http://[::127.0.0.1]/",
  "http://169.254.169.254/latest/meta-data/",
  "http://2852039166/latest/meta-data/",
  "http://0xa9fea9fe/",
  "http://0251.0376.0251.0376/",
  "http://[::ffff:169.254.169.254]/",
  "http://[fd00:ec2::254]/",
  "http://[fe80::1]/",
  "http://10.0.0.1/",
  "http://172.16.5.4/",
  "http://192.168.1.1/",
  "http://100.100.100.200/",
  "http://224.0.0.1/",
  "http://255.255.255.255/",
  "http://[64:ff9b::7f00:1]/",
  "http://[2002:7f00:1::]/",
  "http://localhost:3000/",
  "http://LOCALHOST./",
  "http://api.localhost/",
  "http://evil.example/",
  "http://mixed.example/",
  "http://metadata.example/",
  "http://mapped.example/",
  "http://ula.example/",
  "http://unknown.example/",
  "file:///etc/passwd",
  "ftp://shop.example/",
  "javascript:alert(1)",
  "gopher://127.0.0.1:6379/_INFO",
  "http://user:pass@shop.example/",
  "not a url",
];

describe("checkUrl", () => {
  it.each(HOSTILE)("refuses %s", async (url) => {
    await expect(checkUrl(url, { resolve })).rejects.toBeInstanceOf(BlockedUrlError);
  });

  it("refuses at least 25 hostile URLs", () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(25);
  });

  it("says why, and what to do", async () => {
    await expect(checkUrl("http://evil.example/", { resolve })).rejects.toThrow(
      /evil\.example resolves to 127\.0\.0\.1 is a loopback address.*allowedTargets/,
    );
  });

  it("passes a public name and pins it to the address it checked", async () => {
    const checked = await checkUrl("https://shop.example/products", { resolve });
    expect(checked).toMatchObject({ allowed: false, pinnedAddress: "93.184.216.34" });
    const v6 = await checkUrl("https://v6.example/", { resolve });
    expect(
      hostResolverRules(
        new Map([
          ["shop.example", "93.184.216.34"],
          ["v6.example", v6.pinnedAddress as string],
        ]),
      ),
    ).toBe("MAP shop.example 93.184.216.34, MAP v6.example [2606:2800:220:1:248:1893:25c8:1946]");
  });

  it("passes a public IP literal without resolving", async () => {
    const checked = await checkUrl("http://93.184.216.34/", {
      resolve: () => Promise.reject(new Error("no")),
    });
    expect(checked.pinnedAddress).toBeUndefined();
  });

  it("lets explicitly allowed test targets through, by origin or host", async () => {
    await expect(
      checkUrl("http://127.0.0.1:4000/x", { allowedTargets: ["http://127.0.0.1:4000"] }),
    ).resolves.toMatchObject({ allowed: true });
    await expect(
      checkUrl("http://localhost:3000/", { allowedTargets: ["localhost:3000"] }),
    ).resolves.toMatchObject({ allowed: true });
    await expect(
      checkUrl("http://127.0.0.1:4001/", { allowedTargets: ["http://127.0.0.1:4000"] }),
    ).rejects.toBeInstanceOf(BlockedUrlError);
  });
});

describe("RequestGuard", () => {
  it("checks subresources and WebSockets, resolving each host once", async () => {
    let lookups = 0;
    const counting: HostResolver = (host) => {
      lookups++;
      return resolve(host);
    };
    const guard = new RequestGuard({ resolve: counting }, new Map([["pinned.example", "93.184.216.34"]]));
    expect(await guard.check("https://shop.example/a.css")).toBeUndefined();
    expect(await guard.check("https://shop.example/b.js")).toBeUndefined();
    expect(await guard.check("https://pinned.example/c.js")).toBeUndefined();
    expect(await guard.check("data:image/png;base64,AAAA")).toBeUndefined();
    expect(await guard.check("ws://127.0.0.1:9000/socket")).toMatch(/loopback/);
    expect(await guard.check("wss://evil.example/socket")).toMatch(/loopback/);
    expect(await guard.check("http://169.254.169.254/latest/meta-data/")).toMatch(/linkLocal/);
    expect(lookups).toBe(2);
    expect(guard.blocked).toHaveLength(3);
  });
});
