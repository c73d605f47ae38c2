import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolveCopy, type ShopCopy } from "./src/copy.ts";
import { createRequestHandler } from "./src/handle-request.ts";
import { createShopState, type ShopTestChanges } from "./src/state/shop-state.ts";

export interface StartShopOptions {
  /** 0 or omitted: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Replaces any button, heading or message text. */
  copy?: Partial<ShopCopy>;
  /** Test-only: deploy-like changes that visual-diff tests seed (see ShopTestChanges). */
  testChanges?: ShopTestChanges;
}

export interface RunningShop {
  /** e.g. http://127.0.0.1:54321 */
  url: string;
  close(): Promise<void>;
}

/** Starts a fresh shop: its own accounts, carts and orders, seeded with the demo account. */
export async function startShop(options: StartShopOptions = {}): Promise<RunningShop> {
  const host = options.host ?? "127.0.0.1";
  const state = await createShopState(resolveCopy(options.copy), options.testChanges);
  const handle = createRequestHandler(state);
  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Browsers keep connections open; without this close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}

if (import.meta.main) {
  const port = Number(process.env.PORT ?? 3000);
  const shop = await startShop({ port, host: process.env.HOST ?? "127.0.0.1" });
  console.log(`Lumen & Oak demo shop running at ${shop.url}`);
  const stop = () => {
    void shop.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
