import type { Page, TestInfo, TestType } from "@playwright/test";
import { startCoverage } from "../runner/coverage.ts";

/** The attachment a test's recorded coverage travels in, from its worker to Perceo's reporter. */
export const COVERAGE_ATTACHMENT = "perceo-coverage";

/**
 * `test` with its `page` fixture recording what the page ran (the URLs it visited, the lines of
 * the scripts and stylesheets it executed, as `perceo run --coverage` records for YAML flows),
 * attached to the test's result when the page closes. Each document's coverage is taken as it
 * unloads (startCoverage pauses there), so what a page ran before a click that left it is kept.
 */
// biome-ignore lint/suspicious/noExplicitAny: any Playwright test type, whatever fixtures it carries
export function withCoverage<T extends TestType<any, any>>(test: T): T {
  return test.extend({
    page: async ({ page }: { page: Page }, use: (page: Page) => Promise<void>, testInfo: TestInfo) => {
      const recorder = await startCoverage(page);
      await use(page);
      const recorded = await recorder.stop().catch(() => undefined);
      if (recorded)
        await testInfo.attach(COVERAGE_ATTACHMENT, {
          body: JSON.stringify(recorded),
          contentType: "application/json",
        });
    },
  }) as T;
}
