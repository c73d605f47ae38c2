import nock from "nock";
import { REPO } from "./fixtures.ts";

/* The two requests that fetch a commit's tarball from GitHub: the API's redirect and codeload's download. */

export const CODELOAD = "https://codeload.github.com";

/** The tarball request on `api` (302 to codeload) and codeload's answer. */
export function serveTarball(
  api: nock.Scope,
  sha: string,
  answer: { body: Buffer } | { status: number },
): void {
  const download = `/${REPO.owner}/${REPO.repo}/legacy.tar.gz/${sha}`;
  api
    .get(`/repos/${REPO.owner}/${REPO.repo}/tarball/${sha}`)
    .reply(302, "", { location: `${CODELOAD}${download}?token=short-lived` });
  const codeload = nock(CODELOAD).get(download).query({ token: "short-lived" });
  if ("body" in answer) codeload.reply(200, answer.body, { "content-type": "application/x-gzip" });
  else codeload.reply(answer.status, "Not Found");
}
