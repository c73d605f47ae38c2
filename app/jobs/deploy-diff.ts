import type { Logger } from "probot";
import { type Capture, capturePage } from "../../shared/capture/index.ts";
import { formatIssue, type PerceoConfig } from "../../shared/config/index.ts";
import type { Deploy, DetectedChange, PageBaseline, Project, Store } from "../../shared/store/index.ts";
import {
  compareImagesAsync,
  type DescribedChange,
  describeChanges,
  describeChangesWithVision,
  showsOldValue,
} from "../../shared/visual/index.ts";
import { completeCheckRun, startCheckRun } from "../github/check-run.ts";
import type { Octokit, RepoRef } from "../github/octokit.ts";
import { loadRepoConfig } from "../github/repo-config.ts";
import { plainText } from "../impact/markdown.ts";
import { type SelectedPage, selectDeployPages } from "./deploy-pages.ts";
import {
  DEPLOY_CHECK,
  type PageChange,
  type PageReport,
  renderDeployCheck,
  type ViewportShot,
} from "./deploy-render.ts";
import type { JobDeps } from "./deps.ts";
import type { DeployDiffPayload } from "./payloads.ts";

type PageSetting = NonNullable<PerceoConfig["pages"]>[number];

/** GitHub's compare answer lists at most 300 files; more means "too many to tell": capture every page. */
const COMPARE_FILES_LIMIT = 300;
const OPEN_STATUSES = ["watching", "validated", "regressed", "inconclusive"] as const;
const ACTOR = "perceo deploy diff";

/**
 * The deploy diff of one commit:
 * 1. a push waits its delay, then steps aside when the repository reports deployments
 * 2. record the deploy, find or start the `Perceo / Deploy` check run
 * 3. load `.perceo/` at the commit; its pages (or the deployment's URL when none are listed)
 * 4. changed files since the previous deploy (compare API) → the pages they can reach
 * 5. per page: capture desktop + mobile, diff each against its baseline, record the changes, mark reverts
 * 6. complete the check run with the before/after tables and links to the diff images
 */
export async function diffDeploy(deps: JobDeps, job: DeployDiffPayload, log: Logger): Promise<void> {
  const repo: RepoRef = { owner: job.owner, repo: job.repo };
  const octokit = await deps.auth(job.installationId);
  if (job.trigger === "push" && (await reportsDeployments(octokit, repo))) {
    log.info("the repository reports production deployments; their deployment_status triggers the diff");
    return;
  }
  const project = await deps.store.ensureProject({
    fullName: `${job.owner}/${job.repo}`,
    installationId: job.installationId,
    repositoryId: job.repositoryId,
    defaultBranch: job.defaultBranch,
  });
  const previous = await deps.store.findPreviousDeploy(project.id, job.sha);
  const { deploy } = await deps.store.recordDeploy(project.id, {
    sha: job.sha,
    environment: job.environment,
    ...(job.environmentUrl ? { url: job.environmentUrl } : {}),
  });
  const check = await startCheckRun(octokit, repo, {
    name: DEPLOY_CHECK,
    sha: job.sha,
    externalId: `deploy:${job.sha}`,
  });
  const finish = (report: Parameters<typeof renderDeployCheck>[0]) =>
    completeCheckRun(octokit, repo, check.id, renderDeployCheck(report));

  const config = await loadRepoConfig(octokit, repo, job.sha);
  if (config.kind !== "loaded") {
    const note =
      config.kind === "missing"
        ? "No `.perceo/config.yml` at this commit: add `pages:` to it to watch live pages after each deploy."
        : `The .perceo/ config at this commit is invalid, so no page was captured:\n\n${config.error.issues.map((i) => `- ${plainText(formatIssue(i))}`).join("\n")}`;
    await finish({ sha: job.sha, pages: [], skipped: [], note });
    return;
  }
  const settings = config.project.config;
  const pages = pagesToWatch(settings, job.environmentUrl);
  if (pages.length === 0) {
    await finish({
      sha: job.sha,
      pages: [],
      skipped: [],
      note: "No pages to watch: list them under `pages:` in `.perceo/config.yml`.",
    });
    return;
  }
  const base = previous?.sha ?? job.beforeSha;
  const changedFiles = base ? await listDeployFiles(octokit, repo, base, job.sha) : undefined;
  const selection = selectDeployPages({
    pages,
    changedFiles,
    ...(settings.observer ? { routes: settings.observer.routes } : {}),
  });
  const allowedTargets = (settings.allowedTargets ?? []).filter((t) =>
    deps.capture.allowedTargets.includes(t),
  );
  const reports = await Promise.all(
    selection.selected.map((selected) =>
      diffPage(deps, {
        project,
        deploy,
        selected,
        allowedTargets,
        log: log.child({ page: selected.page.url }),
      }),
    ),
  );
  await finish({
    sha: job.sha,
    ...(job.environmentUrl ? { environmentUrl: job.environmentUrl } : {}),
    ...(changedFiles ? { changedFiles: changedFiles.length } : {}),
    pages: reports,
    skipped: selection.skipped.map(pageName),
  });
  log.info(
    {
      pages: reports.length,
      skipped: selection.skipped.length,
      changes: reports.reduce((n, r) => n + r.changes.length, 0),
    },
    reports.length ? "deploy diffed" : "backend-only deploy; nothing captured",
  );
}

