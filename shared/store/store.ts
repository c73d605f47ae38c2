import type { FlowStatus, RunResult, RunTotals } from "../runner/result.ts";
import type { DomSnapshot } from "../visual/index.ts";
import type { Blobs } from "./blobs.ts";

// Rows as the Store hands them out: camelCase, timestamps as ISO strings, dates as YYYY-MM-DD.

export type Priority = "critical" | "high" | "medium" | "low";

export interface Project {
  id: string;
  fullName: string;
  installationId: number | null;
  repositoryId: number | null;
  defaultBranch: string;
  createdAt: string;
}

export interface ProjectInput {
  /** `owner/name` for a GitHub repository; the config's project name for a local one. */
  fullName: string;
  installationId?: number;
  repositoryId?: number;
  defaultBranch?: string;
}

export type MemberRole = "owner" | "admin" | "member" | "viewer";

export interface FlowDefinitionInput {
  name: string;
  file: string;
  priority?: Priority;
  definition?: Record<string, unknown>;
}

/** Where a run came from; everything optional for a local run. */
export interface RunContext {
  /** The project to record into; default: the project named `run.project`, created when missing. */
  projectId?: string;
  source?: "local" | "ci";
  commitSha?: string;
  branch?: string;
  prNumber?: number;
  ciRunId?: number;
  ciRunAttempt?: number;
  /**
   * The run's report directory: its screenshots and traces are copied to the Store's blobs
   * (`screenshots/<project id>/<run id>/…`, `traces/…`) and their storage paths recorded.
   */
  reportDir?: string;
  /**
   * Artifacts already in the Store's blobs (report path → storage path), used when there is no
   * `reportDir`: the App's ingest route receives the pictures before the run that names them.
   */
  artifacts?: Record<string, string>;
}

export interface RecordedRun {
  /** The database id of the test run (a uuid); `run.id` stays the run's own id. */
  recordId: string;
  projectId: string;
}

export interface RunSummary {
  /** The run's own id (`RunResult.id`): what `perceo runs show <id>` takes. */
  id: string;
  recordId: string;
  project: string;
  status: RunResult["status"];
  source: "local" | "ci";
  baseUrl: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  totals: RunTotals;
  commitSha: string | null;
  branch: string | null;
  prNumber: number | null;
}

export interface ListRunsOptions {
  /** A project's full name; default all projects. */
  project?: string;
  /** Default 20, at most 500. */
  limit?: number;
  /** Only runs started before this ISO time (the last summary's `startedAt`, to page). */
  before?: string;
}

export interface Viewport {
  width: number;
  height: number;
}

export interface BaselineQuery {
  projectId: string;
  flowName: string;
  stepName: string;
  viewport: Viewport;
  /** The merge base of the pull request with the default branch, when known. */
  mergeBaseSha?: string;
}

export interface Baseline {
  baselineId: string;
  screenshotId: string;
  commitSha: string;
  branch: string;
  /** Object path in the `screenshots` bucket, when the picture was uploaded. */
  storagePath: string | null;
  path: string | null;
  approvedAt: string;
  /** True when it is the merge base's own baseline rather than the newest on the default branch. */
  fromMergeBase: boolean;
}

export interface ScreenshotInput {
  projectId: string;
  flowName: string;
  stepName: string;
  stepIndex?: number;
  viewport: Viewport;
  storagePath: string;
  commitSha?: string;
  branch?: string;
}

export interface Screenshot {
  id: string;
  projectId: string;
  flowName: string;
  stepName: string;
  stepIndex: number;
  viewport: Viewport;
  path: string | null;
  storagePath: string | null;
  commitSha: string | null;
  branch: string | null;
  approval: "pending" | "approved" | "rejected";
  capturedAt: string;
}

export interface PredictionInput {
  prNumber?: number;
  headSha: string;
  flowName: string;
  probability: number;
  confidence: number;
  reasoning?: string;
  source?: "rules" | "llm" | "coverage";
}

export type PredictionOutcome = FlowStatus | "not_run";

export interface Prediction extends Required<Omit<PredictionInput, "prNumber">> {
  id: string;
  projectId: string;
  prNumber: number | null;
  actualResult: PredictionOutcome | null;
}

export interface Page {
  id: string;
  projectId: string;
  url: string;
  name: string | null;
  active: boolean;
}

