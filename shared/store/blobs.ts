import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { StoreError } from "./errors.ts";
import { type HttpOptions, supabaseRequest } from "./supabase-http.ts";

/** The buckets created by the storage migration. */
export type Bucket = "screenshots" | "traces" | "reports";
export const BUCKETS: readonly Bucket[] = ["screenshots", "traces", "reports"];

/** Where screenshots, traces and reports are kept: a directory locally, Supabase Storage in CI. */
export interface Blobs {
  /** Writes (or overwrites) an object; `path` is `/`-separated, e.g. `<project id>/<run>/a.png`. */
  put(bucket: Bucket, path: string, body: Uint8Array, contentType?: string): Promise<void>;
  get(bucket: Bucket, path: string): Promise<Uint8Array | undefined>;
}

/** Refuses paths that could escape their bucket or mean different things to different stores. */
export function assertObjectPath(path: string): void {
  const segments = path.split("/");
  const bad =
    path.length === 0 ||
    path.length > 1024 ||
    path.includes("\\") ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    /[\u0000-\u001f]/.test(path) ||
    segments.some((segment) => segment === "" || segment === "." || segment === "..");
  if (bad) throw new StoreError("invalid", `invalid object path ${JSON.stringify(path)}`);
}

export function assertBucket(bucket: string): asserts bucket is Bucket {
  if (!(BUCKETS as readonly string[]).includes(bucket)) {
    throw new StoreError(
      "invalid",
      `unknown bucket ${JSON.stringify(bucket)}; expected ${BUCKETS.join(", ")}`,
    );
  }
}

/** Objects as files under `<root>/<bucket>/<path>` (the CLI's `.perceo/blobs`). */
export function directoryBlobs(root: string): Blobs {
  const fileFor = (bucket: Bucket, path: string) => {
    assertBucket(bucket);
    assertObjectPath(path);
    const base = resolve(root, bucket);
    const file = resolve(base, ...path.split("/"));
    if (!file.startsWith(base + sep)) throw new StoreError("invalid", `invalid object path ${path}`);
    return file;
  };
  return {
    async put(bucket, path, body) {
      const file = fileFor(bucket, path);
      await mkdir(dirname(file), { recursive: true });
      // Write then rename, so a reader never sees half a screenshot.
      const partial = `${file}.${process.pid}.partial`;
      await writeFile(partial, body);
      await rename(partial, file);
    },
    async get(bucket, path) {
      try {
        return new Uint8Array(await readFile(fileFor(bucket, path)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
  };
}

/** Objects in Supabase Storage, uploaded with the service role (`x-upsert`, so retries are safe). */
export function supabaseBlobs(options: HttpOptions): Blobs {
  const objectUrl = (kind: "object" | "object/authenticated", bucket: Bucket, path: string) => {
    assertBucket(bucket);
    assertObjectPath(path);
    const encoded = path.split("/").map(encodeURIComponent).join("/");
    return `/storage/v1/${kind}/${bucket}/${encoded}`;
  };
  return {
    async put(bucket, path, body, contentType = contentTypeFor(path)) {
      await supabaseRequest(options, {
        method: "POST",
        path: objectUrl("object", bucket, path),
        headers: { "content-type": contentType, "x-upsert": "true", "cache-control": "max-age=3600" },
        body,
      });
    },
    async get(bucket, path) {
      const response = await supabaseRequest(options, {
        method: "GET",
        path: objectUrl("object/authenticated", bucket, path),
        allowNotFound: true,
      });
      if (!response) return undefined;
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}

export function contentTypeFor(path: string): string {
  if (path.endsWith(".png")) return "image/png";
  if (path.endsWith(".jpg") || path.endsWith(".jpeg")) return "image/jpeg";
  if (path.endsWith(".zip")) return "application/zip";
  if (path.endsWith(".html")) return "text/html; charset=utf-8";
  if (path.endsWith(".json")) return "application/json";
  return "application/octet-stream";
}

/** The storage path of a run artifact: `<project id>/<run id>/<report-relative path>`. */
export function artifactPath(projectId: string, runId: string, reportPath: string): string {
  const safeRunId = runId.replace(/[^A-Za-z0-9._-]/g, "_");
  const relative = reportPath.split(/[\\/]+/).filter((segment) => segment !== "" && segment !== ".");
  return [projectId, safeRunId, ...relative].join("/");
}

/** Copies a run's screenshots and traces from its report directory into blobs; report path → storage path. */
export async function uploadRunArtifacts(
  blobs: Blobs,
  input: { projectId: string; runId: string; reportDir: string; screenshots: string[]; traces: string[] },
): Promise<Record<string, string>> {
  const uploaded: Record<string, string> = {};
  const upload = async (bucket: Bucket, reportPath: string) => {
    const path = artifactPath(input.projectId, input.runId, reportPath);
    const body = await readFile(join(input.reportDir, reportPath)).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    });
    if (!body) return;
    await blobs.put(bucket, path, new Uint8Array(body));
    uploaded[reportPath] = path;
  };
  for (const path of new Set(input.screenshots)) await upload("screenshots", path);
  for (const path of new Set(input.traces)) await upload("traces", path);
  return uploaded;
}
