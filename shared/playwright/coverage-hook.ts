import { createRequire, registerHooks } from "node:module";

/*
 * Loaded with `--import` into `playwright test` and its workers by `perceo run --coverage`: every
 * `import "@playwright/test"` of the project (its specs, fixtures, config) gets the project's own
 * module with `test` wrapped by withCoverage, so each test's page records its coverage without a
 * line of the project changing. PERCEO_COVERAGE_FROM is the config's folder, where the project's
 * @playwright/test resolves from.
 */

const WRAPPER = "perceo:playwright-test-with-coverage";
const FIXTURE = new URL("./coverage-fixture.ts", import.meta.url).href;
// The real module is required as if from this (absent) file in the config's folder: the one parent not redirected.
const from = `${process.env.PERCEO_COVERAGE_FROM ?? process.cwd()}/__perceo_coverage__.js`;

registerHooks({
  resolve(specifier, context, next) {
    const ours = context.parentURL === WRAPPER || context.parentURL?.endsWith("/__perceo_coverage__.js");
    if (specifier === "@playwright/test" && !ours) return { url: WRAPPER, shortCircuit: true };
    return next(specifier, context);
  },
  load(url, context, next) {
    if (url !== WRAPPER) return next(url, context);
    const real = createRequire(from)("@playwright/test") as Record<string, unknown>;
    const names = Object.keys(real).filter(
      (n) => n !== "test" && n !== "default" && /^[A-Za-z_$][\w$]*$/.test(n),
    );
    const source = [
      'import { createRequire } from "node:module";',
      `import { withCoverage } from ${JSON.stringify(FIXTURE)};`,
      `const real = createRequire(${JSON.stringify(from)})("@playwright/test");`,
      "export const test = withCoverage(real.test);",
      "export default test;",
      `export const { ${names.join(", ")} } = real;`,
    ].join("\n");
    return { format: "module", source, shortCircuit: true };
  },
});
