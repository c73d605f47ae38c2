import type { LoadedFlow, PerceoConfig, Priority } from "../../shared/config/index.ts";
import {
  type FactsCache,
  type FlowAdvisor,
  formatRiskInputs,
  selectAffectedFlows as observe,
  type RecordedOutcome,
  type Risk,
} from "../../shared/observer/index.ts";
import type { ChangedFile } from "../github/changed-files.ts";
import { coveragePath, type HeadTree } from "./head-tree.ts";

/*
 * The one place the App asks which flows a change affects: the observer (`shared/observer`), fed
 * the pull request's files with their patches and the head commit's files from GitHub's tarball
 * (`head-tree.ts`), so routes, the import graph and recorded coverage (`.perceo/coverage.json`)
 * count as they do for the CLI and the Action in their checkout. Without the tarball only covers
 * globs, flow files and global files apply, and the check run says so.
 * The result is reduced to what the App renders and records.
 */

export interface FlowImpact {
  name: string;
  file: string;
  priority: Priority;
  /** Probability that the change breaks the flow (0..1). */
  risk: number;
  confidence: number;
  /** How the risk shows where the project's model is not calibrated, and what drives it. */
  strength: Risk["strength"];
  strengthWhy: string;
  /** The risk model's inputs as recorded with the prediction (the project's refit reads them). */
  riskInputs?: string;
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
  /** What the selection read, for a person judging it. */
  basis: string;
  /** Whether the risk shows as a calibrated percentage, and why (or why not). */
  risk: { calibrated: boolean; basis: string };
  /** What the observer could not do (modules it could not parse, an advisor that failed); paths come from the pull request. */
  warnings?: string[];
}

export async function selectAffectedFlows(input: {
  changes: ChangedFile[];
  flows: LoadedFlow[];
  settings?: PerceoConfig["observer"];
  /** The folder holding `.perceo/`, repository-relative ("" for the root). */
  projectDir?: string;
  /** The head commit's files, or why they could not be read. */
  head?: HeadTree;
  /** Flows someone asked for with `/perceo run`; `all` selects every flow. */
  requested?: { all: boolean; flows: string[]; by: string };
  /** Claude, with ANTHROPIC_API_KEY: may add flows with its reasoning, never remove one. */
  advisor?: FlowAdvisor;
  /** Module facts parsed for earlier pull requests of the repository, by content. */
  cache?: FactsCache;
  /** The project's predictions with their results (Store.listScoredPredictions): the risk model refits on them. */
  outcomes?: readonly RecordedOutcome[];
}): Promise<Impact> {
  const { requested, head } = input;
  const projectDir = input.projectDir ?? "";
  const files = head?.kind === "files" ? head : undefined;
  const selection = await observe({
    changes: input.changes,
    flows: input.flows,
    projectDir,
    ...(input.settings ? { settings: input.settings } : {}),
    ...(files ? { tree: files.tree } : {}),
    ...(files?.coverage ? { coverage: files.coverage } : {}),
    ...(input.advisor ? { advisor: input.advisor } : {}),
    ...(input.cache ? { cache: input.cache } : {}),
    ...(input.outcomes ? { outcomes: input.outcomes } : {}),
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
      strength: flow.risk?.strength ?? "low",
      strengthWhy: flow.risk?.why ?? "nothing in the change reaches it",
      ...(flow.risk ? { riskInputs: formatRiskInputs(flow.risk.inputs) } : {}),
      reasons: [...new Set(reasons)],
    });
  }
  affected.sort((a, b) => b.risk - a.risk || a.name.localeCompare(b.name));
  const selectAllReason = requested?.all ? `@${requested.by} asked for all flows` : selection.runAll?.detail;
  return {
    affected,
    unaffected: unaffected.sort(),
    changedFiles: input.changes.length,
    basis: selectionBasis(head, projectDir),
    risk: riskShown(selection.flows.find((f) => f.risk)?.risk),
    ...(selectAllReason ? { selectAllReason } : {}),
    ...(selection.warnings ? { warnings: selection.warnings } : {}),
  };
}

function riskShown(risk: Risk | undefined): Impact["risk"] {
  return risk
    ? { calibrated: risk.calibrated, basis: risk.basis }
    : { calibrated: false, basis: "no flow is selected" };
}

function selectionBasis(head: HeadTree | undefined, projectDir: string): string {
  if (head?.kind === "files") {
    const coverage = head.coverage ? `, the coverage recorded in ${coveragePath(projectDir)}` : "";
    return `Selected from the head commit's ${head.files} files: routes, the import graph${coverage}, covers globs and flow files.`;
  }
  const why = head
    ? `the head commit's files could not be read (${head.reason})`
    : "the head commit's files were not read";
  return `Selected from covers globs and flow files only: ${why}, so routes and the import graph were left out.`;
}