export interface DeployInput {
  sha: string;
  environment?: string;
  url?: string;
  status?: "pending" | "success" | "failure" | "error";
  deployedAt?: string;
}

export interface Deploy {
  id: string;
  projectId: string;
  sha: string;
  environment: string;
  url: string | null;
  status: NonNullable<DeployInput["status"]>;
  deployedAt: string;
}

export type AnalysisKind = "deploy_diff" | "weekly_scan" | "audit";
export type AnalysisStatus = "queued" | "running" | "succeeded" | "failed";

export interface AnalysisInput {
  projectId: string;
  pageId: string;
  kind: AnalysisKind;
  commitSha: string;
  deployId?: string;
}

export interface Analysis {
  id: string;
  projectId: string;
  pageId: string;
  deployId: string | null;
  kind: AnalysisKind;
  commitSha: string;
  status: AnalysisStatus;
  summary: Record<string, unknown>;
  error: string | null;
  finishedAt: string | null;
}

export type ChangeStatus = "watching" | "validated" | "regressed" | "inconclusive" | "reverted";
export type ChangeKind = "visual" | "text" | "layout" | "added" | "removed";

export interface DetectedChangeInput {
  projectId: string;
  pageId: string;
  element: string;
  kind: ChangeKind;
  before?: string;
  after?: string;
  analysisId?: string;
  deployId?: string;
  /** The day it was first seen (YYYY-MM-DD, UTC); default today. */
  firstDetectedDate?: string;
}

export interface DetectedChange {
  id: string;
  projectId: string;
  pageId: string;
  element: string;
  kind: ChangeKind;
  before: string | null;
  after: string | null;
  firstDetectedDate: string;
  status: ChangeStatus;
  statusChangedAt: string;
}

export interface ChangeLifecycleEvent {
  id: number;
  changeId: string;
  fromStatus: ChangeStatus | null;
  toStatus: ChangeStatus;
  reason: string | null;
  actor: string | null;
  occurredAt: string;
}

export interface ListDetectedChangesOptions {
  pageId?: string;
  status?: ChangeStatus | ChangeStatus[];
  /** Only changes first detected at or after this time. */
  since?: Date;
  /** Only changes first detected before this time. */
  until?: Date;
  /** Default 100, at most 1,000. */
  limit?: number;
}

export type PageViewport = "desktop" | "mobile";

export interface PageCaptureInput {
  /** The analysis that took it: the page, project and commit come from there. */
  analysisId: string;
  viewport: PageViewport;
  /** Object path of the screenshot in the `screenshots` bucket. */
  screenshotPath: string;
  /** Object path of the diff image against the baseline, when it was compared. */
  diffPath?: string;
  width: number;
  height: number;
  dom: DomSnapshot;
  /** False when no two screenshots in a row matched. Default true. */
  stable?: boolean;
  /** Default now; set for imported or backdated captures. */
  capturedAt?: string;
}

export interface PageCapture {
  id: string;
  projectId: string;
  pageId: string;
  analysisId: string;
  viewport: PageViewport;
  commitSha: string;
  screenshotPath: string;
  diffPath: string | null;
  width: number;
  height: number;
  dom: DomSnapshot;
  stable: boolean;
  capturedAt: string;
}

export interface PageBaseline {
  capture: PageCapture;
  /** `stable`: set by a scheduled scan or a first capture; `previous_capture`: the last complete capture ≥ 24 h old. */
  source: "stable" | "previous_capture";
}

export type CheckpointHorizon = 7 | 14 | 30 | 60 | 90;

export interface CheckpointInput {
  changeId: string;
  horizonDays: CheckpointHorizon;
  verdict: "improved" | "worsened" | "neutral" | "insufficient_data";
  metrics?: Record<string, unknown>;
}

export interface ChangeCheckpoint extends Required<CheckpointInput> {
  id: string;
  projectId: string;
  measuredAt: string;
}

export interface InsightInput {
  projectId: string;
  fingerprint: string;
  kind:
    | "flaky_flow"
    | "failing_flow"
    | "coverage_gap"
    | "performance"
    | "visual"
    | "accessibility"
    | "analytics";
  severity?: "info" | "low" | "medium" | "high" | "critical";
  title: string;
  body?: string;
}

