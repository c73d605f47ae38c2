import picomatch from "picomatch";
import { CONFIG_FILE, type LoadedFlow, PERSONAS_FILE, type PerceoProject } from "../shared/config/index.ts";
import { ActionInputError, type ActionInputs } from "./inputs.ts";

export interface FlowSelection {
  /** Every flow this change selects, before sharding (the `affected-flows` output). */
  selected: LoadedFlow[];
  /** Why each flow was selected, by name. */
  reasons: Record<string, string>;
  /** Why the whole selection is what it is, in one line for the summary. */
  basis: string;
}

export interface ChangeSet {
  /** Repository-relative paths changed since the merge base; undefined when there is no base. */
  changedFiles: string[] | undefined;
  /** The folder holding `.perceo/`, relative to the repository root ("" for the root). */
  projectDir: string;
}

/** The flows to run: named ones, all of them, or the ones the change affects. */
export function selectFlowsForRun(
  project: PerceoProject,
  request: ActionInputs["flows"],
  change: ChangeSet,
): FlowSelection {
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
  if (request.kind === "all" || change.changedFiles === undefined) {
    const basis =
      request.kind === "all" ? "all flows (flows: all)" : "all flows: no base commit to compare with";
    return { selected: project.flows, reasons: reasonsFor(project.flows, "all flows run"), basis };
  }
  return selectAffectedFlowsByCovers(project, change.changedFiles, change.projectDir);
}

/**
 * Stand-in for the observer (`shared/observer` `selectAffectedFlows`) until it lands: a flow is
 * affected when its own file changed, when a changed file matches one of its `covers` globs, or
 * when the shared config or personas changed (then every flow is).
 */
export function selectAffectedFlowsByCovers(
  project: PerceoProject,
  changedFiles: string[],
  projectDir: string,
): FlowSelection {
  const prefix = projectDir === "" || projectDir === "." ? "" : `${projectDir.replace(/\/+$/, "")}/`;
  const sharedFiles = [`${prefix}${CONFIG_FILE}`, `${prefix}${PERSONAS_FILE}`];
  const sharedChange = changedFiles.find((file) => sharedFiles.includes(file));
  if (sharedChange) {
    return {
      selected: project.flows,
      reasons: reasonsFor(project.flows, `${sharedChange} changed`),
      basis: `all flows: ${sharedChange} changed`,
    };
  }
  const reasons: Record<string, string> = {};
  const selected = project.flows.filter((flow) => {
    if (changedFiles.includes(flow.file)) {
      reasons[flow.name] = `${flow.file} changed`;
      return true;
    }
    const matches = flow.covers.length > 0 ? picomatch(flow.covers, { dot: true }) : () => false;
    const hit = changedFiles.find((file) => matches(file));
    if (hit) reasons[flow.name] = `covers ${hit}`;
    return hit !== undefined;
  });
  return {
    selected,
    reasons,
    basis: `${selected.length} of ${project.flows.length} flows affected by ${changedFiles.length} changed files`,
  };
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