/** The configured pages; with none, the deployment's own URL as one page that any visual file can change. */
function pagesToWatch(settings: PerceoConfig, environmentUrl: string | undefined): PageSetting[] {
  if (settings.pages?.length) return settings.pages;
  if (!environmentUrl) return [];
  return [{ url: environmentUrl, name: "Home", files: [], viewports: ["desktop", "mobile"], masks: [] }];
}

const pageName = (page: PageSetting) => page.name ?? new URL(page.url).pathname;

async function reportsDeployments(octokit: Octokit, repo: RepoRef): Promise<boolean> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/deployments", { ...repo, per_page: 20 });
  return data.some((d) => d.production_environment === true || /^production$/i.test(d.environment));
}

async function listDeployFiles(
  octokit: Octokit,
  repo: RepoRef,
  base: string,
  head: string,
): Promise<string[] | undefined> {
  if (base === head || /^0+$/.test(base)) return base === head ? [] : undefined;
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/compare/{basehead}", {
    ...repo,
    basehead: `${base}...${head}`,
  });
  const files = data.files ?? [];
  if (files.length >= COMPARE_FILES_LIMIT) return undefined;
  return files.flatMap((f) => (f.previous_filename ? [f.filename, f.previous_filename] : [f.filename]));
}

interface PageJob {
  project: Project;
  deploy: Deploy;
  selected: SelectedPage;
  allowedTargets: string[];
  log: Logger;
}

async function diffPage(deps: JobDeps, job: PageJob): Promise<PageReport> {
  const { store } = deps;
  const setting = job.selected.page;
  const report: PageReport = {
    name: pageName(setting),
    url: setting.url,
    reason: job.selected.reason,
    outcome: "baseline",
    shots: [],
    changes: [],
    reverted: [],
  };
  const page = await store.upsertPage(job.project.id, { url: setting.url, name: report.name });
  const analysis = await store.startAnalysis({
    projectId: job.project.id,
    pageId: page.id,
    kind: "deploy_diff",
    commitSha: job.deploy.sha,
    deployId: job.deploy.id,
  });
  try {
    const captures = await capturePage(
      { url: setting.url, viewports: setting.viewports, masks: setting.masks },
      {
        pool: deps.capture.pool,
        allowedTargets: job.allowedTargets,
        ...(deps.capture.resolve ? { resolve: deps.capture.resolve } : {}),
      },
    );
    const found: Array<{ viewport: string; changes: DescribedChange[]; pictures?: Pictures }> = [];
    for (const capture of captures) {
      const compared = await compareWithBaseline(
        deps,
        { projectId: job.project.id, pageId: page.id, analysisId: analysis.id },
        capture,
      );
      report.shots.push(compared.shot);
      if (compared.baseline) {
        report.outcome = "compared";
        report.baselineSha = compared.baseline.capture.commitSha;
        found.push({
          viewport: capture.viewport,
          changes: compared.changes,
          ...(compared.pictures ? { pictures: compared.pictures } : {}),
        });
      }
    }
    const merged = mergeViewports(found);
    await addDescriptions(deps, job, setting.url, merged, found);
    report.changes = await recordChanges(store, job, page.id, analysis.id, merged);
    report.reverted = await markReverts(store, job, page.id, report.changes, captures);
    await store.finishAnalysis(analysis.id, {
      status: "succeeded",
      summary: {
        outcome: report.outcome,
        viewports: captures.map((c) => c.viewport),
        changes: report.changes.length,
        reverted: report.reverted.length,
        ...(report.baselineSha ? { baselineSha: report.baselineSha } : {}),
      },
    });
  } catch (error) {
    const message = (error as Error).message;
    job.log.warn({ err: error }, "page capture failed");
    await store.finishAnalysis(analysis.id, { status: "failed", error: message });
    return { ...report, outcome: "failed", error: message };
  }
  return report;
}

/**
 * Stores one viewport's screenshot and compares it with the baseline. A page with no usable
 * baseline gets this capture as its baseline; a retried job does not compare a capture with itself.
 */
