import { z } from "zod";
import { globProblem } from "./repository-glob.ts";
import { MAX_REGEX_LENGTH } from "./repository-regex.ts";

/*
 * The shape of `.perceo/config.yml`, `.perceo/personas.yml` and `.perceo/flows/*.yml`.
 * Types come from here (`z.infer`), and so does `perceo.schema.json`.
 */

const nonEmpty = z.string().trim().min(1);
/** A glob a repository writes: bounded so that matching it cannot stall the App (repository-glob.ts). */
const glob = nonEmpty.superRefine((value, ctx) => {
  const problem = globProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
const timeoutMs = z.number().int().positive().max(600_000).describe("Milliseconds before this gives up.");

// A locator names an element the way a person sees it; each compiles to one of Playwright's getBy* calls.
const locatorOptions = {
  exact: z
    .boolean()
    .optional()
    .describe("Match the whole text exactly (case-sensitive) instead of a substring."),
  nth: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("When several elements match, take this one (0 is the first)."),
};

export const ROLE_NAMES = [
  "alert",
  "alertdialog",
  "article",
  "banner",
  "button",
  "cell",
  "checkbox",
  "columnheader",
  "combobox",
  "complementary",
  "contentinfo",
  "dialog",
  "form",
  "grid",
  "heading",
  "img",
  "link",
  "list",
  "listbox",
  "listitem",
  "main",
  "menu",
  "menuitem",
  "navigation",
  "option",
  "progressbar",
  "radio",
  "region",
  "row",
  "rowheader",
  "search",
  "searchbox",
  "separator",
  "slider",
  "spinbutton",
  "status",
  "switch",
  "tab",
  "table",
  "tablist",
  "tabpanel",
  "textbox",
  "toolbar",
] as const;

export const locatorKinds = {
  role: z.strictObject({
    role: z.enum(ROLE_NAMES).describe("ARIA role, as Playwright's getByRole."),
    name: z.string().optional().describe("Accessible name: the text a screen reader announces."),
    level: z.number().int().min(1).max(6).optional().describe("Heading level, for role heading."),
    ...locatorOptions,
  }),
  text: z.strictObject({ text: nonEmpty.describe("Visible text, as getByText."), ...locatorOptions }),
  label: z.strictObject({
    label: nonEmpty.describe("A form field's label, as getByLabel."),
    ...locatorOptions,
  }),
  placeholder: z.strictObject({
    placeholder: nonEmpty.describe("A field's placeholder, as getByPlaceholder."),
    ...locatorOptions,
  }),
  testId: z.strictObject({
    testId: nonEmpty.describe("The data-testid attribute, as getByTestId."),
    ...locatorOptions,
  }),
  css: z.strictObject({
    css: nonEmpty.describe("A CSS selector; prefer the user-facing locators."),
    ...locatorOptions,
  }),
};
export type LocatorKind = keyof typeof locatorKinds;
export const LOCATOR_KEYS = Object.keys(locatorKinds) as LocatorKind[];

export const locatorSchema = z
  .union([
    nonEmpty.describe("Shorthand for { text: ... }."),
    locatorKinds.role,
    locatorKinds.text,
    locatorKinds.label,
    locatorKinds.placeholder,
    locatorKinds.testId,
    locatorKinds.css,
  ])
  .describe(
    "An element, named the way a person sees it: role + name, text, label, placeholder, testId or css.",
  );
export type Locator = z.infer<typeof locatorSchema>;

function compilesAsRegExp(source: string, ctx: z.RefinementCtx): void {
  try {
    new RegExp(source);
  } catch (error) {
    const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, "");
    ctx.addIssue({
      code: "custom",
      message: `not a valid regular expression (${reason}): check its brackets and escapes`,
    });
  }
}

/** Text that must equal a string, contain one, or match a regular expression. */
export const textMatcherSchema = z.union([
  z.union([z.string(), z.number()]).transform(String).describe("Equals this text exactly (after trimming)."),
  z.strictObject({ equals: z.string() }),
  z.strictObject({ contains: z.string() }),
  z.strictObject({
    matches: z
      .string()
      .max(MAX_REGEX_LENGTH)
      .superRefine(compilesAsRegExp)
      .describe("A JavaScript regular expression, without slashes."),
  }),
]);
export type TextMatcher = z.infer<typeof textMatcherSchema>;

/** A locator with extra keys (the field's value, the option to pick, …) beside its own. */
function locatorWith<T extends z.ZodRawShape>(extra: T) {
  return z.union([
    locatorKinds.role.extend(extra),
    locatorKinds.text.extend(extra),
    locatorKinds.label.extend(extra),
    locatorKinds.placeholder.extend(extra),
    locatorKinds.testId.extend(extra),
    locatorKinds.css.extend(extra),
  ]);
}

export const fillFieldSchema = locatorWith({
  value: z
    .union([z.string(), z.number()])
    .describe("What to type. {{persona.KEY}} and {{unique}} are replaced before typing."),
});
export const selectFieldSchema = locatorWith({
  option: z
    .union([z.string(), z.array(z.string())])
    .describe("The option's label or value; a list for multi-selects."),
});
export const pressKeySchema = z.union([
  z.string().describe("A key such as Enter, Tab or Control+A, pressed on the focused element."),
  locatorWith({ key: nonEmpty }),
]);
export const waitForSchema = z.union([
  locatorWith({ state: z.enum(["visible", "hidden", "attached", "detached"]).optional() }),
  z.strictObject({ url: textMatcherSchema.describe("Wait until the page URL (path and query) matches.") }),
]);
export const expectSchema = z.union([
  z.strictObject({ visible: locatorSchema }),
  z.strictObject({ hidden: locatorSchema }),
  z.strictObject({ enabled: locatorSchema }),
  z.strictObject({ disabled: locatorSchema }),
  z.strictObject({ url: textMatcherSchema.describe("The page path and query, e.g. /orders/1?tab=items.") }),
  z.strictObject({ title: textMatcherSchema }),
  z.strictObject({ element: locatorSchema, text: textMatcherSchema }),
  z.strictObject({ element: locatorSchema, value: textMatcherSchema }),
  z.strictObject({ element: locatorSchema, count: z.number().int().min(0) }),
]);
export const screenshotSchema = z.union([
  nonEmpty.describe("The screenshot's name; baselines are kept per flow, name and viewport."),
  z.strictObject({
    name: nonEmpty,
    fullPage: z.boolean().optional().describe("Capture the whole scrollable page (default false)."),
    element: locatorSchema.optional().describe("Capture only this element."),
    mask: z.array(locatorSchema).optional().describe("Elements painted over so their changes are ignored."),
  }),
]);

/** Each step does exactly one of these. */
export const stepActions = {
  goto: nonEmpty.describe("A path relative to baseUrl (/cart) or a full URL."),
  click: locatorSchema,
  fill: z.union([fillFieldSchema, z.array(fillFieldSchema).min(1)]),
  select: selectFieldSchema,
  check: locatorSchema,
  uncheck: locatorSchema,
  press: pressKeySchema,
  hover: locatorSchema,
  waitFor: waitForSchema,
  expect: expectSchema,
  screenshot: screenshotSchema,
};
export type StepAction = keyof typeof stepActions;
export const STEP_ACTIONS = Object.keys(stepActions) as StepAction[];

export const stepCommon = {
  name: nonEmpty.optional().describe("What this step does, as shown in reports."),
  timeout: timeoutMs.optional(),
  optional: z.boolean().optional().describe("A failure is reported but does not fail the flow."),
};
export const STEP_COMMON_KEYS = Object.keys(stepCommon);

function stepOf(action: StepAction): z.ZodType {
  return z.strictObject({ [action]: stepActions[action], ...stepCommon });
}
export const stepSchemas = Object.fromEntries(STEP_ACTIONS.map((a) => [a, stepOf(a)])) as Record<
  StepAction,
  z.ZodType
>;
/** The steps a browser runs as they are: what an `ai` step resolves to. */
export const concreteStepSchema = z.union(STEP_ACTIONS.map((a) => stepSchemas[a]));

/** A step in words, resolved by Claude to concrete steps once and replayed from `.perceo/ai-cache.json` after. */
export const aiStepSchema = z.strictObject({
  ai: nonEmpty.describe(
    "What the user does, in words (add the cheapest lamp to the cart). Claude resolves it to concrete steps once (ANTHROPIC_API_KEY); they are replayed from .perceo/ai-cache.json after.",
  ),
  expect: nonEmpty
    .optional()
    .describe("The outcome, in words (the cart shows one lamp); the resolved steps end with checks of it."),
  ...stepCommon,
});
export const stepSchema = z.union([...STEP_ACTIONS.map((a) => stepSchemas[a]), aiStepSchema]);

type StepOf<A extends StepAction> = { [K in A]: z.infer<(typeof stepActions)[A]> } & {
  name?: string;
  timeout?: number;
  optional?: boolean;
};
export type ConcreteStep = { [A in StepAction]: StepOf<A> }[StepAction];
/**
 * An `ai` step as loaded. Its `expect:` (the outcome in words) is `outcome` here, so that `expect`
 * on a loaded step always means an assertion.
 */
export interface AiStep {
  ai: string;
  outcome?: string;
  name?: string;
  timeout?: number;
  optional?: boolean;
}
export type Step = ConcreteStep | AiStep;

export const PRIORITIES = ["critical", "high", "medium", "low"] as const;
export type Priority = (typeof PRIORITIES)[number];

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  mobile: { width: 390, height: 844 },
} as const;
export const viewportSchema = z.union([
  z.enum(["desktop", "mobile"]),
  z.strictObject({ width: z.number().int().min(200).max(7680), height: z.number().int().min(200).max(7680) }),
]);
export type ViewportSetting = z.infer<typeof viewportSchema>;

