import { createHash } from "node:crypto";
import type { RunResult } from "../runner/index.ts";
import {
  artifactPath,
  type Baseline,
  type Blobs,
  type Project,
  type RunSummary,
  type Screenshot,
  type Store,
} from "../store/index.ts";
import { compareImages, type DecodedImage, decodePng, type Region } from "../visual/index.ts";
import { DashboardError } from "./http.ts";

/*
 * A pull request's visual review, computed from the Store: the screenshots its newest run took on
 * the head commit that wait for review, each compared with its baseline (the picture an approval
 * made the baseline). Identical changes across flows (the same pixels changed in the same place)
 * are one group, reviewed once.
 */

/** Below this share of pixels a screenshot is unchanged (the Action's own threshold). */
const CHANGED_RATIO = 0.0005;
/** Changed regions listed per screenshot for zooming; the rest are counted. */
const MAX_REGIONS = 8;

export interface ReviewShot {
  screenshot: Screenshot;
  baseline: Baseline | undefined;
  /** Share of changed pixels; 1 for a size change; null without a baseline (a new screenshot). */
  ratio: number | null;
  regions: Region[];
  sizeChange: boolean;
  /** The flow passed only on a retry in the run that took it. */
  flaky: boolean;
  /** What identifies this change wherever it appears; an ignore is remembered by it. */
  fingerprint: string;
}

export interface ReviewGroup {
  fingerprint: string;
  /** The first is shown; the others changed identically. */
  shots: ReviewShot[];
  ignored: boolean;
}

export interface Review {
  prNumber: number;
  /** The newest run of the pull request, whose head commit is reviewed. */
  run: RunSummary | undefined;
  headSha: string | null;
  groups: ReviewGroup[];
  /** Pending screenshots that match their baseline. */
  unchanged: number;
}

export interface ReviewAction {
  kind: "approve" | "ignore";
  project: Project;
  prNumber: number;
  headSha: string;
  actor: string;
  /** The screenshots approved (or whose change was ignored). */
  screenshotIds: string[];
}

interface ReviewDeps {
  store: Store;
  blobs: Blobs;
}

interface Compared {
  shot: ReviewShot;
  diffPng: Uint8Array | undefined;
}

// Comparing is the expensive part; a page, its diff images and a following approve read it again.
const cache = new Map<string, Compared>();
const CACHE_ENTRIES = 200;

interface Candidates {
  run: RunSummary | undefined;
  headSha: string | null;
  /** Pending screenshots of the head commit taken by a flow's last attempt. */
  pending: Screenshot[];
  /** Storage path → the run that took it. */
  takenBy: Map<string, RunResult>;
}

/** The pull request's newest run and the head commit's screenshots that are up for review. */
async function reviewCandidates(deps: ReviewDeps, project: Project, prNumber: number): Promise<Candidates> {
  const runs = await deps.store.listRuns({ project: project.fullName, limit: 500 });
  const run = runs.find((r) => r.prNumber === prNumber && r.commitSha);
  if (!run?.commitSha) return { run, headSha: null, pending: [], takenBy: new Map() };
  // Every run of the head commit (the Action's shards are one run each), by the pictures of each
  // flow's last attempt: earlier attempts and failure pictures are not for review.
  const takenBy = new Map<string, RunResult>();
  for (const summary of runs.filter((r) => r.prNumber === prNumber && r.commitSha === run.commitSha)) {
    const full = await deps.store.getRun(summary.recordId);
    for (const flow of full?.flows ?? []) {
      for (const shot of flow.attempts.at(-1)?.screenshots ?? []) {
        if (shot.name !== "failure" && full) takenBy.set(artifactPath(project.id, full.id, shot.path), full);
      }
    }
  }
  const pending = (await deps.store.listPendingScreenshots(project.id, run.commitSha)).filter(
    (s) => s.storagePath && takenBy.has(s.storagePath),
  );
  return { run, headSha: run.commitSha, pending, takenBy };
}

