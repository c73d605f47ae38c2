import type { IncomingMessage } from "node:http";

const MAX_BODY_BYTES = 64 * 1024;

export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
}

/** Reads an `application/x-www-form-urlencoded` (or JSON object) body into URLSearchParams. */
export async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  const type = request.headers["content-type"] ?? "";
  if (type.startsWith("application/json")) {
    const form = new URLSearchParams();
    try {
      const data: unknown = JSON.parse(text || "{}");
      if (data && typeof data === "object") {
        for (const [key, value] of Object.entries(data)) {
          if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
            form.set(key, String(value));
          }
        }
      }
    } catch {
      // An unreadable JSON body is treated as an empty form; validation then names the missing fields.
    }
    return form;
  }
  return new URLSearchParams(text);
}
