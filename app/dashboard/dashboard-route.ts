import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Logger } from "probot";
import {
  type createDashboard,
  type DashboardHandler,
  securityHeaders,
  type Viewer,
} from "../../shared/dashboard/index.ts";
import type { Store } from "../../shared/store/index.ts";
import type { Octokit } from "../github/octokit.ts";
import type { DashboardSettings } from "../server/settings.ts";
import {
  authorizeUrl,
  exchangeCode,
  type GitHubEndpoints,
  GitHubSignInError,
  readUser,
  SessionExpiredError,
} from "./github-user.ts";
import { githubViewers } from "./github-viewer.ts";
import { messagePage } from "./message-page.ts";
import { replyAfterReview } from "./review-reply.ts";
import {
  randomToken,
  readCookie,
  SESSION_COOKIE,
  type Session,
  type SessionKeys,
  STATE_COOKIE,
  sameSecret,
  serializeCookie,
  sessionKeys,
} from "./session-cookie.ts";

/** shared/dashboard's pages, or a stand-in with the same contract (tests). */
export type CreateDashboard = typeof createDashboard;

export const DASHBOARD_PATH = "/dashboard";
const LOGIN_PATH = `${DASHBOARD_PATH}/login`;
export const CALLBACK_PATH = `${DASHBOARD_PATH}/callback`;
const LOGOUT_PATH = `${DASHBOARD_PATH}/logout`;
const SIGNED_OUT_PATH = `${DASHBOARD_PATH}/signed-out`;
const ASSETS_PATH = `${DASHBOARD_PATH}/assets/`;

/** GitHub's user tokens last 8 hours; a session never outlives its token. */
const SESSION_SECONDS = 8 * 60 * 60;
const SIGN_IN_SECONDS = 10 * 60;

export interface DashboardRouteOptions {
  settings: DashboardSettings;
  /** The REST API the user's token talks to (GitHub's, or `<GHE>/api/v3`). */
  apiUrl: string;
  store: Store;
  installationOctokit(installationId: number): Promise<Octokit>;
  /** The pages (shared/dashboard's createDashboard); mounted under /dashboard with the store's blobs. */
  createPages: CreateDashboard;
  log: Logger;
}

/**
 * The App's `/dashboard`: sign in with GitHub (the App's OAuth web flow), a signed session cookie,
 * and the pages behind it, told by the viewer what GitHub lets the person read and write.
 * Every answer under /dashboard carries the security headers, whoever writes it.
 */
