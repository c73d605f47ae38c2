import type pg from "pg";
import type { Logger } from "probot";
import type { Store } from "../../shared/store/index.ts";
import type { Octokit } from "../github/octokit.ts";
import type { JobQueue } from "./queue.ts";

/** What a background job may use; tests hand in the same real pieces the server does. */
export interface JobDeps {
  /** An installation's client (`probot.auth(installationId)`). */
  auth(installationId: number): Promise<Octokit>;
  store: Store;
  /** The queue's own pool: locks and the delivery log. */
  pool: pg.Pool;
  queue: JobQueue;
  log: Logger;
}
