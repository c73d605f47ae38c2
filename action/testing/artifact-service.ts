import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";

export const RESULTS_URL = "https://results-receiver.actions.example/";
const BLOB_ORIGIN = "https://artifactcache.blob.example";
const SERVICE = "/twirp/github.actions.results.api.v1.ArtifactService";
const RUN_BACKEND_ID = "ce7f54c7-61c7-4aae-887f-30da475f5f1a";
const JOB_BACKEND_ID = "ca395085-040a-526b-2ce8-bdc85f692774";
const SIGNATURE = "c2lnbmF0dXJlLW9mLXRoZS11cGxvYWQ";

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** ACTIONS_RUNTIME_TOKEN as the runner hands it out: a JWT whose `scp` names the run's and job's backend ids. */
export const RUNTIME_TOKEN = [
  base64url({ typ: "JWT", alg: "RS256" }),
  base64url({ scp: `Actions.GenericRead:00000000 Actions.Results:${RUN_BACKEND_ID}:${JOB_BACKEND_ID}` }),
  "c2lnbmF0dXJl",
].join(".");

/** The variables the runner sets for the artifact service. */
export const ARTIFACT_ENV = { ACTIONS_RUNTIME_TOKEN: RUNTIME_TOKEN, ACTIONS_RESULTS_URL: RESULTS_URL };

export interface ArtifactUpload {
  create: () => Record<string, unknown>;
  finalize: () => Record<string, unknown>;
  /** The zip the Action put in blob storage, its blocks joined. */
  zip: () => Buffer;
}

/**
 * Expects one artifact upload the way @actions/artifact v6 makes it: CreateArtifact (twirp, runtime
 * token), then the zip staged as blocks on the signed URL and committed as a block list, then
 * FinalizeArtifact with its size and sha256.
 */
export function expectArtifactUpload(name: string, artifactId = 4711): ArtifactUpload {
  let create: Record<string, unknown> | undefined;
  let finalize: Record<string, unknown> | undefined;
  const blocks = new Map<string, Buffer>();
  let committed: string[] | undefined;
  const blobPath = `/actions-results/${RUN_BACKEND_ID}/${name}.zip`;
  nock(RESULTS_URL)
    .post(`${SERVICE}/CreateArtifact`, (body) => {
      create = body as Record<string, unknown>;
      return true;
    })
    .matchHeader("authorization", `Bearer ${RUNTIME_TOKEN}`)
    .reply(200, { ok: true, signed_upload_url: `${BLOB_ORIGIN}${blobPath}?sv=2023-11-03&sig=${SIGNATURE}` });
  nock(BLOB_ORIGIN)
    .put(blobPath)
    .query((query) => query.comp === "block" && typeof query.blockid === "string" && query.sig === SIGNATURE)
    .times(1)
    .reply(201, async (request: Request) => {
      const blockId = new URL(request.url).searchParams.get("blockid") ?? "";
      blocks.set(blockId, Buffer.from(await request.arrayBuffer()));
      return "";
    });
  nock(BLOB_ORIGIN)
    .put(blobPath)
    .query((query) => query.comp === "blocklist" && query.sig === SIGNATURE)
    .matchHeader("x-ms-blob-content-type", "application/zip")
    .reply(201, async (request: Request) => {
      committed = [...(await request.text()).matchAll(/<Latest>([^<]+)<\/Latest>/g)].map(
        (m) => m[1] as string,
      );
      return "";
    });
  nock(RESULTS_URL)
    .post(`${SERVICE}/FinalizeArtifact`, (body) => {
      finalize = body as Record<string, unknown>;
      return true;
    })
    .matchHeader("authorization", `Bearer ${RUNTIME_TOKEN}`)
    .reply(200, { ok: true, artifact_id: String(artifactId) });
  const sent = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`no ${what} was sent`);
    return value;
  };
  return {
    create: () => sent(create, "CreateArtifact"),
    finalize: () => sent(finalize, "FinalizeArtifact"),
    zip: () => Buffer.concat(sent(committed, "block list").map((id) => sent(blocks.get(id), `block ${id}`))),
  };
}

/** The names in a zip's central directory, found through its end-of-central-directory record. */
export function zipEntries(zip: Buffer): string[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end === -1) throw new Error("not a zip: no end-of-central-directory record");
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`not a central directory entry at ${at}`);
    const nameLength = zip.readUInt16LE(at + 28);
    names.push(zip.subarray(at + 46, at + 46 + nameLength).toString("utf8"));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return names.sort();
}

export interface LocalArtifactService {
  env: Record<string, string>;
  /** The artifact names finalized, with the size of the zip each one committed. */
  finalized: Array<{ name: string; size: number }>;
  /** The names inside the zip an artifact committed (its staged blocks, joined in block list order). */
  entries(name: string): string[];
  close(): Promise<void>;
}

/**
 * The same service on 127.0.0.1, for the bundle run as a child process where nock cannot reach:
 * CreateArtifact hands out a blob URL on this server, whose staged blocks FinalizeArtifact sizes.
 */
export async function startArtifactService(): Promise<LocalArtifactService> {
  const blobs = new Map<string, number>();
  const blocks = new Map<string, Buffer>();
  const zips = new Map<string, Buffer>();
  const finalized: LocalArtifactService["finalized"] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const json = (value: unknown) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
    if (req.headers.authorization !== `Bearer ${RUNTIME_TOKEN}` && url.pathname.startsWith("/twirp/")) {
      res.writeHead(401).end();
    } else if (url.pathname === `${SERVICE}/CreateArtifact`) {
      const { name } = JSON.parse(body.toString()) as { name: string };
      json({ ok: true, signed_upload_url: `${origin()}/blob/${name}.zip?sig=${SIGNATURE}` });
    } else if (url.pathname === `${SERVICE}/FinalizeArtifact`) {
      const { name } = JSON.parse(body.toString()) as { name: string };
      finalized.push({ name, size: blobs.get(`/blob/${name}.zip`) ?? 0 });
      json({ ok: true, artifact_id: String(finalized.length) });
    } else if (req.method === "PUT" && url.pathname.startsWith("/blob/")) {
      if (url.searchParams.get("comp") === "block") {
        blobs.set(url.pathname, (blobs.get(url.pathname) ?? 0) + body.length);
        blocks.set(`${url.pathname}#${url.searchParams.get("blockid")}`, body);
      }
      if (url.searchParams.get("comp") === "blocklist") {
        const ids = [...body.toString().matchAll(/<Latest>([^<]+)<\/Latest>/g)].map((m) => m[1]);
        zips.set(
          url.pathname,
          Buffer.concat(ids.map((id) => blocks.get(`${url.pathname}#${id}`) ?? Buffer.alloc(0))),
        );
      }
      res.writeHead(201).end();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    env: { ACTIONS_RUNTIME_TOKEN: RUNTIME_TOKEN, ACTIONS_RESULTS_URL: `${origin()}/` },
    finalized,
    entries: (name) => zipEntries(zips.get(`/blob/${name}.zip`) ?? Buffer.alloc(0)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
