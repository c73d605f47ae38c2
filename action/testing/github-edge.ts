/**
 * Loaded with `node --import` into the bundled Action's own process, which the test's nock cannot
 * reach: puts GitHub behind nock there too. The requests the test expects come in
 * PERCEO_TEST_GITHUB (JSON); at exit, what was asked is written to PERCEO_TEST_GITHUB_LOG: the
 * expected requests that arrived (with their bodies), those that never did, and any request nothing
 * expected. Only 127.0.0.1 and localhost (the shop, the browser) reach the network.
 */
import { writeFileSync } from "node:fs";
import nock from "nock";

/** One request the test expects GitHub (or another host) to receive, and the answer to give. */
export interface ExpectedRequest {
  method: "GET" | "POST" | "PATCH";
  origin: string;
  path: string;
  /** Sent as `authorization`; a request without it does not match. */
  authorization?: string;
  status: number;
  reply: unknown;
}

export interface EdgeLog {
  received: Array<{ method: string; path: string; body: unknown }>;
  /** Expected requests that never arrived (nock's pending mocks). */
  pending: string[];
  /** Requests nothing expected: `METHOD url`. */
  unexpected: string[];
}

const expected = JSON.parse(process.env.PERCEO_TEST_GITHUB ?? "[]") as ExpectedRequest[];
const logFile = process.env.PERCEO_TEST_GITHUB_LOG;
if (!logFile) throw new Error("github-edge: set PERCEO_TEST_GITHUB_LOG to where the log goes");

const log: EdgeLog = { received: [], pending: [], unexpected: [] };
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
nock.emitter.on("no match", (request: { method?: string; href?: string; url?: string }) => {
  const url = request.href ?? request.url ?? "";
  if (!/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url)) log.unexpected.push(`${request.method} ${url}`);
});
for (const request of expected) {
  const scope = nock(request.origin);
  if (request.authorization) scope.matchHeader("authorization", request.authorization);
  scope
    .intercept(request.path, request.method, (body: unknown) => {
      log.received.push({ method: request.method, path: request.path, body });
      return true;
    })
    .reply(request.status, request.reply as nock.Body);
}
process.on("exit", () => {
  log.pending = nock.pendingMocks();
  writeFileSync(logFile, JSON.stringify(log));
});