export const flowName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]*$/,
    "a flow name uses lowercase letters, digits and dashes, like checkout-guest",
  );

const flowShape = {
  $schema: z.string().optional(),
  name: flowName.describe("Unique per project; used on the command line and in reports."),
  description: nonEmpty.describe("What a user achieves in this flow, in one sentence."),
  priority: z.enum(PRIORITIES).describe("How much it matters when this flow breaks."),
  persona: nonEmpty.optional().describe("A persona from .perceo/personas.yml."),
  tags: z.array(nonEmpty).default([]),
  covers: z.array(glob).default([]).describe("Globs of source files this flow depends on (src/cart/**)."),
  viewport: viewportSchema.default("desktop"),
};

/** A flow as editors and types see it. Validation goes through `parseFlow`, which reports errors step by step. */
export const flowSchema = z.strictObject({
  ...flowShape,
  steps: z.array(stepSchema).min(1).describe("What the user does, in order."),
});
/** Same fields, with steps left for per-step validation. */
export const flowHeaderSchema = z.strictObject({ ...flowShape, steps: z.array(z.unknown()).min(1) });
export type Flow = Omit<z.infer<typeof flowSchema>, "steps" | "$schema"> & { steps: Step[] };

export const personaSchema = z.strictObject({
  description: nonEmpty.optional(),
  data: z
    .record(z.string(), z.union([z.string(), z.number()]))
    .default({})
    .describe("Values for {{persona.KEY}}."),
});
export const personasFileSchema = z.strictObject({
  $schema: z.string().optional(),
  personas: z.record(flowName, personaSchema),
});
export type Persona = z.infer<typeof personaSchema>;

