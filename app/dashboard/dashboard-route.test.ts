import type { IncomingMessage, ServerResponse } from "node:http";
import nock from "nock";
import { pino } from "pino";
import { beforeEach, describe, expect, it } from "vitest";
import { LOG_REDACTION } from "../server/log-redaction.ts";
import { readSettings, SettingsError } from "../server/settings.ts";
import type { RunningApp } from "../server/start.ts";
import { type Harness, PRIVATE_KEY, useAppHarness } from "../testing/app-harness.ts";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  collaboratorPermission,
  cookieSet,
  DASHBOARD_SETTINGS,
  dashboardClient,
  FULL_NAME,
  GITHUB_WEB,
  LOGIN,
  SESSION_SECRET,
  USER_TOKEN,
  userSeesRepository,
} from "../testing/dashboard-session.ts";
import { REPO } from "../testing/fixtures.ts";
import { type CreateDashboard, dashboardPathOrHome } from "./dashboard-route.ts";
import { sessionKeys } from "./session-cookie.ts";

/*
 * The App's /dashboard over real HTTP: the real Probot server, a real PostgreSQL store, GitHub
 * (its OAuth endpoints and REST API) behind nock. The pages are a small stand-in that keeps the
 * shared dashboard's contract: 404 for what the viewer cannot read, the `csrf` field on every
 * POST, 403 without write access.
 */

let app: RunningApp;
const logLines: string[] = [];
/** What the stand-in pages were asked to do: one line per approval, with who. */
const approvals: string[] = [];

const testPages: CreateDashboard = ({ basePath, viewer }) => {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const send = (status: number, text: string) => {
      res.writeHead(status, { "content-type": "text/plain" }).end(text);
      return true;
    };
    if (path === `${basePath}/assets/dashboard.css`) return send(200, "main{}");
    const match = /^\/dashboard\/projects\/([^/]+)(\/approve)?$/.exec(path);
    if (!match?.[1]) return false;
    const project = decodeURIComponent(match[1]);
    const who = await viewer(req);
    if (!(await who.canRead(project))) return send(404, "not found");
    if (!match[2]) return send(200, `project ${project} for ${who.login}; csrf ${who.csrfToken}`);
    if (req.method !== "POST") return false;
    let body = "";
    for await (const chunk of req) body += chunk;
    if (new URLSearchParams(body).get("csrf") !== who.csrfToken) return send(403, "bad csrf");
    if (!(await who.canWrite(project))) return send(403, "no write access");
    approvals.push(`${project} by ${who.login}`);
    return send(200, "approved");
  };
};

let harness: Harness;
useAppHarness({ app: (a) => (app = a), harness: (h) => (harness = h) }, () => ({
  settings: { dashboard: DASHBOARD_SETTINGS },
  dashboardPages: testPages,
  log: pino({ level: "info", redact: LOG_REDACTION }, { write: (line: string) => void logLines.push(line) }),
}));

beforeEach(() => {
  logLines.length = 0;
  approvals.length = 0;
});

const { url, get, post, signIn } = dashboardClient(() => app);

async function installedProject() {
  return app.deps.store.ensureProject({ fullName: FULL_NAME, installationId: 1, repositoryId: REPO.id });
}

const projectPage = `/dashboard/projects/${encodeURIComponent(FULL_NAME)}`;

async function csrfOf(session: string): Promise<string> {
  userSeesRepository();
  const page = await get(projectPage, session);
  expect(page.status).toBe(200);
  return /csrf (\S+)/.exec(await page.text())?.[1] ?? "";
}

