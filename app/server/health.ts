import type { IncomingMessage, ServerResponse } from "node:http";
import type pg from "pg";

/** `GET /healthz`: 200 when the database answers within 2 s, 503 otherwise. */
export function healthRoute(pool: pg.Pool) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== "GET" || req.url?.split("?")[0] !== "/healthz") return false;
    let database: "ok" | "unreachable" = "ok";
    try {
      await withTimeout(pool.query("select 1"), 2_000);
    } catch {
      database = "unreachable";
    }
    const body = JSON.stringify({ status: database === "ok" ? "ok" : "unavailable", database });
    res.writeHead(database === "ok" ? 200 : 503, { "content-type": "application/json" }).end(body);
    return true;
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