export function dashboardRoute(options: DashboardRouteOptions) {
  const { settings, log } = options;
  const endpoints: GitHubEndpoints = { githubUrl: settings.githubUrl, apiUrl: options.apiUrl };
  const keys: SessionKeys = sessionKeys(settings.sessionSecret ?? randomToken());
  if (!settings.sessionSecret) {
    log.warn(
      "PERCEO_SESSION_SECRET is not set: dashboard sessions are signed with a per-process key and end when the App restarts",
    );
  }
  const viewerOf = githubViewers({
    store: options.store,
    endpoints,
    installationOctokit: options.installationOctokit,
  });
  const signedIn = new WeakMap<IncomingMessage, { session: Session; endSession(): void }>();
  const pages: DashboardHandler = options.createPages({
    store: options.store,
    blobs: options.store.blobs,
    basePath: DASHBOARD_PATH,
    onReview: replyAfterReview({ installationOctokit: options.installationOctokit, log }),
    viewer: async (req) => {
      const request = signedIn.get(req);
      return request ? endingOnExpiry(viewerOf(request.session), request.endSession) : NOBODY;
    },
  });

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const [path = "", query = ""] = (req.url ?? "").split("?", 2);
    if (path !== DASHBOARD_PATH && !path.startsWith(`${DASHBOARD_PATH}/`)) return false;
    const secure = isSecure(settings, req);
    for (const [name, value] of Object.entries(headersForEveryAnswer(secure))) res.setHeader(name, value);
    const cookie = (name: string, value: string, maxAge: number) =>
      serializeCookie(name, value, { path: DASHBOARD_PATH, secure, maxAge });

    if (isStateChange(req) && !isSameOrigin(req, settings)) {
      messagePage(res, 403, "Refused", "This request came from another site.");
      return true;
    }
    try {
      if (path === LOGIN_PATH && req.method === "GET")
        return startSignIn(req, res, new URLSearchParams(query));
      if (path === CALLBACK_PATH && req.method === "GET") {
        // Probot logs each request's URL when it ends; the spent code and state need not be in it.
        req.url = CALLBACK_PATH;
        return await finishSignIn(req, res, new URLSearchParams(query));
      }
      if (path === SIGNED_OUT_PATH && req.method === "GET") {
        messagePage(res, 200, "Signed out", "You are signed out of Perceo.", signInLink());
        return true;
      }
      const session = keys.readSession(readCookie(req, SESSION_COOKIE));
      if (path === LOGOUT_PATH && req.method === "POST") return await signOut(req, res, session);
      if (!session) return await anonymous(req, res, path, query);
      signedIn.set(req, {
        session,
        endSession: () => {
          if (!res.headersSent) res.setHeader("set-cookie", cookie(SESSION_COOKIE, "", 0));
        },
      });
      if (!(await pages(req, res))) messagePage(res, 404, "Not found", "There is no such page.");
      return true;
    } catch (error) {
      if (res.headersSent) throw error;
      if (error instanceof SessionExpiredError) {
        res.setHeader("set-cookie", cookie(SESSION_COOKIE, "", 0));
        messagePage(res, 401, "Signed out", "GitHub no longer accepts this session.", signInLink());
        return true;
      }
      if (error instanceof GitHubSignInError) {
        log.warn({ code: error.code, reason: error.message }, "dashboard: GitHub call failed");
        messagePage(res, 502, "GitHub did not answer", error.message, signInLink());
        return true;
      }
      throw error;
    }

    function startSignIn(req: IncomingMessage, res: ServerResponse, params: URLSearchParams): boolean {
      const state = randomToken();
      const next = dashboardPathOrHome(params.get("next"));
      res.setHeader(
        "set-cookie",
        cookie(
          STATE_COOKIE,
          keys.signSignInState({ state, next, exp: nowSeconds() + SIGN_IN_SECONDS }),
          SIGN_IN_SECONDS,
        ),
      );
      const location = authorizeUrl(endpoints, {
        clientId: settings.clientId,
        state,
        redirectUri: callbackUrl(settings, req),
      });
      res.writeHead(302, { location, "content-length": "0" }).end();
      return true;
    }

    async function finishSignIn(req: IncomingMessage, res: ServerResponse, params: URLSearchParams) {
      const expected = keys.readSignInState(readCookie(req, STATE_COOKIE));
      res.setHeader("set-cookie", cookie(STATE_COOKIE, "", 0));
      if (params.get("error")) {
        messagePage(res, 403, "Not signed in", "GitHub did not sign you in.", signInLink());
        return true;
      }
      const code = params.get("code");
      if (!expected || !code || !sameSecret(expected.state, params.get("state") ?? undefined)) {
        messagePage(
          res,
          400,
          "Sign-in expired",
          "This sign-in was started in another browser, or more than 10 minutes ago.",
          signInLink(),
        );
        return true;
      }
      const redirectUri = callbackUrl(settings, req);
      const granted = await exchangeCode(endpoints, {
        clientId: settings.clientId,
        clientSecret: settings.clientSecret,
        code,
        redirectUri,
      });
      const user = await readUser(endpoints, granted.token);
      const seconds = Math.min(SESSION_SECONDS, granted.expiresInSeconds ?? SESSION_SECONDS);
      const session: Session = {
        sid: randomToken(),
        userId: user.id,
        login: user.login,
        csrf: randomToken(),
        token: granted.token,
        exp: nowSeconds() + seconds,
      };
      res.setHeader("set-cookie", [
        cookie(STATE_COOKIE, "", 0),
        cookie(SESSION_COOKIE, keys.signSession(session), seconds),
      ]);
      log.info({ login: user.login }, "dashboard: signed in");
      res.writeHead(303, { location: expected.next, "content-length": "0" }).end();
      return true;
    }

    async function signOut(req: IncomingMessage, res: ServerResponse, session: Session | undefined) {
      const form = await readSmallForm(req);
      if (session && !sameSecret(form.get("csrf") ?? undefined, session.csrf)) {
        messagePage(res, 403, "Refused", "This form is out of date: reload the page and try again.");
        return true;
      }
      res.setHeader("set-cookie", cookie(SESSION_COOKIE, "", 0));
      res.writeHead(303, { location: SIGNED_OUT_PATH, "content-length": "0" }).end();
      return true;
    }

    async function anonymous(req: IncomingMessage, res: ServerResponse, path: string, query: string) {
      // The stylesheet and scripts are the same for everyone; nothing else is served without a session.
      if (path.startsWith(ASSETS_PATH) && (req.method === "GET" || req.method === "HEAD")) {
        if (await pages(req, res)) return true;
      }
      if (req.method === "GET" || req.method === "HEAD") {
        const next = encodeURIComponent(query ? `${path}?${query}` : path);
        res.writeHead(303, { location: `${LOGIN_PATH}?next=${next}`, "content-length": "0" }).end();
        return true;
      }
      messagePage(res, 401, "Not signed in", "Sign in to do this.", signInLink());
      return true;
    }
  };
}

