export {
  AI_CACHE_FILE,
  AiCache,
  type AiResolution,
  loadAiCache,
  pageFingerprint,
  saveAiCache,
} from "./ai-cache.ts";
export {
  AI_WAYS_OUT,
  type AiStepOptions,
  checkProposal,
  ProposalRefused,
  type ProposalRequest,
  type StepProposer,
} from "./ai-step.ts";
export {
  BrowserNotFoundError,
  CHROMIUM_ARGS,
  type FoundBrowser,
  findBrowser,
  launchBrowser,
  loadChromium,
} from "./browser.ts";
export type { LineSpan, RecordedCoverage } from "./coverage.ts";
export { resolveUrl } from "./execute-step.ts";
export { compileLocator, describeLocator } from "./locator.ts";
export * from "./result.ts";
export { type RunEvent, type RunOptions, resolveViewport, runFlows } from "./run-flows.ts";
