import type { LoadedFlow, PerceoConfig, Priority } from "../../shared/config/index.ts";
import { selectAffectedFlows as observe } from "../../shared/observer/index.ts";
import type { ChangedFile } from "../github/changed-files.ts";

/*
 * The one place the App asks which flows a change affects: the observer (`shared/observer`), fed
 * the pull request's files with their patches. The App does not download the repository, so the
 * import-graph signal is off here; covers globs, flow files, global files and coverage apply.
 * The result is reduced to what the App renders and records.
 */

export interface FlowImpact {
  name: string;
  file: string;
  priority: Priority;
  /** Probability that the change breaks the flow (0..1). */
  risk: number;
  confidence: number;
  /** Why it was selected, for a person to check; file paths come from the pull request. */
  reasons: string[];
}

export interface Impact {
  affected: FlowImpact[];
  /** Flows not selected. */
  unaffected: string[];
  /** Set when every flow was selected, saying why. */
  selectAllReason?: string;
  changedFiles: number;
}

export async function selectAffectedFlows(input: {
  changes: ChangedFile[];
  flows: LoadedFlow[];
  settings?: PerceoConfig["observer"];
  /** Flows someone asked for with `/perceo run`; `all` selects every flow. */
  requested?: { all: boolean; flows: string[]; by: string };
}): Promise<Impact> {
  const { requested } = input;
  const selection = await observe({
    changes: input.changes,
    flows: input.flows,
    ...(input.settings ? { settings: input.settings } : {}),
  });
  const askedFor = (name: string) =>
    requested !== undefined && (requested.all || requested.flows.includes(name));
  const affected: FlowImpact[] = [];
  const unaffected: string[] = [];
  for (const flow of selection.flows) {
    if (!flow.selected && !askedFor(flow.flow)) {
      unaffected.push(flow.flow);
      continue;
    }
    const reasons = flow.reasons.map((r) => r.detail);
    if (askedFor(flow.flow)) reasons.push(`@${requested?.by} asked for it`);
    affected.push({
      name: flow.flow,
      file: flow.file,
      priority: flow.priority,
      risk: flow.risk?.probability ?? 0.1,
      confidence: flow.risk?.confidence ?? 0.2,
      reasons: [...new Set(reasons)],
    });
  }
  affected.sort((a, b) => b.risk - a.risk || a.name.localeCompare(b.name));
  const selectAllReason = requested?.all ? `@${requested.by} asked for all flows` : selection.runAll?.detail;
  return {
    affected,
    unaffected: unaffected.sort(),
    changedFiles: input.changes.length,
    ...(selectAllReason ? { selectAllReason } : {}),
  };
}
