import type { Viewer } from "../../shared/dashboard/index.ts";
import type { Project, Store } from "../../shared/store/index.ts";
import type { Octokit } from "../github/octokit.ts";
import { hasWriteAccess } from "../github/write-access.ts";
import {
  type GitHubEndpoints,
  type IdList,
  readableRepositoryId,
  userInstallationIds,
  userRepositoryIds,
} from "./github-user.ts";
import type { Session } from "./session-cookie.ts";

export interface ViewerServices {
  store: Store;
  endpoints: GitHubEndpoints;
  /** The installation's client (Probot's `app.auth(id)`), for the collaborator permission. */
  installationOctokit(installationId: number): Promise<Octokit>;
  /** How long one answer is kept for a session (default 60 s). */
  cacheSeconds?: number;
}

/**
 * What a signed-in person may do, as GitHub says:
 * - read: the project is one the App is installed on, in an installation the user can reach, and
 *   among that installation's repositories GitHub lists for the user's own token (by id, so a
 *   repository renamed away and its old name taken by another is not the project);
 * - write: read, and the collaborator permission `/perceo approve` checks (write or admin).
 * The lists are read once per session and minute, so the projects page costs a few GitHub calls
 * however many tenants the App serves; past 2,000 repositories the App asks per repository.
 */
export function githubViewers(services: ViewerServices) {
  const ttlMs = (services.cacheSeconds ?? 60) * 1000;
  const installations = new AnswerCache<IdList>(ttlMs);
  const repositories = new AnswerCache<IdList>(ttlMs);
  const readable = new AnswerCache<Project | undefined>(ttlMs);
  const writable = new AnswerCache<boolean>(ttlMs);
  const { endpoints } = services;

  const readableProject = (session: Session, fullName: string) =>
    readable.get(`${session.sid}:${fullName}`, async () => {
      const project = await services.store.getProject(fullName);
      if (!project || project.installationId === null || project.repositoryId === null) return undefined;
      const { installationId, repositoryId } = project;
      const reachable = await installations.get(session.sid, () =>
        userInstallationIds(endpoints, session.token),
      );
      if (!reachable.ids.has(installationId) && reachable.complete) return undefined;
      const listed = await repositories.get(`${session.sid}:${installationId}`, () =>
        userRepositoryIds(endpoints, session.token, installationId),
      );
      if (listed.ids.has(repositoryId)) return project;
      if (listed.complete && reachable.complete) return undefined;
      const id = await readableRepositoryId(endpoints, fullName, session.token);
      return id === repositoryId ? project : undefined;
    });

  return (session: Session): Viewer => ({
    login: session.login,
    csrfToken: session.csrf,
    canRead: async (fullName) => (await readableProject(session, fullName)) !== undefined,
    canWrite: (fullName) =>
      writable.get(`${session.sid}:${fullName}`, async () => {
        const project = await readableProject(session, fullName);
        if (!project?.installationId) return false;
        const [owner = "", repo = ""] = project.fullName.split("/");
        const octokit = await services.installationOctokit(project.installationId);
        return hasWriteAccess(octokit, { owner, repo }, session.login);
      }),
  });
}

/** A bounded map of recent answers; a failed lookup is not kept, so the next request asks again. */
class AnswerCache<T> {
  readonly #entries = new Map<string, { until: number; value: Promise<T> }>();
  readonly #ttlMs: number;
  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  get(key: string, compute: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && hit.until > now) return hit.value;
    if (this.#entries.size >= MAX_ENTRIES) {
      for (const [k, entry] of this.#entries) if (entry.until <= now) this.#entries.delete(k);
      const oldest = this.#entries.keys().next();
      if (this.#entries.size >= MAX_ENTRIES && !oldest.done) this.#entries.delete(oldest.value);
    }
    const value = compute();
    const entry = { until: now + this.#ttlMs, value };
    this.#entries.set(key, entry);
    value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return value;
  }
}

const MAX_ENTRIES = 10_000;
