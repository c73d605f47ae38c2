import { z } from "zod";

/*
 * The dashboard's calls to GitHub as the signed-in person: the OAuth web flow of the App
 * (user-to-server token) and the reads that say what that person may see. Errors never carry the
 * token, the code or the client secret.
 */

/** GitHub did not answer as expected; the message says what the person can do. */
export class GitHubSignInError extends Error {
  override name = "GitHubSignInError";
  readonly code = "PERCEO_DASHBOARD_GITHUB";
}

/** The user's token no longer works (revoked, expired): sign in again. */
export class SessionExpiredError extends Error {
  override name = "SessionExpiredError";
}

export interface GitHubEndpoints {
  /** Where people sign in: https://github.com, or a GitHub Enterprise Server's origin. */
  githubUrl: string;
  /** The REST API: https://api.github.com, or `<GHE>/api/v3`. */
  apiUrl: string;
}

const TIMEOUT_MS = 10_000;

export function authorizeUrl(
  endpoints: GitHubEndpoints,
  input: { clientId: string; state: string; redirectUri: string },
): string {
  const url = new URL("/login/oauth/authorize", endpoints.githubUrl);
  url.searchParams.set("client_id", input.clientId);
  url.searchParams.set("redirect_uri", input.redirectUri);
  url.searchParams.set("state", input.state);
  // A GitHub App's user token has the App's permissions, not OAuth scopes; no sign-up detour.
  url.searchParams.set("allow_signup", "false");
  return url.toString();
}

const tokenAnswer = z.union([
  z.object({ access_token: z.string().min(1), expires_in: z.number().int().positive().optional() }),
  z.object({ error: z.string(), error_description: z.string().optional() }),
]);

/** Trades the callback's one-time code for the user's token (never retried: a code works once). */
export async function exchangeCode(
  endpoints: GitHubEndpoints,
  input: { clientId: string; clientSecret: string; code: string; redirectUri: string },
): Promise<{ token: string; expiresInSeconds?: number }> {
  const response = await call(new URL("/login/oauth/access_token", endpoints.githubUrl), {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify({
      client_id: input.clientId,
      client_secret: input.clientSecret,
      code: input.code,
      redirect_uri: input.redirectUri,
    }),
  });
  const parsed = tokenAnswer.safeParse(response.ok ? await response.json().catch(() => null) : null);
  if (!parsed.success) {
    throw new GitHubSignInError(`GitHub answered the sign-in with HTTP ${response.status}: try again`);
  }
  if ("error" in parsed.data) {
    // bad_verification_code: the code expired or was used; incorrect_client_credentials: the App's settings.
    throw new GitHubSignInError(
      parsed.data.error === "incorrect_client_credentials"
        ? "GitHub refused the App's client credentials: check GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET"
        : `GitHub refused the sign-in (${parsed.data.error}): start again`,
    );
  }
  return {
    token: parsed.data.access_token,
    ...(parsed.data.expires_in ? { expiresInSeconds: parsed.data.expires_in } : {}),
  };
}

const user = z.object({ id: z.number().int(), login: z.string().min(1) });

export async function readUser(endpoints: GitHubEndpoints, token: string) {
  const response = await getAsUser(endpoints, "/user", token);
  if (response.status === 401) throw new SessionExpiredError("GitHub refused the new token");
  const parsed = user.safeParse(response.ok ? await response.json().catch(() => null) : null);
  if (!parsed.success) throw new GitHubSignInError(`GitHub answered GET /user with HTTP ${response.status}`);
  return parsed.data;
}

const repository = z.object({ id: z.number().int(), full_name: z.string() });

/**
 * The repository's id when GitHub shows it to this user (their token sees only repositories they
 * can read and the App is installed on); undefined when it does not (404, or 403 for an SSO org).
 */
export async function readableRepositoryId(
  endpoints: GitHubEndpoints,
  fullName: string,
  token: string,
): Promise<number | undefined> {
  const [owner, name, extra] = fullName.split("/");
  if (!owner || !name || extra !== undefined) return undefined;
  const path = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
  const response = await readAsUser(endpoints, path, token);
  if (response.status === 404 || response.status === 403) return undefined;
  const parsed = repository.safeParse(response.ok ? await response.json().catch(() => null) : null);
  if (!parsed.success)
    throw new GitHubSignInError(`GitHub answered GET ${path} with HTTP ${response.status}`);
  return parsed.data.id;
}

/** Pages of 100; past this many a list is cut and the caller asks per repository instead. */
const MAX_PAGES = 20;

/** Ids of this App's installations the user can reach (GET /user/installations). */
export async function userInstallationIds(endpoints: GitHubEndpoints, token: string): Promise<IdList> {
  return listIds(endpoints, token, "/user/installations", "installations");
}

/**
 * Ids of the repositories of one installation the user has access to
 * (GET /user/installations/{id}/repositories); none when the installation is not theirs.
 */
export async function userRepositoryIds(
  endpoints: GitHubEndpoints,
  token: string,
  installationId: number,
): Promise<IdList> {
  return listIds(endpoints, token, `/user/installations/${installationId}/repositories`, "repositories");
}

export interface IdList {
  ids: Set<number>;
  /** False when GitHub had more than MAX_PAGES pages: an id missing from `ids` may still be there. */
  complete: boolean;
}

const idItems = z.array(z.object({ id: z.number().int() }));
const LIST_PAGES = {
  installations: z
    .object({ total_count: z.number().int(), installations: idItems })
    .transform((d) => ({ total: d.total_count, items: d.installations })),
  repositories: z
    .object({ total_count: z.number().int(), repositories: idItems })
    .transform((d) => ({ total: d.total_count, items: d.repositories })),
};

async function listIds(
  endpoints: GitHubEndpoints,
  token: string,
  path: string,
  key: "installations" | "repositories",
): Promise<IdList> {
  const page = LIST_PAGES[key];
  const ids = new Set<number>();
  for (let number = 1; number <= MAX_PAGES; number++) {
    const response = await readAsUser(endpoints, `${path}?per_page=100&page=${number}`, token);
    if (response.status === 404 || response.status === 403) return { ids, complete: true };
    const parsed = page.safeParse(response.ok ? await response.json().catch(() => null) : null);
    if (!parsed.success)
      throw new GitHubSignInError(`GitHub answered GET ${path} with HTTP ${response.status}`);
    const { items, total } = parsed.data;
    for (const item of items) ids.add(item.id);
    if (items.length < 100 || ids.size >= total) return { ids, complete: true };
  }
  return { ids, complete: false };
}

/** A GET as the user, repeated once when GitHub stumbles (a read is safe to repeat); 401 ends the session. */
async function readAsUser(endpoints: GitHubEndpoints, path: string, token: string): Promise<Response> {
  let response = await getAsUser(endpoints, path, token);
  if (response.status >= 500) response = await getAsUser(endpoints, path, token);
  if (response.status === 401) throw new SessionExpiredError("GitHub no longer accepts the session's token");
  return response;
}

function getAsUser(endpoints: GitHubEndpoints, path: string, token: string): Promise<Response> {
  return call(new URL(endpoints.apiUrl.replace(/\/+$/, "") + path), {
    headers: {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${token}`,
      "x-github-api-version": "2022-11-28",
      "user-agent": "perceo-dashboard",
    },
  });
}

async function call(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const what =
      (error as Error).name === "TimeoutError"
        ? `did not answer in ${TIMEOUT_MS / 1000} s`
        : "could not be reached";
    throw new GitHubSignInError(`GitHub (${url.origin}) ${what}: try again in a moment`);
  }
}
