import nock from "nock";
import { expect } from "vitest";
import type { DashboardSettings } from "../server/settings.ts";
import type { RunningApp } from "../server/start.ts";
import { githubApi } from "./app-harness.ts";
import { REPO } from "./fixtures.ts";

/*
 * The dashboard's side of GitHub for tests: its OAuth web flow and the user's token, behind nock,
 * driven over real HTTP with cookies carried by hand (as a browser would, no jar).
 */

export const GITHUB_WEB = "https://github.com";
export const CLIENT_ID = "Iv23liPerceoTest";
export const CLIENT_SECRET = "client-secret-never-logged";
export const SESSION_SECRET = "s".repeat(40);
export const USER_TOKEN = "ghu_UserTokenThatMustNotLeak0123456789";
export const FULL_NAME = `${REPO.owner}/${REPO.repo}`;
export const LOGIN = "octocat";

export const DASHBOARD_SETTINGS: DashboardSettings = {
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  sessionSecret: SESSION_SECRET,
  githubUrl: GITHUB_WEB,
};

export function dashboardClient(app: () => RunningApp) {
  const url = (path: string) => `http://127.0.0.1:${app().port}${path}`;
  const get = (path: string, cookie?: string) =>
    fetch(url(path), { redirect: "manual", headers: cookie ? { cookie } : {} });
  const post = (
    path: string,
    form: Record<string, string>,
    cookie?: string,
    headers: Record<string, string> = {},
  ) =>
    fetch(url(path), {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...(cookie ? { cookie } : {}),
        ...headers,
      },
      body: new URLSearchParams(form).toString(),
    });

  /** Signs in through GitHub's OAuth web flow, as a browser would; returns the session cookie. */
  const signIn = async (login = LOGIN, next = "/dashboard"): Promise<string> => {
    const start = await get(`/dashboard/login?next=${encodeURIComponent(next)}`);
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get("location") ?? "");
    nock(GITHUB_WEB)
      .post("/login/oauth/access_token", {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        code: "one-time-code",
        redirect_uri: url("/dashboard/callback"),
      })
      .matchHeader("accept", "application/json")
      .reply(200, { access_token: USER_TOKEN, expires_in: 28_800, token_type: "bearer", scope: "" });
    nock("https://api.github.com")
      .get("/user")
      .matchHeader("authorization", `Bearer ${USER_TOKEN}`)
      .reply(200, { id: 583231, login, type: "User" });
    const callback = await get(
      `/dashboard/callback?code=one-time-code&state=${authorize.searchParams.get("state")}`,
      cookieSet(start, "perceo_oauth"),
    );
    expect(callback.status).toBe(303);
    expect(callback.headers.get("location")).toBe(next);
    const session = cookieSet(callback, "perceo_session");
    if (!session) throw new Error("the callback set no session cookie");
    return session;
  };

  return { url, get, post, signIn };
}

/** `name=value` of the Set-Cookie that sets `name`. */
export function cookieSet(response: Response, name: string): string | undefined {
  return response.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(";")[0];
}

/** The claims a session cookie carries in the clear (its token is sealed): login, csrf, exp. */
export function sessionClaims(cookie: string): Record<string, unknown> & { csrf: string } {
  const body = cookie.split("=")[1]?.split(".")[0] ?? "";
  return JSON.parse(Buffer.from(body, "base64url").toString());
}

/**
 * What GitHub lists for the user's token: this App's installations they can reach (default the
 * test installation, 1) and, when it is among them, that installation's repositories they have
 * access to (default the test repository). `status` answers both with that HTTP status instead.
 */
export function userSeesRepository(
  options: { installations?: number[]; repositories?: number[]; status?: number } = {},
) {
  const installations = options.installations ?? [1];
  const repositories = options.repositories ?? [REPO.id];
  const api = nock("https://api.github.com").matchHeader("authorization", `Bearer ${USER_TOKEN}`);
  if (options.status !== undefined) {
    return api.get("/user/installations").query(true).reply(options.status, { message: "Bad credentials" });
  }
  api
    .get("/user/installations")
    .query({ per_page: "100", page: "1" })
    .reply(200, {
      total_count: installations.length,
      installations: installations.map((id) => ({ id, app_id: 1, account: { login: REPO.owner } })),
    });
  if (installations.includes(1)) {
    api
      .get("/user/installations/1/repositories")
      .query({ per_page: "100", page: "1" })
      .reply(200, {
        total_count: repositories.length,
        repositories: repositories.map((id) => ({
          id,
          full_name: id === REPO.id ? FULL_NAME : `acme/r${id}`,
        })),
      });
  }
  return api;
}

/** The installation's view of the user, the one `/perceo approve` asks for. */
export function collaboratorPermission(permission: "admin" | "write" | "read" | "none", login = LOGIN) {
  return githubApi()
    .get(`/repos/${FULL_NAME}/collaborators/${login}/permission`)
    .reply(200, { permission, role_name: permission, user: { login } });
}
