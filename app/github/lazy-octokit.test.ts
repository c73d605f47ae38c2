import type { PullRequestOpenedEvent } from "@octokit/webhooks-types";
import nock from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { PRIVATE_KEY, TestOctokit } from "../testing/app-harness.ts";
import { REPO, webhookExample } from "../testing/fixtures.ts";
import { lazyInstallationOctokit } from "./lazy-octokit.ts";

/** The tests' client (no retries or throttling), counting the clients actually built. */
function countingOctokit() {
  const counter = { built: 0 };
  const Octokit = TestOctokit.defaults((options: Record<string, unknown>) => {
    counter.built++;
    return options;
  });
  return { counter, Octokit };
}

function probotWith(Octokit: typeof ProbotOctokit): Probot {
  return new Probot({ appId: 1, privateKey: PRIVATE_KEY, Octokit, log: pino({ level: "silent" }) });
}

function pullRequestEvent(id: string): Parameters<Probot["receive"]>[0] {
  const payload = webhookExample<PullRequestOpenedEvent>("pull_request", "opened");
  payload.installation = { id: 1, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  // The example is typed by @octokit/webhooks-types, Probot's events by GitHub's OpenAPI types.
  return { id, name: "pull_request", payload } as unknown as Parameters<Probot["receive"]>[0];
}

afterEach(() => {
  nock.cleanAll();
});

describe("installation clients built on first use", () => {
  it("events whose handlers do not call GitHub build no installation client", async () => {
    const { counter, Octokit } = countingOctokit();
    const probot = probotWith(lazyInstallationOctokit(Octokit));
    const seen: string[] = [];
    probot.on("pull_request.opened", async (context) => {
      seen.push(context.id);
    });
    await probot.receive(pullRequestEvent("delivery-1"));
    await probot.receive(pullRequestEvent("delivery-2"));
    expect(seen).toEqual(["delivery-1", "delivery-2"]);
    // The App's own client only; without the wrapper each event builds one more.
    expect(counter.built).toBe(1);
  });

  it("a handler's request goes out as the installation and names the delivery", async () => {
    const { counter, Octokit } = countingOctokit();
    const probot = probotWith(lazyInstallationOctokit(Octokit));
    const github = nock("https://api.github.com")
      .post("/app/installations/1/access_tokens")
      .reply(201, { token: "ghs_installation", expires_at: "2099-01-01T00:00:00Z" })
      .post(`/repos/${REPO.owner}/${REPO.repo}/issues/2/comments`, { body: "seen" })
      .matchHeader("authorization", "token ghs_installation")
      .matchHeader("x-github-delivery", "delivery-3")
      .reply(201, { id: 7 });
    let commentId: number | undefined;
    probot.on("pull_request.opened", async (context) => {
      const { data } = await context.octokit.rest.issues.createComment(context.issue({ body: "seen" }));
      commentId = data.id;
    });
    await probot.receive(pullRequestEvent("delivery-3"));
    expect(commentId).toBe(7);
    expect(github.isDone()).toBe(true);
    expect(counter.built).toBe(2);
  });

  it("a client asked for by installation (jobs) works as before", async () => {
    const { Octokit } = countingOctokit();
    const probot = probotWith(lazyInstallationOctokit(Octokit));
    const github = nock("https://api.github.com")
      .post("/app/installations/1/access_tokens")
      .reply(201, { token: "ghs_job", expires_at: "2099-01-01T00:00:00Z" })
      .get(`/repos/${REPO.owner}/${REPO.repo}`)
      .matchHeader("authorization", "token ghs_job")
      .reply(200, { id: REPO.id, full_name: `${REPO.owner}/${REPO.repo}` });
    const octokit = await probot.auth(1);
    expect(octokit).toBeInstanceOf(ProbotOctokit);
    const { data } = await octokit.rest.repos.get({ owner: REPO.owner, repo: REPO.repo });
    expect(data.id).toBe(REPO.id);
    expect(github.isDone()).toBe(true);
  });
});
