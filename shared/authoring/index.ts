export { type AppKind, type DetectedProject, detectProject } from "./detect-project.ts";
export { InitError, type InitResult, initProject, type RoutePlan, WORKFLOW_FILE } from "./init-project.ts";