export interface Insight extends Required<InsightInput> {
  id: string;
  status: "open" | "resolved" | "dismissed";
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface FlowMetricInput {
  flowName: string;
  source: "synthetic" | "production";
  /** snake_case, e.g. `success_rate`, `duration_p50_ms`, `conversion_rate`. */
  metric: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  value: number;
  samples?: number;
}

export interface AnalyticsEventInput {
  source: "posthog" | "ga4" | "mixpanel" | "custom";
  /** The provider's id for the event: the key that makes a re-sync insert nothing. */
  eventId: string;
  eventName: string;
  distinctId?: string;
  occurredAt: string | Date;
  properties?: Record<string, unknown>;
}

export interface TrackedSuggestionInput {
  projectId: string;
  fingerprint: string;
  source: "weekly_scan" | "audit" | "llm" | "analytics";
  title: string;
  body?: string;
}

export interface TrackedSuggestion extends Required<TrackedSuggestionInput> {
  id: string;
  status: "open" | "accepted" | "dismissed" | "done";
  firstSeenAt: string;
  lastSeenAt: string;
  /** Weeks in which a scan made it (a rerun in the same week counts once). */
  timesSuggested: number;
  pageId: string | null;
  impact: "high" | "medium" | "low" | null;
  /** When a scan no longer found it. */
  addressedAt: string | null;
}

export interface FeedbackInput {
  projectId: string;
  findingFingerprint: string;
  verdict: "ignore" | "confirm" | "false_positive";
  actor: string;
  comment?: string;
}

export type WeeklyScanStatus = "running" | "succeeded" | "failed" | "skipped";

export interface WeeklyScan {
  id: string;
  projectId: string;
  /** Monday of the ISO week, YYYY-MM-DD. */
  weekStart: string;
  status: WeeklyScanStatus;
  issueNumber: number | null;
  summary: Record<string, unknown>;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface WeeklyScanFinding {
  fingerprint: string;
  evidence: string;
  title: string;
  commentId: number | null;
}

export interface WeeklySuggestionInput {
  fingerprint: string;
  source: TrackedSuggestionInput["source"];
  title: string;
  body?: string;
  pageId?: string;
  impact?: "high" | "medium" | "low";
}

export interface FlowHealth {
  flowName: string;
  runs: number;
  passed: number;
  failed: number;
  flaky: number;
  /** Passed or flaky over runs that ran (skipped ones left out); null when none ran. */
  passRate: number | null;
  medianDurationMs: number | null;
  maxDurationMs: number | null;
}

/** A project secret as stored: sealed (see shared/secrets), never the value. */
export interface StoredSecret {
  projectId: string;
  name: string;
  /** Sealed: `perceo:v1:<key id>:…`. */
  ciphertext: string;
  /** Which encryption key sealed it (its fingerprint). */
  keyId: string;
  setBy: string;
  createdAt: string;
  updatedAt: string;
  rotatedAt: string | null;
}

/** What the CLI and the Action need; every adapter (Postgres, PGlite, Supabase) provides it. */
export interface RunStore {
  readonly backend: "postgres" | "pglite" | "supabase";
  /** Where artifacts go: `.perceo/blobs`, or Supabase Storage. */
  readonly blobs: Blobs;
  ensureProject(input: ProjectInput): Promise<Project>;
  /** Records a run; sending the same run (same project + `run.id`) again updates it in place. */
  recordRun(run: RunResult, context?: RunContext): Promise<RecordedRun>;
  /** Newest first. */
  listRuns(options?: ListRunsOptions): Promise<RunSummary[]>;
  /** By the run's own id (or the record's uuid); the newest when projects share an id. */
  getRun(id: string, options?: { project?: string }): Promise<RunResult | undefined>;
  resolveBaseline(query: BaselineQuery): Promise<Baseline | undefined>;
  /**
   * Makes a recorded run's screenshots the baselines of its commit: those of each flow's last
   * attempt that passed, stored as pictures (recorded with `reportDir`), taken on a branch.
   * Returns how many baselines it wrote; StoreError `not_found` when the run is not recorded.
   */
  approveRunScreenshots(projectId: string, runId: string, reviewedBy?: string): Promise<number>;
  /** Marks what actually happened to predicted flows; returns how many predictions it updated. */
  recordPredictionOutcomes(
    projectId: string,
    headSha: string,
    outcomes: Array<{ flowName: string; actual: PredictionOutcome }>,
  ): Promise<number>;
  close(): Promise<void>;
}

/** Everything the product stores; the Postgres adapter (node-postgres or PGlite) provides all of it. */
export interface Store extends RunStore {
  getProject(fullName: string): Promise<Project | undefined>;
  /** The project of a GitHub repository, followed through renames by its id. */
  getProjectByRepositoryId(repositoryId: number): Promise<Project | undefined>;
  /**
   * An uninstalled App (or repositories removed from an installation): the projects keep their
   * data but lose the installation, until `ensureProject` with an installation id reattaches them.
   * Without `repositoryIds`, every project of the installation. Returns how many were detached.
   */
  detachProjects(installationId: number, repositoryIds?: number[]): Promise<number>;
  addProjectMember(input: { projectId: string; userId: string; role?: MemberRole }): Promise<void>;
  /** Upserts the flows of the default branch at `sha`; flows no longer defined become inactive. */
  syncFlows(
    projectId: string,
    sha: string,
    flows: FlowDefinitionInput[],
  ): Promise<{ upserted: number; deactivated: number }>;
  recordScreenshot(input: ScreenshotInput): Promise<Screenshot>;
  /** Approves a screenshot; one taken on a commit becomes that commit's baseline. */
  approveScreenshot(screenshotId: string, reviewedBy?: string): Promise<{ baselineId: string | null }>;
  /** Screenshots taken on `commitSha` that wait for review, by flow and step; `flows` narrows them. */
  listPendingScreenshots(projectId: string, commitSha: string, flows?: string[]): Promise<Screenshot[]>;
  recordPredictions(projectId: string, predictions: PredictionInput[]): Promise<Prediction[]>;
  listPredictions(projectId: string, headSha: string): Promise<Prediction[]>;
  /**
   * The project's predictions whose flows ran (passed, failed or flaky), newest outcome first, at most
   * `limit`: what the risk model refits on and calibration scores.
   */
  listScoredPredictions(projectId: string, limit?: number): Promise<Prediction[]>;
  upsertPage(projectId: string, input: { url: string; name?: string }): Promise<Page>;
  /** Idempotent on (project, sha): a redelivered deploy returns the existing row, `created: false`. */
  recordDeploy(projectId: string, input: DeployInput): Promise<{ deploy: Deploy; created: boolean }>;
  /** Idempotent on (page, kind, commit). */
  startAnalysis(input: AnalysisInput): Promise<Analysis>;
  finishAnalysis(
    analysisId: string,
    outcome: { status: "succeeded" | "failed"; summary?: Record<string, unknown>; error?: string },
  ): Promise<Analysis>;
  /** Idempotent on (page, element, first detected date). */
  recordDetectedChange(input: DetectedChangeInput): Promise<{ change: DetectedChange; created: boolean }>;
  getDetectedChange(changeId: string): Promise<DetectedChange | undefined>;
  /** Throws StoreError `illegal_transition` for a move the state machine forbids. */
  transitionChange(
    changeId: string,
    to: ChangeStatus,
    note?: { reason?: string; actor?: string },
  ): Promise<ChangeLifecycleEvent>;
  listChangeEvents(changeId: string): Promise<ChangeLifecycleEvent[]>;
  /** Checkpoints are immutable: recording one again returns the first, `created: false`. */
  recordCheckpoint(input: CheckpointInput): Promise<{ checkpoint: ChangeCheckpoint; created: boolean }>;
  /** Idempotent on (project, fingerprint): refreshes the text and `lastSeenAt`. */
  upsertInsight(input: InsightInput): Promise<Insight>;
  recordFlowMetrics(projectId: string, metrics: FlowMetricInput[]): Promise<number>;
  /** Bulk insert; events already stored (same source + event id) are skipped. Returns rows inserted. */
  insertAnalyticsEvents(projectId: string, events: AnalyticsEventInput[]): Promise<number>;
  upsertTrackedSuggestion(input: TrackedSuggestionInput): Promise<TrackedSuggestion>;
  recordFeedback(input: FeedbackInput): Promise<void>;
  /** Fingerprints of findings someone chose to ignore. */
  listIgnoredFingerprints(projectId: string): Promise<string[]>;
  /** Newest first (by when each change was first detected). */
  listDetectedChanges(projectId: string, options?: ListDetectedChangesOptions): Promise<DetectedChange[]>;
  /** The newest deploy of another commit recorded before `sha`'s (any commit when `sha` is unknown). */
  findPreviousDeploy(projectId: string, sha: string): Promise<Deploy | undefined>;
  /** Idempotent on (analysis, viewport): a retried analysis replaces its capture. */
  recordPageCapture(input: PageCaptureInput): Promise<PageCapture>;
  listPageCaptures(analysisId: string): Promise<PageCapture[]>;
  /** Makes a capture its page's stable baseline at its viewport (scheduled scans; a page's first capture). */
  setPageBaseline(captureId: string, source: "scheduled_scan" | "first_capture"): Promise<void>;
  /**
   * What a deploy diff of `pageId` at `viewport` compares against: the stable baseline, else the last
   * capture of a succeeded analysis at least 24 h old; none older than 14 days. `undefined`: take a
   * fresh capture and make it the baseline.
   */
  resolvePageBaseline(
    pageId: string,
    viewport: PageViewport,
    options?: { now?: Date },
  ): Promise<PageBaseline | undefined>;