/** What the runner does when `.perceo/config.yml` says nothing. */
export const RUNNER_DEFAULTS = {
  retries: 1,
  stepTimeout: 10_000,
  navigationTimeout: 30_000,
  trace: "auto",
} as const;

export const runnerSettingsSchema = z.strictObject({
  workers: z.number().int().min(1).max(64).optional().describe("Flows run at once (default: CPU count)."),
  retries: z
    .number()
    .int()
    .min(0)
    .max(5)
    .default(RUNNER_DEFAULTS.retries)
    .describe("Attempts after a failure (default 1); a flow that passes on retry is reported flaky."),
  stepTimeout: timeoutMs.default(RUNNER_DEFAULTS.stepTimeout),
  navigationTimeout: timeoutMs.default(RUNNER_DEFAULTS.navigationTimeout),
  trace: z
    .enum(["auto", "retain-on-failure", "on-first-retry", "off"])
    .default(RUNNER_DEFAULTS.trace)
    .describe(
      "Playwright traces of failed attempts. auto: on the first retry when retries > 0 (a passing first attempt pays nothing), on every attempt otherwise.",
    ),
});

export const observerSettingsSchema = z.strictObject({
  runAllWhen: z
    .array(glob)
    .optional()
    .describe(
      "Globs of files (relative to the repository root) whose change selects every flow, on top of the defaults: lockfiles, package.json, build and tsconfig files, .perceo/config.yml.",
    ),
  ignore: z
    .array(glob)
    .default([])
    .describe("Globs of files whose changes never select a flow (docs, tooling)."),
  routes: z
    .array(
      z.strictObject({
        path: nonEmpty.describe("A URL pattern such as /products/:slug; * for the not-found page."),
        files: z.array(glob).min(1).describe("Globs of the files that render it, relative to the project."),
      }),
    )
    .default([])
    .describe("Routes the observer cannot find on its own (frameworks and route tables are found)."),
});
export type ObserverSettings = z.infer<typeof observerSettingsSchema>;

