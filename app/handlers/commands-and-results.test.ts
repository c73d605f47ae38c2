import type {
  CheckRunCompletedEvent,
  CheckRunRequestedActionEvent,
  IssueCommentCreatedEvent,
} from "@octokit/webhooks-types";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { aRunResult } from "../../shared/store/testing/index.ts";
import { APPROVE_VISUALS_ACTION } from "../github/check-run.ts";
import { COMMENT_MARKER } from "../github/sticky-comment.ts";
import { COMMAND_HELP } from "../jobs/pr-command.ts";
import type { RunningApp } from "../server/start.ts";
import { countJobs, deliver, githubApi, runJobs, useAppHarness } from "../testing/app-harness.ts";
import { REPO, webhookExample } from "../testing/fixtures.ts";

const SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const REPO_PATH = `/repos/${REPO.owner}/${REPO.repo}`;
const COMMENT_ID = 492700400;

let app: RunningApp;

useAppHarness({
  app: (a) => {
    app = a;
  },
});

function commentEvent(body: string, onPullRequest = true) {
  const payload = webhookExample<IssueCommentCreatedEvent>("issue_comment", "created");
  payload.installation = { id: 1, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  payload.comment.body = body;
  if (onPullRequest) {
    payload.issue.pull_request = {
      url: `https://api.github.com${REPO_PATH}/pulls/1`,
      html_url: "https://github.com/Codertocat/Hello-World/pull/1",
      diff_url: "https://github.com/Codertocat/Hello-World/pull/1.diff",
      patch_url: "https://github.com/Codertocat/Hello-World/pull/1.patch",
    };
  }
  return payload;
}

function replies(api: nock.Scope) {
  const sent: unknown[] = [];
  api
    .post(`${REPO_PATH}/issues/comments/${COMMENT_ID}/reactions`, { content: "eyes" })
    .reply(201, { id: 1, content: "eyes" })
    .post(`${REPO_PATH}/issues/1/comments`, (body) => {
      if (typeof body === "object") sent.push(body);
      return true;
    })
    .reply(201, { id: 500 });
  return sent;
}

/** Codertocat has write access, and pull request 1's head is SHA. */
function writerOnPullRequest(api: nock.Scope) {
  api
    .get(`${REPO_PATH}/collaborators/Codertocat/permission`)
    .reply(200, { permission: "write", role_name: "write", user: { login: "Codertocat" } })
    .get(`${REPO_PATH}/pulls/1`)
    .reply(200, {
      number: 1,
      changed_files: 1,
      head: { sha: SHA },
      base: { sha: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", repo: { default_branch: "main" } },
    });
}

async function pendingScreenshot(projectId: string) {
  return app.deps.store.recordScreenshot({
    projectId,
    flowName: "checkout",
    stepName: "cart",
    viewport: { width: 1280, height: 720 },
    storagePath: `${projectId}/cart.png`,
    commitSha: SHA,
  });
}

async function installProject() {
  return app.deps.store.ensureProject({
    fullName: `${REPO.owner}/${REPO.repo}`,
    installationId: 1,
    repositoryId: REPO.id,
  });
}

describe("/perceo commands", () => {
  it("/perceo help answers anyone with the command list, after a 👀", async () => {
    const sent = replies(githubApi());
    expect((await deliver(app, "issue_comment", commentEvent("/perceo help"))).status).toBe(200);
    await runJobs(app);
    expect(sent).toStrictEqual([{ body: `> \`/perceo help\`\n\n${COMMAND_HELP}` }]);
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("/perceo approve from someone without write access is refused and approves nothing", async () => {
    const project = await installProject();
    const shot = await app.deps.store.recordScreenshot({
      projectId: project.id,
      flowName: "checkout",
      stepName: "cart",
      viewport: { width: 1280, height: 800 },
      storagePath: "p/cart.png",
      commitSha: SHA,
    });
    const api = githubApi();
    const sent = replies(api);
    api
      .get(`${REPO_PATH}/collaborators/Codertocat/permission`)
      .reply(200, { permission: "read", role_name: "read", user: { login: "Codertocat" } });
    await deliver(app, "issue_comment", commentEvent("Looks good\n/perceo approve"));
    await runJobs(app);
    expect(sent).toStrictEqual([
      {
        body: "> `/perceo approve`\n\n@Codertocat only people with write access to this repository can run this command.",
      },
    ]);
    expect(nock.pendingMocks()).toStrictEqual([]);
    const { rows } = await app.deps.pool.query("select approval from public.screenshots where id = $1", [
      shot.id,
    ]);
    expect(rows).toStrictEqual([{ approval: "pending" }]);
  });

  it("/perceo approve from a writer accepts the head's pending screenshots as baselines", async () => {
    const project = await installProject();
    const shot = await app.deps.store.recordScreenshot({
      projectId: project.id,
      flowName: "checkout",
      stepName: "cart",
      viewport: { width: 1280, height: 800 },
      storagePath: "p/cart.png",
      commitSha: SHA,
    });
    const api = githubApi();
    const sent = replies(api);
    writerOnPullRequest(api);
    await deliver(app, "issue_comment", commentEvent("/perceo approve checkout"));
    await runJobs(app);
    expect(sent).toStrictEqual([
      { body: "> `/perceo approve checkout`\n\nApproved 1 screenshot of ec26c3e as baselines." },
    ]);
    expect(nock.pendingMocks()).toStrictEqual([]);
    const { rows } = await app.deps.pool.query(
      "select approval, reviewed_by from public.screenshots where id = $1",
      [shot.id],
    );
    expect(rows).toStrictEqual([{ approval: "approved", reviewed_by: "Codertocat" }]);
  });

  it("/perceo run with flows named from a writer queues the analysis again and names each flow whole", async () => {
    const api = githubApi();
    const sent = replies(api);
    writerOnPullRequest(api);
    await deliver(app, "issue_comment", commentEvent("/perceo run checkout search"));
    await runJobs(app);
    expect(sent).toStrictEqual([
      {
        body: "> `/perceo run checkout search`\n\nAnalysing ec26c3e again with `checkout`, `search` selected.",
      },
    ]);
    expect(await countJobs(app, "pr-impact")).toBe(1);
  });

  it("comments without a command, and comments on issues, queue nothing", async () => {
    await deliver(app, "issue_comment", commentEvent("perceo is nice"));
    await deliver(app, "issue_comment", commentEvent("/perceo help", false));
    expect(await countJobs(app)).toBe(0);
  });
});

describe("check_run completed", () => {
  function flowsCompleted(name = "Perceo / Flows") {
    const payload = webhookExample<CheckRunCompletedEvent>("check_run", "completed");
    payload.installation = { id: 1, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
    payload.check_run.name = name;
    payload.check_run.head_sha = SHA;
    return payload;
  }

  it("Perceo / Flows completing shows predicted vs actual and records the outcomes", async () => {
    const project = await installProject();
    await app.deps.store.recordPredictions(project.id, [
      { prNumber: 2, headSha: SHA, flowName: "checkout", probability: 0.6, confidence: 0.6 },
      { prNumber: 2, headSha: SHA, flowName: "profile", probability: 0.3, confidence: 0.6 },
    ]);
    await app.deps.store.recordRun(aRunResult({ project: project.fullName }), {
      projectId: project.id,
      source: "ci",
      commitSha: SHA,
      prNumber: 2,
    });
    const edited: unknown[] = [];
    githubApi()
      .get(`${REPO_PATH}/issues/2/comments`)
      .query({ per_page: "100" })
      .reply(200, [{ id: 9, body: `${COMMENT_MARKER}\nimpact`, user: { type: "Bot" } }])
      .patch(`${REPO_PATH}/issues/comments/9`, (body) => {
        if (typeof body === "object") edited.push(body);
        return true;
      })
      .reply(200, { id: 9 });

    expect((await deliver(app, "check_run", flowsCompleted())).status).toBe(200);
    await runJobs(app);
    expect(edited).toStrictEqual([
      {
        body: [
          COMMENT_MARKER,
          "### Perceo",
          "",
          "✅ Every flow that ran passed.",
          "",
          "| Flow | Predicted risk | Actual |",
          "|---|---|---|",
          "| `checkout` | high | ✅ passed |",
          "| `profile` | medium | — not run |",
          "| `search` | not predicted | ⏭️ skipped |",
          "| `signup` | not predicted | ⚠️ flaky |",
          "",
          "Results for ec26c3e.",
          "",
          "<sub>Commands: `/perceo run [all|flow…]`, `/perceo approve [flow…]`, `/perceo ignore <flow>`, `/perceo help`.</sub>",
        ].join("\n"),
      },
    ]);
    expect(nock.pendingMocks()).toStrictEqual([]);
    const outcomes = await app.deps.store.listPredictions(project.id, SHA);
    expect(outcomes.map((p) => [p.flowName, p.actualResult])).toStrictEqual([
      ["checkout", "passed"],
      ["profile", "not_run"],
    ]);
  });

  it("when screenshots wait for review, Perceo / Impact offers the approve button", async () => {
    const project = await installProject();
    await app.deps.store.recordRun(aRunResult({ project: project.fullName }), {
      projectId: project.id,
      source: "ci",
      commitSha: SHA,
      prNumber: 2,
    });
    await pendingScreenshot(project.id);
    const offered: unknown[] = [];
    githubApi()
      .get(`${REPO_PATH}/issues/2/comments`)
      .query({ per_page: "100" })
      .reply(200, [])
      .post(`${REPO_PATH}/issues/2/comments`)
      .reply(201, { id: 10 })
      .get(`${REPO_PATH}/commits/${SHA}/check-runs`)
      .query({ check_name: "Perceo / Impact", filter: "all", per_page: "100" })
      .reply(200, { total_count: 1, check_runs: [{ id: 4321, external_id: `impact:${SHA}` }] })
      .patch(`${REPO_PATH}/check-runs/4321`, (body) => {
        if (typeof body === "object") offered.push(body);
        return true;
      })
      .reply(200, { id: 4321 });

    await deliver(app, "check_run", flowsCompleted());
    await runJobs(app);
    expect(offered).toStrictEqual([
      {
        actions: [
          {
            label: "Approve visuals",
            description: "Accept the visual changes as baselines",
            identifier: "perceo-approve",
          },
        ],
      },
    ]);
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("other check runs are ignored", async () => {
    expect((await deliver(app, "check_run", flowsCompleted("Octocoders-linter"))).status).toBe(200);
    expect(await countJobs(app)).toBe(0);
  });
});

describe("check_run requested_action", () => {
  // The real example is a click on electron/electron's "API Review" run; here it is our button.
  function approveClicked(identifier: string = APPROVE_VISUALS_ACTION.identifier) {
    const payload = webhookExample<CheckRunRequestedActionEvent>("check_run", "requested_action");
    payload.installation = { id: 1, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
    payload.check_run.name = "Perceo / Impact";
    payload.check_run.head_sha = SHA;
    payload.requested_action = { identifier };
    return payload;
  }
  const ELECTRON = "/repos/electron/electron";

  async function installElectron() {
    const payload = approveClicked();
    return app.deps.store.ensureProject({
      fullName: payload.repository.full_name,
      installationId: 1,
      repositoryId: payload.repository.id,
    });
  }

  it("Approve visuals from a writer does what /perceo approve does, and answers on the PR", async () => {
    const project = await installElectron();
    const shot = await pendingScreenshot(project.id);
    const { check_run, sender } = approveClicked();
    const prNumber = check_run.pull_requests[0]?.number;
    const sent: unknown[] = [];
    githubApi()
      .get(`${ELECTRON}/collaborators/${sender.login}/permission`)
      .reply(200, { permission: "write", role_name: "write", user: { login: sender.login } })
      .get(`${ELECTRON}/pulls/${prNumber}`)
      .reply(200, {
        number: prNumber,
        changed_files: 3,
        head: { sha: "1111111111111111111111111111111111111111" },
        base: { sha: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", repo: { default_branch: "main" } },
      })
      .post(`${ELECTRON}/issues/${prNumber}/comments`, (body) => {
        if (typeof body === "object") sent.push(body);
        return true;
      })
      .reply(201, { id: 501 });

    expect((await deliver(app, "check_run", approveClicked())).status).toBe(200);
    await runJobs(app);
    // The button approves the commit its check run is on, even when the pull request moved on.
    expect(sent).toStrictEqual([
      { body: "> `/perceo approve`\n\nApproved 1 screenshot of ec26c3e as baselines." },
    ]);
    expect(nock.pendingMocks()).toStrictEqual([]);
    const { rows } = await app.deps.pool.query(
      "select approval, reviewed_by from public.screenshots where id = $1",
      [shot.id],
    );
    expect(rows).toStrictEqual([{ approval: "approved", reviewed_by: sender.login }]);
  });

  it("Approve visuals from someone without write access approves nothing", async () => {
    const project = await installElectron();
    const shot = await pendingScreenshot(project.id);
    const { check_run, sender } = approveClicked();
    const prNumber = check_run.pull_requests[0]?.number;
    const sent: unknown[] = [];
    githubApi()
      .get(`${ELECTRON}/collaborators/${sender.login}/permission`)
      .reply(200, { permission: "triage", role_name: "triage", user: { login: sender.login } })
      .post(`${ELECTRON}/issues/${prNumber}/comments`, (body) => {
        if (typeof body === "object") sent.push(body);
        return true;
      })
      .reply(201, { id: 502 });

    await deliver(app, "check_run", approveClicked());
    await runJobs(app);
    expect(sent).toStrictEqual([
      {
        body: `> \`/perceo approve\`\n\n@${sender.login} only people with write access to this repository can run this command.`,
      },
    ]);
    expect(nock.pendingMocks()).toStrictEqual([]);
    const { rows } = await app.deps.pool.query("select approval from public.screenshots where id = $1", [
      shot.id,
    ]);
    expect(rows).toStrictEqual([{ approval: "pending" }]);
  });

  it("other apps' buttons are ignored", async () => {
    await installElectron();
    expect((await deliver(app, "check_run", approveClicked("lgtm|26764"))).status).toBe(200);
    expect(await countJobs(app)).toBe(0);
  });
});
