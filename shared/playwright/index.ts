export { PlaywrightSetupError } from "./errors.ts";
export { findInstalledPlaywright, findPlaywrightConfig, PLAYWRIGHT_CONFIG_NAMES } from "./find-playwright.ts";
export { type ListedTest, listPlaywrightTests, type TestListing } from "./list-tests.ts";
export { loadProjectWithTests, type PlaywrightSuite, type ProjectWithTests } from "./load-project.ts";
export { mergeRuns, type PlaywrightRunOptions, REPORTER_PATH, runPlaywrightTests } from "./run-tests.ts";
export { testFlows } from "./test-flows.ts";
