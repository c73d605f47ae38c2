import type {
  InstallationCreatedEvent,
  InstallationDeletedEvent,
  InstallationRepositoriesAddedEvent,
  InstallationRepositoriesRemovedEvent,
} from "@octokit/webhooks-types";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import nock from "nock";
import { beforeAll, describe, expect, it } from "vitest";
import { aRunResult } from "../../shared/store/testing/index.ts";
import { INGEST_PATH } from "../ingest/ingest-route.ts";
import { countJobs, deliver, OIDC_JWKS, PRIVATE_KEY, useAppHarness } from "../testing/app-harness.ts";
import { REPO, webhookExample } from "../testing/fixtures.ts";
import { readSettings, SettingsError } from "./settings.ts";
import type { RunningApp } from "./start.ts";

let app: RunningApp;

useAppHarness({
  app: (a) => {
    app = a;
  },
});

const url = (path: string) => `http://127.0.0.1:${app.port}${path}`;

describe("webhook signatures", () => {
  it("a delivery signed with another secret is refused with 400 and queues nothing", async () => {
    const response = await deliver(app, "pull_request", webhookExample("pull_request", "opened"), {
      secret: "not-the-secret",
    });
    expect(response.status).toBe(400);
    expect(response.body).toContain("signature does not match");
    expect(await countJobs(app)).toBe(0);
  });

  it("a delivery without a signature is refused with 400 and queues nothing", async () => {
    const response = await deliver(app, "pull_request", webhookExample("pull_request", "opened"), {
      secret: null,
    });
    expect(response.status).toBe(400);
    expect(response.body).toContain("x-hub-signature-256");
    expect(await countJobs(app)).toBe(0);
  });
});

describe("GET /healthz", () => {
  it("answers 200 when the database answers", async () => {
    const response = await fetch(url("/healthz"));
    expect(response.status).toBe(200);
    expect(await response.json()).toStrictEqual({ status: "ok", database: "ok" });
  });

  it("answers 503 when the database does not", async () => {
    await app.deps.pool.end();
    const response = await fetch(url("/healthz"));
    expect(response.status).toBe(503);
    expect(await response.json()).toStrictEqual({ status: "unavailable", database: "unreachable" });
  });
});

describe("settings", () => {
  const env = { APP_ID: "12", PRIVATE_KEY, DATABASE_URL: "postgres://localhost/perceo" };

  it("production refuses to start without a real webhook secret", () => {
    for (const secret of [undefined, "", "development", "short"]) {
      expect(() => readSettings({ ...env, NODE_ENV: "production", WEBHOOK_SECRET: secret })).toThrow(
        SettingsError,
      );
    }
    expect(() => readSettings({ ...env, NODE_ENV: "production" })).toThrow(
      /WEBHOOK_SECRET: production needs/,
    );
    const settings = readSettings({ ...env, NODE_ENV: "production", WEBHOOK_SECRET: "a".repeat(32) });
    expect(settings).toMatchObject({
      appId: 12,
      production: true,
      host: "0.0.0.0",
      webhookSecret: "a".repeat(32),
    });
  });

  it("development falls back to Probot's development secret and says what else is missing", () => {
    expect(readSettings(env).webhookSecret).toBe("development");
    expect(() => readSettings({ PRIVATE_KEY })).toThrow(/APP_ID[\s\S]*DATABASE_URL/);
  });
});

