export { checkResolvedStep } from "./check-step.ts";
export { ConfigError, type ConfigIssue, formatIssue } from "./errors.ts";
export { buildJsonSchema } from "./json-schema.ts";
export {
  CONFIG_FILE,
  FLOWS_DIR,
  type LoadedFlow,
  loadProject,
  PERSONAS_FILE,
  type PerceoProject,
  type ProjectSources,
  parseFlowFile,
  parseProject,
  type SourceFile,
  type TestSource,
} from "./project.ts";
export { MAX_REGEX_LENGTH, type RepositoryRegex, repositoryRegex } from "./repository-regex.ts";
export {
  AI_DEFAULTS,
  type AiSettings,
  type AiStep,
  type AnalyticsSettings,
  type ConcreteStep,
  concreteStepSchema,
  type Flow,
  type Locator,
  type PageSetting,
  type PerceoConfig,
  type Persona,
  PRIORITIES,
  type Priority,
  RUNNER_DEFAULTS,
  type RunnerSettings,
  STEP_ACTIONS,
  type Step,
  type StepAction,
  type TextMatcher,
  VIEWPORTS,
  type ViewportSetting,
  WEEKDAYS,
  WEEKLY_SCAN_DEFAULTS,
  type WeeklyScanSettings,
} from "./schema.ts";