describe("signing in with GitHub", () => {
  it("a page without a session sends the browser to sign in, and back to the page afterwards", async () => {
    const page = await get(`${projectPage}?tab=runs`);
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe(
      `/dashboard/login?next=${encodeURIComponent(`${projectPage}?tab=runs`)}`,
    );

    const start = await get(page.headers.get("location") ?? "");
    const authorize = new URL(start.headers.get("location") ?? "");
    expect(`${authorize.origin}${authorize.pathname}`).toBe("https://github.com/login/oauth/authorize");
    expect(authorize.searchParams.get("client_id")).toBe(CLIENT_ID);
    expect(authorize.searchParams.get("redirect_uri")).toBe(url("/dashboard/callback"));
    expect(authorize.searchParams.get("state")).toMatch(/^[\w-]{43}$/);
    const stateCookie = start.headers.getSetCookie().find((c) => c.startsWith("perceo_oauth="));
    expect(stateCookie).toMatch(/; Path=\/dashboard; Max-Age=600; HttpOnly; SameSite=Lax$/);

    await installedProject();
    const session = await signIn(LOGIN, `${projectPage}?tab=runs`);
    userSeesRepository();
    const signedIn = await get(`${projectPage}?tab=runs`, session);
    expect(signedIn.status).toBe(200);
    expect(await signedIn.text()).toContain(`project ${FULL_NAME} for ${LOGIN}`);
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("the session cookie is HttpOnly, SameSite=Lax, expires with the token, and holds no token in the clear", async () => {
    const start = await get("/dashboard/login");
    const state = new URL(start.headers.get("location") ?? "").searchParams.get("state");
    nock(GITHUB_WEB)
      .post("/login/oauth/access_token")
      .reply(200, { access_token: USER_TOKEN, expires_in: 3_600, token_type: "bearer" });
    nock("https://api.github.com").get("/user").reply(200, { id: 1, login: LOGIN });
    const callback = await get(`/dashboard/callback?code=c&state=${state}`, cookieSet(start, "perceo_oauth"));
    const setCookie = callback.headers.getSetCookie().find((c) => c.startsWith("perceo_session=")) ?? "";
    expect(setCookie).toMatch(/; Path=\/dashboard; Max-Age=3600; HttpOnly; SameSite=Lax$/);
    const value = setCookie.split(";")[0] ?? "";
    const decoded = Buffer.from(value.split("=")[1]?.split(".")[0] ?? "", "base64url").toString();
    expect(decoded).toContain(`"login":"${LOGIN}"`);
    expect(value).not.toContain(USER_TOKEN);
    expect(decoded).not.toContain(USER_TOKEN);
    // The state cookie is spent.
    expect(callback.headers.getSetCookie().find((c) => c.startsWith("perceo_oauth="))).toContain("Max-Age=0");
  });

  it("the token, the client secret, the code and the cookies never reach the logs or the page", async () => {
    await installedProject();
    const session = await signIn();
    userSeesRepository();
    const page = await get(projectPage, session);
    const html = await page.text();
    const logs = logLines.join("\n");
    expect(logs).toContain("GET /dashboard/callback 303");
    expect(logs).toContain("dashboard: signed in");
    const sessionValue = session.split("=")[1] ?? "";
    for (const secret of [USER_TOKEN, CLIENT_SECRET, "one-time-code", sessionValue]) {
      expect(logs).not.toContain(secret);
      expect(html).not.toContain(secret);
    }
  });

  it("a callback whose state is not the one this browser was given is refused before any code is traded", async () => {
    const start = await get("/dashboard/login");
    const stateCookie = cookieSet(start, "perceo_oauth");
    const forged = await get(
      "/dashboard/callback?code=stolen&state=forged-state-forged-state-forged",
      stateCookie,
    );
    expect(forged.status).toBe(400);
    expect(cookieSet(forged, "perceo_session")).toBeUndefined();
    const state = new URL(start.headers.get("location") ?? "").searchParams.get("state");
    const noCookie = await get(`/dashboard/callback?code=stolen&state=${state}`);
    expect(noCookie.status).toBe(400);
    // nock lets nothing through: a code exchange would have failed the request with 502.
    expect(await noCookie.text()).toContain("Sign-in expired");
  });

  it("sign-in returns only to dashboard paths, never to another site", () => {
    expect(dashboardPathOrHome("/dashboard/projects/a%2Fb?x=1")).toBe("/dashboard/projects/a%2Fb?x=1");
    for (const next of [
      "https://evil.test/",
      "//evil.test",
      "/dashboard//evil.test",
      "/dashboardx",
      "/\\evil",
      null,
    ]) {
      expect(dashboardPathOrHome(next)).toBe("/dashboard");
    }
  });

  it("GitHub refusing the code answers 502 with what to do, and no session", async () => {
    const start = await get("/dashboard/login");
    const state = new URL(start.headers.get("location") ?? "").searchParams.get("state");
    nock(GITHUB_WEB).post("/login/oauth/access_token").reply(200, { error: "bad_verification_code" });
    const callback = await get(
      `/dashboard/callback?code=old&state=${state}`,
      cookieSet(start, "perceo_oauth"),
    );
    expect(callback.status).toBe(502);
    expect(await callback.text()).toContain(
      "GitHub refused the sign-in (bad_verification_code): start again",
    );
    expect(cookieSet(callback, "perceo_session")).toBeUndefined();
  });
});

describe("who sees what", () => {
  it("a user GitHub does not show the repository to gets 404, as for a project that does not exist", async () => {
    await installedProject();
    const session = await signIn();
    userSeesRepository({ installations: [] });
    const hidden = await get(projectPage, session);
    expect(hidden.status).toBe(404);
    const missing = await get(`/dashboard/projects/${encodeURIComponent("acme/not-installed")}`, session);
    expect(missing.status).toBe(404);
    expect(await hidden.text()).toBe(await missing.text());
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("a repository that now holds the project's old name is not the project", async () => {
    await installedProject();
    const session = await signIn();
    userSeesRepository({ repositories: [999] });
    expect((await get(projectPage, session)).status).toBe(404);
  });

  it("past the pages GitHub lists, the App asks for the one repository", async () => {
    await installedProject();
    const session = await signIn();
    const api = nock("https://api.github.com").matchHeader("authorization", `Bearer ${USER_TOKEN}`);
    api
      .get("/user/installations")
      .query(true)
      .reply(200, { total_count: 1, installations: [{ id: 1 }] });
    for (let page = 1; page <= 20; page++) {
      const repositories = Array.from({ length: 100 }, (_, i) => ({ id: page * 1000 + i }));
      api
        .get("/user/installations/1/repositories")
        .query({ per_page: "100", page: String(page) })
        .reply(200, { total_count: 2_001, repositories });
    }
    api.get(`/repos/${FULL_NAME}`).reply(200, { id: REPO.id, full_name: FULL_NAME });
    expect((await get(projectPage, session)).status).toBe(200);
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("a user with read but not write access sees the project and cannot approve", async () => {
    await installedProject();
    const session = await signIn();
    const csrf = await csrfOf(session);
    const github = collaboratorPermission("read");
    const refused = await post(`${projectPage}/approve`, { csrf }, session);
    expect(refused.status).toBe(403);
    expect(approvals).toStrictEqual([]);
    expect(github.pendingMocks()).toStrictEqual([]);
  });

  it("a user with write access approves, recorded as them; GitHub is asked once per session and minute", async () => {
    await installedProject();
    const session = await signIn();
    const csrf = await csrfOf(session);
    collaboratorPermission("write");
    expect((await post(`${projectPage}/approve`, { csrf }, session)).status).toBe(200);
    // Both answers are cached: no further GitHub mock is set, and nock lets nothing through.
    expect((await post(`${projectPage}/approve`, { csrf }, session)).status).toBe(200);
    expect(approvals).toStrictEqual([`${FULL_NAME} by ${LOGIN}`, `${FULL_NAME} by ${LOGIN}`]);
    expect(nock.pendingMocks()).toStrictEqual([]);
  });

  it("a token GitHub no longer accepts ends the session", async () => {
    await installedProject();
    const session = await signIn();
    userSeesRepository({ status: 401 });
    const page = await get(projectPage, session);
    expect(page.status).toBe(404);
    expect(page.headers.getSetCookie().find((c) => c.startsWith("perceo_session="))).toContain("Max-Age=0");
  });
});

describe("forged requests", () => {
  it("an approval with a missing or forged CSRF token is refused and changes nothing", async () => {
    await installedProject();
    const session = await signIn();
    const csrf = await csrfOf(session);
    expect((await post(`${projectPage}/approve`, {}, session)).status).toBe(403);
    expect((await post(`${projectPage}/approve`, { csrf: `${csrf.slice(0, -1)}x` }, session)).status).toBe(
      403,
    );
    // Another session's token is not this one's.
    const other = await signIn("hubot");
    userSeesRepository();
    expect((await post(`${projectPage}/approve`, { csrf }, other)).status).toBe(403);
    expect(approvals).toStrictEqual([]);
  });

  it("a POST from another site is refused before the pages see it", async () => {
    const session = await signIn();
    const fromElsewhere = await post(`${projectPage}/approve`, { csrf: "x" }, session, {
      origin: "https://evil.test",
    });
    expect(fromElsewhere.status).toBe(403);
    const crossSite = await post(`${projectPage}/approve`, { csrf: "x" }, session, {
      "sec-fetch-site": "cross-site",
    });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.text()).toContain("This request came from another site.");
  });

  it("a tampered, re-signed or expired session cookie is no session", async () => {
    await installedProject();
    const session = await signIn();
    const [name, value = ""] = session.split("=");
    const [body = "", signature = ""] = value.split(".");
    const claims = JSON.parse(Buffer.from(body, "base64url").toString());
    const forge = (patch: object, sig = signature) =>
      `${name}=${Buffer.from(JSON.stringify({ ...claims, ...patch })).toString("base64url")}.${sig}`;
    const tampered = [
      forge({ login: "admin" }),
      forge({ exp: claims.exp + 1 }),
      `${name}=${body}.${signature.slice(0, -2)}AA`,
      `${name}=${body}`,
      forge({ exp: Math.floor(Date.now() / 1000) - 1 }),
      // A whole session, signed with a key that is not the App's.
      `${name}=${sessionKeys("another-secret-another-secret-another").signSession({ ...claims, token: USER_TOKEN })}`,
    ];
    for (const cookie of tampered) {
      const page = await get(projectPage, cookie);
      expect(page.status).toBe(303);
      expect(page.headers.get("location")).toMatch(/^\/dashboard\/login\?next=/);
      const approve = await post(`${projectPage}/approve`, { csrf: claims.csrf }, cookie);
      expect(approve.status).toBe(401);
    }
    expect(approvals).toStrictEqual([]);
  });

  it("signing out needs the session's CSRF token, then the cookie is cleared", async () => {
    await installedProject();
    const session = await signIn();
    const csrf = await csrfOf(session);
    expect((await post("/dashboard/logout", { csrf: "forged" }, session)).status).toBe(403);
    const out = await post("/dashboard/logout", { csrf }, session);
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/dashboard/signed-out");
    expect(out.headers.getSetCookie().find((c) => c.startsWith("perceo_session="))).toContain("Max-Age=0");
  });
});

describe("behind https", () => {
  it("with an https PERCEO_PUBLIC_URL, cookies are Secure, GitHub returns there, and only that origin may POST", async () => {
    const publicUrl = "https://perceo.example.com";
    const behindProxy = await harness.start({
      settings: { dashboard: { ...DASHBOARD_SETTINGS, publicUrl } },
      dashboardPages: testPages,
    });
    const at = (path: string) => `http://127.0.0.1:${behindProxy.port}${path}`;
    const start = await fetch(at("/dashboard/login"), { redirect: "manual" });
    const authorize = new URL(start.headers.get("location") ?? "");
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${publicUrl}/dashboard/callback`);
    expect(start.headers.getSetCookie()[0]).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
    expect(start.headers.get("strict-transport-security")).toBe("max-age=31536000");
    const fromLoopback = await fetch(at(`${projectPage}/approve`), {
      method: "POST",
      redirect: "manual",
      headers: { origin: `http://127.0.0.1:${behindProxy.port}` },
    });
    expect(fromLoopback.status).toBe(403);
    const fromItself = await fetch(at(`${projectPage}/approve`), {
      method: "POST",
      redirect: "manual",
      headers: { origin: publicUrl },
    });
    // Past the origin check: refused only for want of a session.
    expect(fromItself.status).toBe(401);
  });
});

describe("security headers", () => {
  const expectHeaders = (response: Response) => {
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
  };

  it("every answer under /dashboard carries them: pages, 404s, redirects, sign-in errors, assets", async () => {
    await installedProject();
    const session = await signIn();
    userSeesRepository();
    const answers = [
      await get(projectPage, session),
      await get("/dashboard/no-such-page", session),
      await get("/dashboard/login"),
      await get("/dashboard/callback?code=x&state=y"),
      await get(projectPage),
      await get("/dashboard/assets/dashboard.css"),
    ];
    expect(answers.map((a) => a.status)).toStrictEqual([200, 404, 302, 400, 303, 200]);
    for (const answer of answers) expectHeaders(answer);
  });
});

describe("settings", () => {
  const env = {
    APP_ID: "12",
    PRIVATE_KEY,
    DATABASE_URL: "postgres://localhost/perceo",
    WEBHOOK_SECRET: "w".repeat(32),
    GITHUB_CLIENT_ID: CLIENT_ID,
    GITHUB_CLIENT_SECRET: CLIENT_SECRET,
  };

  it("production refuses to serve the dashboard without a session secret or a public URL", () => {
    const production = { ...env, NODE_ENV: "production" };
    expect(() => readSettings(production)).toThrow(/PERCEO_SESSION_SECRET: production needs it/);
    expect(() => readSettings({ ...production, PERCEO_SESSION_SECRET: "short" })).toThrow(
      /PERCEO_SESSION_SECRET: 32\+ random characters/,
    );
    expect(() => readSettings({ ...production, PERCEO_SESSION_SECRET: SESSION_SECRET })).toThrow(
      /PERCEO_PUBLIC_URL: the dashboard needs/,
    );
    const settings = readSettings({
      ...production,
      PERCEO_SESSION_SECRET: SESSION_SECRET,
      PERCEO_PUBLIC_URL: "https://perceo.example.com/",
    });
    expect(settings.dashboard).toStrictEqual({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      sessionSecret: SESSION_SECRET,
      publicUrl: "https://perceo.example.com",
      githubUrl: "https://github.com",
    });
  });

  it("the dashboard is off without OAuth credentials, and half of them is an error", () => {
    const { GITHUB_CLIENT_ID: _, GITHUB_CLIENT_SECRET: __, ...without } = env;
    expect(readSettings({ ...without, NODE_ENV: "production" }).dashboard).toBeUndefined();
    expect(() => readSettings({ ...without, GITHUB_CLIENT_ID: CLIENT_ID })).toThrow(SettingsError);
    expect(readSettings({ ...env, GHE_HOST: "ghe.example.com" }).dashboard?.githubUrl).toBe(
      "https://ghe.example.com",
    );
  });
});
