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