export async function loadReview(deps: ReviewDeps, project: Project, prNumber: number): Promise<Review> {
  const { run, headSha, pending, takenBy } = await reviewCandidates(deps, project, prNumber);
  if (!headSha) return { prNumber, run, headSha: null, groups: [], unchanged: 0 };
  const ignored = new Set(await deps.store.listIgnoredFingerprints(project.id));
  const groups = new Map<string, ReviewGroup>();
  let unchanged = 0;
  for (const screenshot of pending) {
    const { shot } = await compareShot(deps, project, screenshot, takenBy.get(screenshot.storagePath ?? ""));
    if (shot.ratio !== null && shot.ratio <= CHANGED_RATIO) {
      unchanged++;
      continue;
    }
    const group = groups.get(shot.fingerprint);
    if (group) group.shots.push(shot);
    else
      groups.set(shot.fingerprint, {
        fingerprint: shot.fingerprint,
        shots: [shot],
        ignored: ignored.has(ignoreFingerprint(shot.fingerprint)),
      });
  }
  return { prNumber, run, headSha, groups: [...groups.values()], unchanged };
}

/** The diff picture of one pending screenshot of the pull request (red: changed pixels). */
export async function reviewDiffImage(
  deps: ReviewDeps,
  project: Project,
  prNumber: number,
  screenshotId: string,
): Promise<Uint8Array | undefined> {
  const { pending, takenBy } = await reviewCandidates(deps, project, prNumber);
  const screenshot = pending.find((s) => s.id === screenshotId);
  if (!screenshot) return undefined;
  return (await compareShot(deps, project, screenshot, takenBy.get(screenshot.storagePath ?? ""))).diffPng;
}

export interface ReviewInput {
  project: Project;
  prNumber: number;
  actor: string;
  /** Screenshots to act on; each must be one the review shows. */
  screenshotIds: string[];
  /** Every pending screenshot of the head commit (what `/perceo approve` does). */
  all: boolean;
}

/** Approves screenshots of the pull request's head commit: they become its baselines (as `/perceo approve`). */
export async function approveChanges(deps: ReviewDeps, input: ReviewInput): Promise<ReviewAction> {
  const review = await loadReview(deps, input.project, input.prNumber);
  const headSha = assertReviewable(review);
  const ids = input.all
    ? (await deps.store.listPendingScreenshots(input.project.id, headSha)).map((s) => s.id)
    : shotsOf(review, input.screenshotIds).map((s) => s.screenshot.id);
  for (const id of ids) await deps.store.approveScreenshot(id, input.actor);
  return {
    kind: "approve",
    project: input.project,
    prNumber: input.prNumber,
    headSha,
    actor: input.actor,
    screenshotIds: ids,
  };
}

/** Remembers the changes as ignored by their fingerprint, so the same change does not come back. */
export async function ignoreChanges(deps: ReviewDeps, input: ReviewInput): Promise<ReviewAction> {
  const review = await loadReview(deps, input.project, input.prNumber);
  const headSha = assertReviewable(review);
  const shots = input.all ? review.groups.flatMap((g) => g.shots) : shotsOf(review, input.screenshotIds);
  for (const fingerprint of new Set(shots.map((s) => s.fingerprint))) {
    await deps.store.recordFeedback({
      projectId: input.project.id,
      findingFingerprint: ignoreFingerprint(fingerprint),
      verdict: "ignore",
      actor: input.actor,
      comment: `pull request #${input.prNumber} at ${headSha.slice(0, 7)}`,
    });
  }
  return {
    kind: "ignore",
    project: input.project,
    prNumber: input.prNumber,
    headSha,
    actor: input.actor,
    screenshotIds: shots.map((s) => s.screenshot.id),
  };
}

