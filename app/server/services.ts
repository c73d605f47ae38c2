import type { ApplicationFunctionOptions } from "probot";
import type { Store } from "../../shared/store/index.ts";
import type { JobQueue } from "../jobs/queue.ts";

export type Route = Parameters<ApplicationFunctionOptions["addHandler"]>[0];

/** What the handlers are given: the queue they record work in, the store, and extra HTTP routes. */
export interface AppServices {
  queue: JobQueue;
  store: Store;
  routes: Route[];
  /** Seconds a push to the default branch waits before its deploy diff. */
  pushDelaySeconds?: number;
}