/** A live page the App captures after deploys and in weekly scans. */
export const pageSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).describe("The page's full address."),
  name: nonEmpty.optional().describe("How reports name it (default: the URL's path)."),
  files: z
    .array(glob)
    .default([])
    .describe(
      "Globs of source files that change this page (src/pages/pricing/**); a deploy touching none skips it.",
    ),
  viewports: z
    .array(z.enum(["desktop", "mobile"]))
    .min(1)
    .default(["desktop", "mobile"])
    .describe("desktop is 1280 wide; mobile 390 wide with touch and a mobile user agent."),
  masks: z
    .array(nonEmpty)
    .default([])
    .describe("CSS selectors of areas whose changes are ignored: clocks, ads, user names."),
});
export type PageSetting = z.infer<typeof pageSchema>;

// The name of an environment variable, never the secret itself: config files are committed. A
// refinement, not a regex, so the error does not repeat a key someone pasted here.
const envVarName = z.string().refine((value) => /^[A-Z_][A-Z0-9_]*$/.test(value), {
  message:
    "name the environment variable that holds the key (like PERCEO_POSTHOG_API_KEY), never the key itself",
});

// The App's key for this project: a secret its operator stored (`perceo secrets set`), by name.
const secretName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    "a stored secret's name: lowercase letters, digits and dashes, like posthog-key",
  )
  .describe(
    "The App: the name of the key stored for this repository with `perceo secrets set --repo owner/name --name posthog-key`.",
  );

// A table, view, column or schema of the team's own database, quoted when it is spliced into SQL and
// never anything else: PostgreSQL's unquoted identifier letters, at most its 63 bytes.
export const SQL_IDENTIFIER = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const sqlIdentifier = z
  .string()
  .max(63)
  .refine((value) => SQL_IDENTIFIER.test(value), {
    message:
      "a plain table, view or column name: letters, digits and underscores, not starting with a digit (no quotes, dots, spaces or SQL)",
  });

const outcomeTableSchema = z.strictObject({
  table: sqlIdentifier.describe("The table or view whose rows are the outcome (signups, orders)."),
  timestamp: sqlIdentifier.describe("Its column that says when the row happened (created_at)."),
  name: z
    .string()
    .min(1)
    .max(40)
    .optional()
    .describe("How reports name one window's rows: 41 signups (default: the table's name)."),
});
export type OutcomeTableSetting = z.infer<typeof outcomeTableSchema>;

