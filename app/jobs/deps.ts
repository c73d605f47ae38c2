import type pg from "pg";
import type { Logger } from "probot";
import type { BrowserPool, HostResolver } from "../../shared/capture/index.ts";
import type { AnthropicClientOptions } from "../../shared/llm/index.ts";
import type { ProjectSecrets } from "../../shared/secrets/index.ts";
import type { Bucket, Store } from "../../shared/store/index.ts";
import type { Octokit } from "../github/octokit.ts";
import type { JobQueue } from "./queue.ts";

/** The weekly scan's clock (tests hand in one). */
export interface WeeklyScanServices {
  now: () => Date;
  /** Anthropic's API root (tests). */
  llmBaseUrl?: string;
}

/** What a background job may use; tests hand in the same real pieces the server does. */
export interface JobDeps {
  /** An installation's client (`probot.auth(installationId)`). */
  auth(installationId: number): Promise<Octokit>;
  store: Store;
  /** The queue's own pool: locks and the delivery log. */
  pool: pg.Pool;
  queue: JobQueue;
  log: Logger;
  /** Captures of live pages (deploy diffs, weekly scans). */
  capture: {
    /** Warm Chromium, launched on first use. */
    pool: BrowserPool;
    /** Private or local targets the operator trusts (PERCEO_CAPTURE_ALLOWED_TARGETS); a repository's `allowedTargets` count only when listed here too. */
    allowedTargets: readonly string[];
    /** Tests resolve names themselves; default the system resolver. */
    resolve?: HostResolver;
    /**
     * Claude, when ANTHROPIC_API_KEY is set: describes each detected change in a line, writes the
     * weekly vision audit, and may add flows to a pull request's impact.
     */
    vision?: AnthropicClientOptions;
    /** A link to one of Perceo's own artifacts, when the App has a public URL. */
    artifactUrl?: (bucket: Bucket, path: string) => string;
  };
  /**
   * Where a repository's parsed module facts are kept between its pull requests (a file per
   * repository); none: every selection parses every module.
   */
  factsDir?: string;
  /** Each project's stored secrets (its analytics key), sealed with PERCEO_ENCRYPTION_KEY. */
  secrets: ProjectSecrets;
  /** Self-hosted PostHog origins a repository's `selfHostedUrl` may name (PERCEO_ANALYTICS_ALLOWED_HOSTS). */
  analyticsAllowedHosts: readonly string[];
  /** Waits for a lull in webhooks before a job starts (the job thread; see webhook-lull.ts). */
  lull?: () => Promise<void>;
  /** The weekly scan's clock; default now. */
  weeklyScan?: WeeklyScanServices;
}
