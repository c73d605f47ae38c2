export {
  type Calibration,
  calibrate,
  type PredictionWithOutcome,
  type ReliabilityBin,
  renderReliabilityTable,
} from "./calibration.ts";
export { COVERAGE_FILE, parseCoverageMap, readCoverageFile } from "./coverage-file.ts";
export { buildCoverageMap } from "./coverage-map.ts";
export {
  changedBaseLines,
  changedLines,
  changesFromGit,
  formatRanges,
  parseNameStatus,
  splitGitDiff,
} from "./diff.ts";
export { defaultFactsCachePath, type FactsCache, fileFactsCache } from "./facts-cache.ts";
export { type GitChangesOptions, GitError, gitChanges } from "./git-changes.ts";
export { type AstNode, astChildren, isAstNode, langOf } from "./module-facts.ts";
export { parseProgram } from "./parse-program.ts";
export { predictionsFromSelection, withRiskInputs } from "./predictions.ts";
export { aliasTargets, readPathAliases } from "./resolve-module.ts";
export { riskStrength } from "./risk.ts";
export { FEATURE_MEANING, RISK_FEATURES } from "./risk-features.ts";
export {
  fitRiskWeights,
  formatRiskInputs,
  MIN_FAILURES,
  MIN_OUTCOMES,
  PRIOR_WEIGHTS,
  type ProjectRiskModel,
  parseRiskInputs,
  predictRisk,
  projectRiskModel,
  type RecordedOutcome,
  type RiskWeights,
  type TrainingExample,
} from "./risk-model.ts";
export { detectFrameworks, type Framework } from "./routes/framework-routes.ts";
export { listRoutes } from "./routes/list-routes.ts";
export { patternMatches, type RouteDef, type RouteEntry } from "./routes/route.ts";
export { type SelectionInput, selectAffectedFlows } from "./select-affected-flows.ts";
export type { AdviceRequest, FlowAdvisor, FlowSuggestion } from "./signals/llm.ts";
export { diskTree, gitTree, memoryTree, type SourceTree } from "./source-tree.ts";
export type * from "./types.ts";