  // The weekly scan's bookkeeping (issue #8).
  /** Projects the App is installed on (an installation id), oldest first. */
  listInstalledProjects(): Promise<Project[]>;
  /** Idempotent on (project, week): the second call returns the first row, `created: false`. */
  beginWeeklyScan(projectId: string, weekStart: string): Promise<{ scan: WeeklyScan; created: boolean }>;
  updateWeeklyScan(
    scanId: string,
    patch: {
      status?: WeeklyScanStatus;
      issueNumber?: number;
      summary?: Record<string, unknown>;
      error?: string;
    },
  ): Promise<WeeklyScan>;
  /** The newest scan before `weekStart` that opened an issue. */
  previousWeeklyScan(projectId: string, weekStart: string): Promise<WeeklyScan | undefined>;
  /** Ids of projects whose scan of the week starting `weekStart` succeeded or was skipped. */
  listProjectsScannedInWeek(weekStart: string): Promise<string[]>;
  /** Upserts by (scan, fingerprint). */
  recordWeeklyScanFindings(scanId: string, findings: WeeklyScanFinding[]): Promise<void>;
  listWeeklyScanFindings(scanId: string): Promise<WeeklyScanFinding[]>;
  /** Upserts by fingerprint; `timesSuggested` grows once per week; a done suggestion seen again reopens. */
  recordWeeklySuggestions(
    projectId: string,
    weekStart: string,
    suggestions: WeeklySuggestionInput[],
  ): Promise<TrackedSuggestion[]>;
  /** Open suggestions about `pageIds` whose fingerprint is not in `stillSeen` become done (addressed). */
  markSuggestionsAddressed(
    projectId: string,
    pageIds: string[],
    stillSeen: string[],
  ): Promise<TrackedSuggestion[]>;
  listTrackedSuggestions(
    projectId: string,
    options?: { status?: TrackedSuggestion["status"][] },
  ): Promise<TrackedSuggestion[]>;
  /** Most severe first, then newest. */
  listInsights(
    projectId: string,
    options?: { status?: Insight["status"][]; limit?: number },
  ): Promise<Insight[]>;
  /** Per flow, over the runs started in [since, until). */
  flowHealth(projectId: string, window: { since: Date; until: Date }): Promise<FlowHealth[]>;
  listChangeCheckpoints(changeIds: string[]): Promise<ChangeCheckpoint[]>;

  // Project secrets, sealed by the caller (shared/secrets); only the service role reads the table.
  /** Inserts or replaces the project's secret of that name. */
  putProjectSecret(input: {
    projectId: string;
    name: string;
    ciphertext: string;
    keyId: string;
    setBy: string;
  }): Promise<{ created: boolean }>;
  getProjectSecret(projectId: string, name: string): Promise<StoredSecret | undefined>;
  /** One project's secrets, or every project's; by name. */
  listProjectSecrets(projectId?: string): Promise<StoredSecret[]>;
  deleteProjectSecret(projectId: string, name: string): Promise<boolean>;
  /**
   * Re-seals every stored secret in one transaction (rows locked): `reseal` returns the new
   * ciphertext, or undefined to leave a row as it is. Returns how many rows changed.
   */
  resealProjectSecrets(
    reseal: (secret: StoredSecret) => { ciphertext: string; keyId: string } | undefined,
  ): Promise<number>;
}
