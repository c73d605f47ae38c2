import picomatch from "picomatch";
import type { LoadedFlow, Priority } from "../../shared/config/index.ts";
import type { ChangedFile } from "../github/changed-files.ts";

/*
 * The one place the App asks which flows a change affects. It stands in for the observer
 * (`shared/observer`, `selectAffectedFlows`) until that lands: same inputs, and the output below is
 * what the App renders and records, so switching over touches this file only.
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

const GLOBAL_FILES = [
  "package.json",
  "package-lock.json",
  "pnpm-lock.yaml",
  "yarn.lock",
  ".perceo/config.yml",
];
const PRIORITY_RISK: Record<Priority, number> = { critical: 0.6, high: 0.5, medium: 0.4, low: 0.3 };

export function selectAffectedFlows(input: {
  changes: ChangedFile[];
  flows: LoadedFlow[];
  /** Flows someone asked for with `/perceo run`; `all` selects every flow. */
  requested?: { all: boolean; flows: string[]; by: string };
}): Impact {
  const { changes, flows, requested } = input;
  const paths = changes.flatMap((c) => (c.previousPath ? [c.path, c.previousPath] : [c.path]));
  const global = paths.find((p) => GLOBAL_FILES.includes(p));
  const selectAllReason = requested?.all
    ? `@${requested.by} asked for all flows`
    : global
      ? `${global} changed, which every flow depends on`
      : undefined;
  const affected: FlowImpact[] = [];
  const unaffected: string[] = [];
  for (const flow of flows) {
    const reasons: string[] = [];
    if (selectAllReason) reasons.push(selectAllReason);
    if (paths.includes(flow.file)) reasons.push(`its flow file ${flow.file} changed`);
    if (flow.covers.length > 0) {
      const matches = picomatch(flow.covers);
      const hit = paths.filter((p) => matches(p));
      if (hit.length > 0) reasons.push(`covers ${describeFiles(hit)}`);
    }
    if (requested?.flows.includes(flow.name)) reasons.push(`@${requested.by} asked for it`);
    if (reasons.length === 0) {
      unaffected.push(flow.name);
      continue;
    }
    affected.push({
      name: flow.name,
      file: flow.file,
      priority: flow.priority,
      risk: PRIORITY_RISK[flow.priority],
      confidence: selectAllReason ? 0.3 : 0.6,
      reasons,
    });
  }
  affected.sort((a, b) => b.risk - a.risk || a.name.localeCompare(b.name));
  return {
    affected,
    unaffected,
    changedFiles: changes.length,
    ...(selectAllReason ? { selectAllReason } : {}),
  };
}

function describeFiles(files: string[]): string {
  const shown = files.slice(0, 3).join(", ");
  return files.length > 3 ? `${shown} and ${files.length - 3} more` : shown;
}