const outcomeCommon = {
  schema: sqlIdentifier.default("public").describe("The schema the tables are in (default public)."),
  tables: z
    .array(outcomeTableSchema)
    .min(1)
    .max(10)
    .describe("The tables or views to count rows of, per time window: never a row is read."),
  secret: secretName.optional(),
};

/** Business outcomes counted in the team's own database: rows per time window, never the rows. */
export const outcomesSettingsSchema = z.discriminatedUnion("database", [
  z.strictObject({
    database: z.literal("postgres"),
    ...outcomeCommon,
    keyEnv: envVarName
      .optional()
      .describe(
        "CLI and Action: the environment variable holding a read-only role's connection string (default PERCEO_OUTCOMES_DATABASE_URL). The App reads the stored secret instead.",
      ),
  }),
  z.strictObject({
    database: z.literal("supabase"),
    url: z
      .string()
      .refine((value) => URL.canParse(value) && new URL(value).protocol === "https:", {
        message: "the Supabase project's https URL, like https://abcdefghijklmnop.supabase.co",
      })
      .describe("The project's URL, https://<ref>.supabase.co: the key is sent there and nowhere else."),
    ...outcomeCommon,
    keyEnv: envVarName
      .optional()
      .describe(
        "CLI and Action: the environment variable holding the project's service role (or secret) key (default PERCEO_OUTCOMES_SUPABASE_KEY). The App reads the stored secret instead.",
      ),
  }),
]);
export type OutcomesSettings = z.infer<typeof outcomesSettingsSchema>;

const outcomes = outcomesSettingsSchema
  .optional()
  .describe("Signups, orders: rows of your own database's tables counted before and after each change.");

/** Where production analytics come from: what the weekly scan and `perceo insights` read. */
export const analyticsSettingsSchema = z.discriminatedUnion("provider", [
  z.strictObject({
    provider: z.literal("posthog"),
    projectId: z
      .union([
        z.number().int().positive(),
        z.string().regex(/^\d+$/, "the numeric project id from PostHog's project settings"),
      ])
      .transform(String)
      .describe("The numeric project id (Project settings), not the phc_ project key."),
    host: z
      .enum(["us", "eu"])
      .default("us")
      .describe("PostHog Cloud region; the key is sent nowhere else unless selfHostedUrl says so."),
    selfHostedUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("Your own PostHog's address (https): the key is sent there knowingly."),
    keyEnv: envVarName
      .optional()
      .describe(
        "CLI and Action: the environment variable holding a personal API key with the query:read scope (default PERCEO_POSTHOG_API_KEY). The App never reads it.",
      ),
    secret: secretName.optional(),
    outcomes,
  }),
  z.strictObject({
    provider: z.literal("ga4"),
    propertyId: z
      .union([
        z.number().int().positive(),
        z
          .string()
          .regex(/^\d+$/, "the numeric property id (Admin → Property settings), not the G- measurement id"),
      ])
      .transform(String)
      .describe("The numeric GA4 property id (Admin → Property settings)."),
    keyEnv: envVarName
      .optional()
      .describe(
        "CLI and Action: the environment variable holding the service account's JSON key, Viewer on the property (default PERCEO_GA4_SERVICE_ACCOUNT). The App never reads it.",
      ),
    secret: secretName.optional(),
    outcomes,
  }),
  z.strictObject({
    provider: z.literal("mixpanel"),
    projectId: z
      .union([
        z.number().int().positive(),
        z
          .string()
          .regex(/^\d+$/, "the numeric project id (Project settings → Overview), not the project token"),
      ])
      .transform(String)
      .describe("The numeric Mixpanel project id (Project settings → Overview)."),
    residency: z
      .enum(["us", "eu", "in"])
      .default("us")
      .describe(
        "Where the project's data lives (Project settings → Data residency): us, eu or in. The key goes only to that residency's Mixpanel hosts.",
      ),
    keyEnv: envVarName
      .optional()
      .describe(
        "CLI and Action: the environment variable holding a service account as username:secret, Consumer role on the project (default PERCEO_MIXPANEL_SERVICE_ACCOUNT). The App never reads it.",
      ),
    secret: secretName.optional(),
    outcomes,
  }),
]);
export type AnalyticsSettings = z.infer<typeof analyticsSettingsSchema>;