/**
 * A token GitHub stopped accepting (revoked, expired) ends the session: the answer clears the
 * cookie and shows nothing, and the next page asks the person to sign in again.
 */
function endingOnExpiry(viewer: Viewer, endSession: () => void): Viewer {
  const guard = async (ask: Promise<boolean>) => {
    try {
      return await ask;
    } catch (error) {
      if (!(error instanceof SessionExpiredError)) throw error;
      endSession();
      return false;
    }
  };
  return {
    ...viewer,
    canRead: (fullName) => guard(viewer.canRead(fullName)),
    canWrite: (fullName) => guard(viewer.canWrite(fullName)),
  };
}

/** Who the pages see without a session (only the assets are served then): nobody, with a CSRF token nothing matches. */
const NOBODY: Viewer = {
  canRead: async () => false,
  canWrite: async () => false,
  csrfToken: randomToken(),
  login: null,
};

/**
 * The pages' own headers (a CSP without inline script, never framed, nosniff, same-origin
 * referrer) on every answer under /dashboard, the sign-in's included, and what the App adds.
 */
function headersForEveryAnswer(secure: boolean): Record<string, string> {
  return {
    ...securityHeaders(),
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
    ...(secure ? { "strict-transport-security": "max-age=31536000" } : {}),
  };
}

function signInLink() {
  return { href: LOGIN_PATH, text: "Sign in with GitHub" };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function isSecure(settings: DashboardSettings, req: IncomingMessage): boolean {
  if (settings.publicUrl) return settings.publicUrl.startsWith("https:");
  return (req.socket as TLSSocket).encrypted === true;
}

/** In production PERCEO_PUBLIC_URL names it; in development the request's own host (localhost). */
function callbackUrl(settings: DashboardSettings, req: IncomingMessage): string {
  if (settings.publicUrl) return `${settings.publicUrl}${CALLBACK_PATH}`;
  const protocol = (req.socket as TLSSocket).encrypted ? "https" : "http";
  return `${protocol}://${req.headers.host ?? "localhost"}${CALLBACK_PATH}`;
}

function isStateChange(req: IncomingMessage): boolean {
  return req.method !== "GET" && req.method !== "HEAD" && req.method !== "OPTIONS";
}

/**
 * Browsers name the site a request comes from; one from another site is refused before its CSRF
 * token is even read (a second wall: the token is the first).
 */
function isSameOrigin(req: IncomingMessage, settings: DashboardSettings): boolean {
  const site = req.headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site") return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const own = settings.publicUrl
    ? new URL(settings.publicUrl).origin
    : `${(req.socket as TLSSocket).encrypted ? "https" : "http"}://${req.headers.host}`;
  return origin === own;
}

/** Where a sign-in returns to: a path under /dashboard, never another site (`//evil`, `/\evil`). */
export function dashboardPathOrHome(next: string | null): string {
  if (!next || !(next === DASHBOARD_PATH || next.startsWith(`${DASHBOARD_PATH}/`))) return DASHBOARD_PATH;
  if (/[\\\s]/.test(next) || next.includes("//")) return DASHBOARD_PATH;
  return next;
}

async function readSmallForm(req: IncomingMessage): Promise<URLSearchParams> {
  let text = "";
  for await (const chunk of req as AsyncIterable<Buffer>) {
    text += chunk.toString("utf8");
    if (text.length > 4096) break;
  }
  return new URLSearchParams(text.slice(0, 4096));
}