async function compareWithBaseline(
  deps: JobDeps,
  ids: { projectId: string; pageId: string; analysisId: string },
  capture: Capture,
): Promise<{ shot: ViewportShot; baseline?: PageBaseline; changes: DescribedChange[]; pictures?: Pictures }> {
  const { store } = deps;
  const link = deps.capture.artifactUrl;
  const folder = `${ids.projectId}/pages/${ids.pageId}/${ids.analysisId}`;
  const screenshotPath = `${folder}/${capture.viewport}.png`;
  const resolved = await store.resolvePageBaseline(ids.pageId, capture.viewport);
  const baseline = resolved && resolved.capture.analysisId !== ids.analysisId ? resolved : undefined;
  const before = baseline ? await store.blobs.get("screenshots", baseline.capture.screenshotPath) : undefined;
  await store.blobs.put("screenshots", screenshotPath, capture.png, "image/png");
  const shot: ViewportShot = { viewport: capture.viewport };
  if (link) shot.after = link("screenshots", screenshotPath);
  let changes: DescribedChange[] = [];
  let diffPath: string | undefined;
  if (baseline && before) {
    const result = await compareImagesAsync(before, capture.png, { masks: capture.masks, diffImage: true });
    changes = describeChanges(result.regions, baseline.capture.dom, capture.dom);
    shot.changedPixels = result.changedPixels;
    if (link) shot.before = link("screenshots", baseline.capture.screenshotPath);
    if (!result.identical && result.diffPng) {
      diffPath = `${folder}/${capture.viewport}-diff.png`;
      await store.blobs.put("screenshots", diffPath, result.diffPng, "image/png");
      if (link) shot.diff = link("screenshots", diffPath);
    }
  }
  const recorded = await store.recordPageCapture({
    analysisId: ids.analysisId,
    viewport: capture.viewport,
    screenshotPath,
    ...(diffPath ? { diffPath } : {}),
    width: capture.width,
    height: capture.height,
    dom: capture.dom,
    stable: capture.stable,
  });
  if (!baseline || !before) {
    await store.setPageBaseline(recorded.id, "first_capture");
    return { shot, changes: [] };
  }
  return { shot, baseline, changes, pictures: { before, after: capture.png } };
}

interface Pictures {
  before: Uint8Array;
  after: Uint8Array;
}

/**
 * With a key, Claude adds one line per change, from the first viewport that showed changes. Its
 * failure costs only the prose: the deterministic names stay, and the job goes on.
 */
async function addDescriptions(
  deps: JobDeps,
  job: PageJob,
  url: string,
  merged: PageChange[],
  found: Array<{ viewport: string; changes: DescribedChange[]; pictures?: Pictures }>,
): Promise<void> {
  const vision = deps.capture.vision;
  const shown = found.find((f) => f.changes.length > 0 && f.pictures);
  if (!vision || !shown?.pictures) return;
  try {
    const descriptions = await describeChangesWithVision(
      { url, changes: shown.changes, before: shown.pictures.before, after: shown.pictures.after },
      vision,
    );
    for (const [index, description] of descriptions) {
      const change = shown.changes[index];
      const row = merged.find((m) => m.element === change?.element && m.kind === change?.kind);
      if (row) row.description = description;
    }
  } catch (error) {
    job.log.warn({ err: error }, "the vision pass failed; keeping the deterministic descriptions");
  }
}

/** One row per element and kind, with the viewports it showed in (desktop first). */
function mergeViewports(found: Array<{ viewport: string; changes: DescribedChange[] }>): PageChange[] {
  const merged = new Map<string, PageChange>();
  for (const { viewport, changes } of found) {
    for (const c of changes) {
      const key = `${c.kind}\u0000${c.element}`;
      const existing = merged.get(key);
      if (existing) existing.viewports.push(viewport);
      else
        merged.set(key, {
          element: c.element,
          kind: c.kind,
          before: c.before,
          after: c.after,
          viewports: [viewport],
        });
    }
  }
  return [...merged.values()];
}

/**
 * Records each change as `watching` (the database keeps one per page, element and day). A change an
 * earlier day's deploy already recorded, still open and with the same new value, is not recorded again.
 */
async function recordChanges(
  store: Store,
  job: PageJob,
  pageId: string,
  analysisId: string,
  changes: PageChange[],
): Promise<PageChange[]> {
  const today = new Date().toISOString().slice(0, 10);
  const open = await store.listDetectedChanges(job.project.id, { pageId, status: [...OPEN_STATUSES] });
  for (const change of changes) {
    const earlier = open.find(
      (o) =>
        o.firstDetectedDate < today &&
        o.element === change.element &&
        o.kind === change.kind &&
        o.after === change.after,
    );
    if (earlier) {
      change.known = true;
      continue;
    }
    await store.recordDetectedChange({
      projectId: job.project.id,
      pageId,
      element: change.element,
      kind: change.kind as DetectedChange["kind"],
      ...(change.before !== null ? { before: change.before } : {}),
      ...(change.after !== null ? { after: change.after } : {}),
      analysisId,
      deployId: job.deploy.id,
    });
  }
  return changes;
}

/** Open changes of the page that this scan shows undone in every viewport become `reverted`. */
async function markReverts(
  store: Store,
  job: PageJob,
  pageId: string,
  current: PageChange[],
  captures: Capture[],
): Promise<PageReport["reverted"]> {
  const open = await store.listDetectedChanges(job.project.id, { pageId, status: [...OPEN_STATUSES] });
  const reverted: PageReport["reverted"] = [];
  for (const change of open) {
    if (current.some((c) => c.element === change.element && c.kind === change.kind)) continue;
    if (!captures.every((capture) => showsOldValue(change, capture.dom))) continue;
    await store.transitionChange(change.id, "reverted", {
      reason: `the deploy of ${job.deploy.sha.slice(0, 7)} shows the old value again`,
      actor: ACTOR,
    });
    reverted.push({ element: change.element, before: change.before });
  }
  return reverted;
}
