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

/** GitHub shows the repository to the user's token (or, with `status`, does not). */
export function userSeesRepository(status = 200) {
  return nock("https://api.github.com")
    .get(`/repos/${FULL_NAME}`)
    .matchHeader("authorization", `Bearer ${USER_TOKEN}`)
    .reply(
      status,
      status === 200 ? { id: REPO.id, full_name: FULL_NAME, private: true } : { message: "Not Found" },
    );
}

/** The installation's view of the user, the one `/perceo approve` asks for. */
export function collaboratorPermission(permission: "admin" | "write" | "read" | "none", login = LOGIN) {
  return githubApi()
    .get(`/repos/${FULL_NAME}/collaborators/${login}/permission`)
    .reply(200, { permission, role_name: permission, user: { login } });
}
