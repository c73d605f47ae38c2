/**
 * The Playwright suite could not be used as it is: no Playwright installed, a config that does not
 * load, a list of tests that matches nothing. The message says what to do; the CLI exits 2.
 */
export class PlaywrightSetupError extends Error {
  readonly code = "PERCEO_PLAYWRIGHT_SETUP";
  override name = "PlaywrightSetupError";
}