describe("installation", () => {
  it("an installation creates one project per repository", async () => {
    const payload = webhookExample<InstallationCreatedEvent>("installation", "created");
    const response = await deliver(app, "installation", payload);
    expect(response.status).toBe(200);
    const repositories = payload.repositories ?? [];
    expect(repositories.length).toBeGreaterThan(0);
    for (const repository of repositories) {
      const project = await app.deps.store.getProject(repository.full_name);
      expect(project).toMatchObject({ repositoryId: repository.id, installationId: payload.installation.id });
    }
  });

  it("removing repositories and uninstalling detach the projects; installing again reattaches them", async () => {
    const created = webhookExample<InstallationCreatedEvent>("installation", "created");
    const installationId = created.installation.id;
    const added = webhookExample<InstallationRepositoriesAddedEvent>("installation_repositories", "added");
    added.installation.id = installationId;
    const removed = webhookExample<InstallationRepositoriesRemovedEvent>(
      "installation_repositories",
      "removed",
    );
    removed.installation.id = installationId;
    removed.repositories_removed = added.repositories_added.map((r) => ({ ...r }));
    const deleted = webhookExample<InstallationDeletedEvent>("installation", "deleted");
    deleted.installation.id = installationId;
    const [helloWorld] = created.repositories ?? [];
    const [space] = added.repositories_added;
    if (!helloWorld || !space) throw new Error("the examples name one repository each");
    const installed = async (name: string) => (await app.deps.store.getProject(name))?.installationId;

    expect((await deliver(app, "installation", created)).status).toBe(200);
    expect((await deliver(app, "installation_repositories", added)).status).toBe(200);
    expect([await installed(helloWorld.full_name), await installed(space.full_name)]).toStrictEqual([
      installationId,
      installationId,
    ]);
    const spaceProject = await app.deps.store.getProject(space.full_name);
    await app.deps.store.recordPredictions(spaceProject?.id ?? "", [
      {
        headSha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
        flowName: "checkout",
        probability: 0.5,
        confidence: 0.5,
      },
    ]);

    expect((await deliver(app, "installation_repositories", removed)).status).toBe(200);
    expect([await installed(helloWorld.full_name), await installed(space.full_name)]).toStrictEqual([
      installationId,
      null,
    ]);
    expect((await deliver(app, "installation", deleted)).status).toBe(200);
    expect(await installed(helloWorld.full_name)).toBeNull();

    expect((await deliver(app, "installation_repositories", added)).status).toBe(200);
    const back = await app.deps.store.getProject(space.full_name);
    expect(back).toMatchObject({ id: spaceProject?.id, installationId });
    expect(
      await app.deps.store.listPredictions(back?.id ?? "", "ec26c3e57ca3a959ca5aad62de7213c562f8c821"),
    ).toHaveLength(1);
    expect(await installed(helloWorld.full_name)).toBeNull();
  });
});

describe(`POST ${INGEST_PATH}`, () => {
  const ISSUER = "https://token.actions.githubusercontent.com";
  const SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    keys = await generateKeyPair("RS256");
  });

  async function serveJwks() {
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    nock(new URL(OIDC_JWKS).origin)
      .get(new URL(OIDC_JWKS).pathname)
      .reply(200, { keys: [jwk] });
  }

  async function token(
    claims: Record<string, unknown> = {},
    options: { audience?: string; expires?: string } = {},
  ) {
    return new SignJWT({
      repository: `${REPO.owner}/${REPO.repo}`,
      repository_id: String(REPO.id),
      sha: SHA,
      ref: "refs/pull/2/merge",
      run_id: "99",
      run_attempt: "1",
      ...claims,
    })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? "perceo")
      .setIssuedAt()
      .setExpirationTime(options.expires ?? "5m")
      .sign(keys.privateKey);
  }

  const aCiRun = () => aRunResult({ id: "gh-99-1-shard-1-of-1" });

  async function post(bearer: string | undefined, body: unknown = { run: aCiRun(), prNumber: 2 }) {
    const response = await fetch(url(INGEST_PATH), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function installProject() {
    return app.deps.store.ensureProject({
      fullName: `${REPO.owner}/${REPO.repo}`,
      installationId: 1,
      repositoryId: REPO.id,
    });
  }

  it("records the run of a verified token's repository and queues the comment update", async () => {
    const project = await installProject();
    await serveJwks();
    const run = aCiRun();
    const response = await post(await token(), { run, prNumber: 2, ciRunId: 99, ciRunAttempt: 1 });
    expect(response.status).toBe(201);
    expect(response.body.projectId).toBe(project.id);
    const [summary] = await app.deps.store.listRuns({ project: project.fullName });
    expect(summary).toMatchObject({ id: run.id, commitSha: SHA, prNumber: 2, source: "ci" });
    expect(await countJobs(app, "flows-result")).toBe(1);
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it.each([
    ["a wrong audience", { audience: "someone-else" }, {}],
    ["an expired token", { expires: "-1m" }, {}],
  ])("refuses %s with 401", async (_, options, claims) => {
    await installProject();
    await serveJwks();
    const response = await post(await token(claims, options));
    expect(response.status).toBe(401);
    expect(await countJobs(app)).toBe(0);
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("refuses a token for a repository that is not an installed project with 403", async () => {
    await installProject();
    await serveJwks();
    const response = await post(await token({ repository_id: "42" }));
    expect(response.status).toBe(403);
    expect(await app.deps.store.listRuns({})).toStrictEqual([]);
  });

  it("refuses a repository whose App was uninstalled with 403", async () => {
    await installProject();
    await app.deps.store.detachProjects(1);
    await serveJwks();
    const response = await post(await token());
    expect(response.status).toBe(403);
    expect(await app.deps.store.listRuns({})).toStrictEqual([]);
    expect(await countJobs(app)).toBe(0);
  });

  it("refuses a request without a token with 401", async () => {
    const response = await post(undefined);
    expect(response).toMatchObject({ status: 401 });
  });
});
