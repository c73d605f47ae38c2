import path from "node:path";
import * as core from "@actions/core";
import type { LoadedFlow, PerceoProject } from "../shared/config/index.ts";
import { createClaudeAdvisor } from "../shared/llm/index.ts";
import {
  type ChangedFile,
  diskTree,
  readCoverageFile,
  selectAffectedFlows,
} from "../shared/observer/index.ts";
import { ActionInputError, type ActionInputs } from "./inputs.ts";
import { fallbackNativeAddons, missingNativeAddons } from "./native-addons.ts";

export interface FlowSelection {
  /** Every flow this change selects, before sharding (the `affected-flows` output). */
  selected: LoadedFlow[];
  /** Why each flow was selected, by name. */
  reasons: Record<string, string>;
  /** Why the whole selection is what it is, in one line for the summary. */
  basis: string;
  /** Affected flows were asked for but could not be computed on this runner. */
  degraded?: boolean;
}

export interface ChangeSet {
  /** Files changed since the merge base, with patches; undefined when there is no base. */
  changes: ChangedFile[] | undefined;
  /** The folder holding `.perceo/`, relative to the repository root ("" for the root). */
  projectDir: string;
  /** The app's folder when Playwright tests live outside it (`playwright.app`); routes and imports are read from it. */
  appDir?: string;
  /** The repository root (the workspace): the observer reads routes and imports from it. */
  repositoryRoot: string;
  /** `anthropic-api-key`: Claude may add flows to the deterministic selection, never remove one. */
  anthropicApiKey?: string;
}

/** The flows to run: named ones, all of them, or the ones the change affects (the observer decides). */
export async function selectFlowsForRun(
  project: PerceoProject,
  request: ActionInputs["flows"],
  change: ChangeSet,
): Promise<FlowSelection> {
  if (request.kind === "named") {
    const known = new Map(project.flows.map((flow) => [flow.name, flow]));
    const missing = request.names.filter((name) => !known.has(name));
    if (missing.length > 0) {
      throw new ActionInputError(
        `flows names unknown flow ${missing.map((m) => `"${m}"`).join(", ")}; known flows: ${[...known.keys()].join(", ")}`,
      );
    }
    const selected = request.names.map((name) => known.get(name) as LoadedFlow);
    return {
      selected,
      reasons: reasonsFor(selected, "named in the flows input"),
      basis: "flows named in the input",
    };
  }
  if (request.kind === "all" || change.changes === undefined) {
    const basis =
      request.kind === "all" ? "all flows (flows: all)" : "all flows: no base commit to compare with";
    return { selected: project.flows, reasons: reasonsFor(project.flows, "all flows run"), basis };
  }
  for (const addon of fallbackNativeAddons())
    core.info(`Perceo: ${addon.reason}; the observer uses ${addon.using} instead`);
  // Without oxc the observer would miss every import edge and select too little: run everything.
  const [missing] = missingNativeAddons();
  if (missing) {
    return {
      selected: project.flows,
      reasons: reasonsFor(project.flows, "all flows run"),
      basis: `all flows: the observer cannot read imports here — ${missing.reason}; run Perceo on ubuntu-latest to run only the affected flows`,
      degraded: true,
    };
  }
  // What `perceo run --coverage` recorded and committed, as `perceo affected` and the App read it.
  const coverage = await readCoverageFile(path.join(change.repositoryRoot, change.projectDir));
  const selection = await selectAffectedFlows({
    changes: change.changes,
    flows: project.flows,
    projectDir: change.appDir ?? change.projectDir,
    tree: diskTree(change.repositoryRoot),
    ...(project.config.observer ? { settings: project.config.observer } : {}),
    ...(coverage ? { coverage } : {}),
    ...(change.anthropicApiKey ? { advisor: createClaudeAdvisor({ apiKey: change.anthropicApiKey }) } : {}),
  });
  for (const warning of selection.warnings ?? []) core.warning(`Perceo: ${warning}`);
  const chosen = new Set(selection.selected);
  const selected = project.flows.filter((flow) => chosen.has(flow.name));
  const reasons = Object.fromEntries(
    selection.flows
      .filter((impact) => chosen.has(impact.flow))
      .map((impact) => [impact.flow, impact.reasons.map((reason) => reason.detail).join("; ")]),
  );
  const basis = selection.runAll
    ? `all flows: ${selection.runAll.detail}`
    : `${selected.length} of ${project.flows.length} flows affected by ${selection.stats.changedFiles} changed file${selection.stats.changedFiles === 1 ? "" : "s"}`;
  return { selected, reasons, basis };
}

/**
 * This shard's flows: sorted by name and dealt round-robin, so shards 1/n … n/n together run every
 * selected flow exactly once, whatever order the selection came in.
 */
export function keepShard<T extends { name: string }>(
  flows: T[],
  shard: { index: number; total: number },
): T[] {
  const sorted = [...flows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return sorted.filter((_, position) => position % shard.total === shard.index - 1);
}

function reasonsFor(flows: LoadedFlow[], reason: string): Record<string, string> {
  return Object.fromEntries(flows.map((flow) => [flow.name, reason]));
}
