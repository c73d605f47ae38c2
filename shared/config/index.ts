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
} from "./project.ts";
export {
  type AnalyticsSettings,
  type Flow,
  type Locator,
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