export const WEEKDAYS = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
] as const;
export const WEEKLY_SCAN_DEFAULTS = { enabled: true, day: "monday", hour: 9 } as const;

export const weeklyScanSettingsSchema = z.strictObject({
  enabled: z
    .boolean()
    .default(WEEKLY_SCAN_DEFAULTS.enabled)
    .describe("Open a weekly scan issue (default true)."),
  day: z
    .enum(WEEKDAYS)
    .default(WEEKLY_SCAN_DEFAULTS.day)
    .describe("Day of the week, in UTC (default monday)."),
  hour: z
    .number()
    .int()
    .min(0)
    .max(23)
    .default(WEEKLY_SCAN_DEFAULTS.hour)
    .describe("Hour of the day, UTC (default 9)."),
});
export type WeeklyScanSettings = z.infer<typeof weeklyScanSettingsSchema>;

/** The budget of one `ai` step when `.perceo/config.yml` says nothing. */
export const AI_DEFAULTS = { maxTurns: 4, maxTokens: 60_000, timeout: 120_000 } as const;

export const aiSettingsSchema = z.strictObject({
  maxTurns: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(AI_DEFAULTS.maxTurns)
    .describe("Answers Claude may give for one ai step, each after the previous one failed (default 4)."),
  maxTokens: z
    .number()
    .int()
    .min(1_000)
    .max(2_000_000)
    .default(AI_DEFAULTS.maxTokens)
    .describe("Input and output tokens one ai step may spend (default 60000)."),
  timeout: timeoutMs
    .default(AI_DEFAULTS.timeout)
    .describe(
      "Milliseconds one ai step may take to resolve, Claude's answers and the steps run (default 120000).",
    ),
  model: nonEmpty.optional().describe("The Claude model that resolves ai steps (default claude-sonnet-4-5)."),
});
export type AiSettings = z.infer<typeof aiSettingsSchema>;

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  project: nonEmpty.describe("The project's name, shown in reports."),
  baseUrl: z
    .url({ protocol: /^https?$/ })
    .describe("Where the app under test runs; flows' goto paths are relative to it."),
  runner: runnerSettingsSchema.default(RUNNER_DEFAULTS),
  observer: observerSettingsSchema
    .optional()
    .describe("How `perceo affected` picks the flows a change can break."),
  pages: z
    .array(pageSchema)
    .optional()
    .describe("Live pages to capture after each deploy and compare element by element."),
  allowedTargets: z
    .array(nonEmpty)
    .optional()
    .describe(
      "Origins (http://127.0.0.1:4000) or hosts captures may open although they are private or local addresses; everything else must resolve to a public address.",
    ),
  analytics: analyticsSettingsSchema
    .optional()
    .describe("Production analytics (PostHog, GA4 or Mixpanel) for the weekly scan and perceo insights."),
  playwright: z
    .union([
      nonEmpty.describe("The Playwright config, relative to this project (playwright.config.ts)."),
      z.strictObject({
        config: nonEmpty
          .optional()
          .describe("The Playwright config, relative to this project (default: playwright.config.* here)."),
        app: nonEmpty
          .optional()
          .describe(
            "The folder of the app the tests exercise, relative to this project, when it is not this folder (../web).",
          ),
      }),
    ])
    .optional()
    .describe(
      "Existing Playwright tests run as flows. Found on its own when playwright.config.* sits next to .perceo/.",
    ),
  ai: aiSettingsSchema
    .optional()
    .describe(
      "How Claude resolves ai: steps (with ANTHROPIC_API_KEY; replays from .perceo/ai-cache.json need none).",
    ),
  weeklyScan: weeklyScanSettingsSchema
    .optional()
    .describe("When the App opens the weekly scan issue (default Monday 09:00 UTC)."),
});
export type PerceoConfig = z.infer<typeof configSchema>;
export type RunnerSettings = z.infer<typeof runnerSettingsSchema>;
