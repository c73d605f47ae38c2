import { createServer, type Server } from "node:http";
import path from "node:path";
import { createDashboard, localViewer } from "../dashboard/index.ts";
import { openPostgresStore, type Store } from "../store/index.ts";
import { type CliIo, EXIT, parse, positiveInt, UsageError } from "./cli-io.ts";

export const DEFAULT_DASHBOARD_PORT = 4590;

export interface RunningDashboard {
  url: string;
  server: Server;
  store: Store;
  close(): Promise<void>;
}

/**
 * The dashboard on 127.0.0.1 over the store `perceo run` and `perceo demo` write (the embedded
 * database in `<dir>/.perceo/data`, or DATABASE_URL), with no login: whoever can reach the loopback
 * address is the developer. Port 0 picks a free one.
 */
export async function startLocalDashboard(options: { cwd: string; env: NodeJS.ProcessEnv; port: number }) {
  const store = await openPostgresStore({ env: options.env, cwd: options.cwd });
  const handle = createDashboard({ store, blobs: store.blobs, basePath: "", viewer: localViewer() });
  const server = createServer((req, res) => {
    handle(req, res).then(
      (handled) => {
        if (handled) return;
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
        res.end("not found");
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}/`,
    server,
    store,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  } satisfies RunningDashboard;
}

/** `perceo dashboard [--port N] [--dir DIR]`: serves until interrupted (Ctrl-C). */
export async function commandDashboard(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { port: { type: "string" }, dir: { type: "string" } });
  const port = positiveInt(values.port, "--port") ?? DEFAULT_DASHBOARD_PORT;
  if (port > 65535) throw new UsageError(`--port expects a port number up to 65535, got "${values.port}"`);
  const cwd = path.resolve(io.cwd, values.dir ?? ".");
  let dashboard: RunningDashboard;
  try {
    dashboard = await startLocalDashboard({ cwd, env: io.env, port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new UsageError(`port ${port} is in use: pass another with --port N (0 picks a free one)`);
    throw error;
  }
  io.stdout.write(`Perceo dashboard at ${dashboard.url} (Ctrl-C to stop)\n`);
  // bin.ts aborts the signal on Ctrl-C.
  await new Promise<void>((resolve) => {
    if (!io.signal) return;
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await dashboard.close();
  return EXIT.passed;
}
