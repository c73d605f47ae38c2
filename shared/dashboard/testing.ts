// Test helpers: a project with a baseline run on main and a pull request whose run changed three
// screenshots (two of them identically) and left one alone. Never imported by production code.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { RunResult, ScreenshotRef } from "../runner/index.ts";
import type { Store } from "../store/index.ts";
import { aFlow, anAttempt, aProjectName, aRunResult, aSha } from "../store/testing/index.ts";
import { encodePng } from "../visual/index.ts";

const WIDTH = 320;
const HEIGHT = 200;

type Paint = Array<{ x: number; y: number; w: number; h: number; rgb: [number, number, number] }>;

/** A white picture with the given rectangles painted on it. */
export function picture(paint: Paint, width = WIDTH, height = HEIGHT): Uint8Array {
  const data = new Uint8Array(width * height * 4).fill(255);
  for (const { x, y, w, h, rgb } of paint) {
    for (let row = y; row < Math.min(height, y + h); row++) {
      for (let col = x; col < Math.min(width, x + w); col++) {
        data.set([...rgb, 255], (row * width + col) * 4);
      }
    }
  }
  return encodePng({ width, height, data });
}

const FLOWS = ["checkout", "signup", "search", "about"] as const;
type FlowName = (typeof FLOWS)[number];

/** Each flow's page: a grey block in its own place, so the pages differ from each other. */
function page(flow: FlowName, extra: Paint = [], height = HEIGHT): Uint8Array {
  const i = FLOWS.indexOf(flow);
  return picture([{ x: 20 + i * 60, y: 80, w: 50, h: 60, rgb: [120, 120, 120] }, ...extra], WIDTH, height);
}

/** The shared banner changed on checkout and signup the same way; search's footer turned blue. */
const BANNER: Paint = [{ x: 0, y: 0, w: WIDTH, h: 24, rgb: [207, 34, 46] }];
const FOOTER: Paint = [{ x: 0, y: 170, w: WIDTH, h: 30, rgb: [9, 105, 218] }];

async function writeRun(flows: Record<FlowName, Uint8Array>, overrides: Partial<RunResult>) {
  const reportDir = await mkdtemp(path.join(tmpdir(), "perceo-dashboard-report-"));
  const flowResults = await Promise.all(
    FLOWS.map(async (name) => {
      const shot: ScreenshotRef = {
        name: "page",
        path: `${name}/page.png`,
        viewport: { width: WIDTH, height: HEIGHT },
        stepIndex: 1,
      };
      await mkdir(path.join(reportDir, name), { recursive: true });
      await writeFile(path.join(reportDir, shot.path), flows[name]);
      return aFlow({
        name,
        file: `.perceo/flows/${name}.yml`,
        attempts: [anAttempt({ screenshots: [shot] })],
      });
    }),
  );
  return { run: aRunResult({ flows: flowResults, ...overrides }), reportDir };
}

export interface ReviewScenario {
  project: string;
  projectId: string;
  prNumber: number;
  baseSha: string;
  headSha: string;
  runId: string;
}

/**
 * Records a run on main (approved: its pictures become the baselines) and a run of pull request
 * `prNumber` on `headSha` whose checkout and signup banners and search footer changed.
 */
export async function seedReview(
  store: Store,
  /** `signupHeight`: signup's full-page screenshot is that tall, before and after. */
  options: { project?: string; prNumber?: number; signupHeight?: number } = {},
) {
  const project = options.project ?? aProjectName();
  const prNumber = options.prNumber ?? 7;
  const baseSha = aSha(`${project}-base-${prNumber}`);
  const headSha = aSha(`${project}-head-${prNumber}`);
  const base = await writeRun(
    {
      checkout: page("checkout"),
      signup: page("signup", [], options.signupHeight),
      search: page("search"),
      about: page("about"),
    },
    { project, startedAt: "2026-12-01T10:00:00.000Z", finishedAt: "2026-12-01T10:00:09.000Z" },
  );
  const recorded = await store.recordRun(base.run, {
    reportDir: base.reportDir,
    commitSha: baseSha,
    branch: "main",
    source: "ci",
  });
  await store.approveRunScreenshots(recorded.projectId, base.run.id, "perceo/action");
  const head = await writeRun(
    {
      checkout: page("checkout", BANNER),
      signup: page("signup", BANNER, options.signupHeight),
      search: page("search", FOOTER),
      about: page("about"),
    },
    { project, startedAt: "2026-12-02T10:00:00.000Z", finishedAt: "2026-12-02T10:00:09.000Z" },
  );
  await store.recordRun(head.run, {
    reportDir: head.reportDir,
    commitSha: headSha,
    branch: "feature/banner",
    prNumber,
    source: "ci",
  });
  return {
    project,
    projectId: recorded.projectId,
    prNumber,
    baseSha,
    headSha,
    runId: head.run.id,
  } satisfies ReviewScenario;
}
