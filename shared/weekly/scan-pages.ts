import { type AuditFinding, auditPage, visionAudit } from "../audit/index.ts";
import {
  type BrowserPool,
  type Capture,
  type CaptureViewport,
  capturePage,
  type HostResolver,
} from "../capture/index.ts";
import type { PageSetting } from "../config/index.ts";
import type { AnthropicClientOptions } from "../llm/index.ts";
import type { Page, Store } from "../store/index.ts";
import { type PageFinding, pageFinding } from "./page-findings.ts";

export interface PageScan {
  page: Page;
  name: string;
  findings: PageFinding[];
  /** Set when the page could not be captured or audited; its suggestions are then left as they were. */
  error?: string;
  /** Claude's audit failed while the deterministic one worked. */
  visionError?: string;
  loadMs?: number;
  transferBytes?: number;
}

export interface ScanPagesInput {
  store: Store;
  projectId: string;
  commitSha: string;
  pages: readonly PageSetting[];
  pool: BrowserPool;
  allowedTargets?: readonly string[];
  resolve?: HostResolver;
  /** Claude's vision audit runs when given. */
  llm?: AnthropicClientOptions;
}

/**
 * Each configured page: capture desktop and mobile (kept as the page's stable baseline), audit it,
 * and with a key let Claude look at the captures. A page that fails is reported, not fatal.
 */
export async function scanPages(input: ScanPagesInput): Promise<PageScan[]> {
  const scans: PageScan[] = [];
  const guard = {
    ...(input.allowedTargets ? { allowedTargets: input.allowedTargets } : {}),
    ...(input.resolve ? { resolve: input.resolve } : {}),
  };
  for (const setting of input.pages) {
    const name = setting.name ?? new URL(setting.url).pathname;
    const page = await input.store.upsertPage(input.projectId, { url: setting.url, name });
    const analysis = await input.store.startAnalysis({
      projectId: input.projectId,
      pageId: page.id,
      kind: "weekly_scan",
      commitSha: input.commitSha,
    });
    try {
      const viewports = setting.viewports as CaptureViewport[];
      const captures = await capturePage(
        { url: setting.url, viewports, masks: setting.masks },
        { pool: input.pool, ...guard },
      );
      await keepAsBaselines(input.store, analysis.id, input.projectId, captures);
      const audit = await auditPage(setting.url, { pool: input.pool, viewports, ...guard });
      let found: AuditFinding[] = audit.findings;
      let visionError: string | undefined;
      if (input.llm) {
        try {
          found = [
            ...found,
            ...(await visionAudit(
              {
                url: setting.url,
                screenshots: captures.map((c) => ({ viewport: c.viewport, png: c.png })),
                text: visibleText(captures[0]),
              },
              input.llm,
            )),
          ];
        } catch (error) {
          visionError = (error as Error).message;
        }
      }
      const desktop = audit.observations[0];
      const scan: PageScan = {
        page,
        name,
        findings: found.map((f) => pageFinding({ id: page.id, name, url: setting.url }, f)),
        ...(visionError ? { visionError } : {}),
        ...(desktop ? { loadMs: desktop.timings.loadMs, transferBytes: desktop.transferBytes } : {}),
      };
      await input.store.finishAnalysis(analysis.id, {
        status: "succeeded",
        summary: { findings: scan.findings.length, loadMs: scan.loadMs, transferBytes: scan.transferBytes },
      });
      scans.push(scan);
    } catch (error) {
      const message = (error as Error).message;
      await input.store.finishAnalysis(analysis.id, { status: "failed", error: message });
      scans.push({ page, name, findings: [], error: message });
    }
  }
  return scans;
}

async function keepAsBaselines(store: Store, analysisId: string, projectId: string, captures: Capture[]) {
  for (const capture of captures) {
    const screenshotPath = `${projectId}/weekly/${analysisId}/${capture.viewport}.png`;
    await store.blobs.put("screenshots", screenshotPath, capture.png, "image/png");
    const stored = await store.recordPageCapture({
      analysisId,
      viewport: capture.viewport,
      screenshotPath,
      width: capture.width,
      height: capture.height,
      dom: capture.dom,
      stable: capture.stable,
    });
    if (capture.stable) await store.setPageBaseline(stored.id, "scheduled_scan");
  }
}

function visibleText(capture: Capture | undefined): string {
  if (!capture) return "";
  const lines = [`Title: ${capture.dom.title}`, `Description: ${capture.dom.description}`];
  for (const element of capture.dom.elements)
    if (element.text) lines.push(`${element.kind}: ${element.text}`);
  return lines.join("\n");
}