/** The feedback fingerprint of an ignored visual change. */
export function ignoreFingerprint(changeFingerprint: string): string {
  return `visual:${changeFingerprint}`;
}

function assertReviewable(review: Review): string {
  if (!review.headSha) throw new DashboardError(404, `pull request #${review.prNumber} has no recorded run`);
  return review.headSha;
}

/** The review's screenshots with these ids, with every screenshot of their groups; an unknown id is a 404. */
function shotsOf(review: Review, ids: string[]): ReviewShot[] {
  if (ids.length === 0) throw new DashboardError(400, "name the screenshots to act on");
  const picked: ReviewShot[] = [];
  for (const id of ids) {
    const group = review.groups.find((g) => g.shots.some((s) => s.screenshot.id === id));
    if (!group)
      throw new DashboardError(404, `screenshot ${id} is not waiting for review on this pull request`);
    for (const shot of group.shots) if (!picked.includes(shot)) picked.push(shot);
  }
  return picked;
}

async function compareShot(
  deps: ReviewDeps,
  project: Project,
  screenshot: Screenshot,
  run: RunResult | undefined,
): Promise<Compared> {
  const baseline = await deps.store.resolveBaseline({
    projectId: project.id,
    flowName: screenshot.flowName,
    stepName: screenshot.stepName,
    viewport: screenshot.viewport,
  });
  const key = `${screenshot.id}:${baseline?.screenshotId ?? "none"}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const flaky = run?.flows.find((f) => f.name === screenshot.flowName)?.status === "flaky";
  const after = screenshot.storagePath
    ? await deps.blobs.get("screenshots", screenshot.storagePath)
    : undefined;
  const before = baseline?.storagePath
    ? await deps.blobs.get("screenshots", baseline.storagePath)
    : undefined;
  let compared: Compared;
  if (!after || !before || !baseline) {
    compared = {
      shot: {
        screenshot,
        baseline: before ? baseline : undefined,
        ratio: null,
        regions: [],
        sizeChange: false,
        flaky,
        fingerprint: `new:${screenshot.flowName}:${screenshot.stepName}:${screenshot.viewport.width}x${screenshot.viewport.height}`,
      },
      diffPng: undefined,
    };
  } else {
    // Decoded once: the fingerprint reads the same pixels (0.64× the time of comparing the PNG bytes
    // and decoding again, on the example shop's screenshots).
    const a = decodePng(before);
    const b = decodePng(after);
    const result = compareImages(a, b, { diffImage: true });
    const regions = result.regions.slice(0, MAX_REGIONS);
    compared = {
      shot: {
        screenshot,
        baseline,
        ratio: result.sizeChange ? 1 : result.ratio,
        regions,
        sizeChange: Boolean(result.sizeChange),
        flaky,
        fingerprint: changeFingerprint(a, b, result.regions),
      },
      diffPng: result.diffPng,
    };
  }
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(key, compared);
  return compared;
}

/**
 * The same change wherever it appears: the changed regions' boxes with the before and after pixels
 * inside them. A shared header that changed the same way on every page has one fingerprint.
 */
function changeFingerprint(before: DecodedImage, after: DecodedImage, regions: readonly Region[]): string {
  const hash = createHash("sha256");
  // The pictures' own sizes count only when they changed: a header restyled the same way on a short
  // and a long page is one change.
  if (before.width !== after.width || before.height !== after.height)
    hash.update(`${before.width}x${before.height}>${after.width}x${after.height};`);
  for (const r of regions) {
    hash.update(`${r.x},${r.y},${r.width},${r.height};`);
    for (const image of [before, after]) {
      for (let y = r.y; y < Math.min(r.y + r.height, image.height); y++) {
        const start = (y * image.width + r.x) * 4;
        const end = (y * image.width + Math.min(r.x + r.width, image.width)) * 4;
        if (end > start) hash.update(image.data.subarray(start, end));
      }
    }
  }
  return hash.digest("hex").slice(0, 32);
}
