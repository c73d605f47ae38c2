import path from "node:path";
import {
  AnalyticsError,
  type AnalyticsProvider,
  addDays,
  coverageGapInsights,
  createFunnelMatcher,
  type FunnelReport,
  funnelsFromFlows,
  ga4Provider,
  type InsightDraft,
  MIXPANEL_HOSTS,
  type MixpanelResidency,
  mixpanelProvider,
  outcomesFromConfig,
  outcomesKeyFromEnv,
  postHogProvider,
  recordInsights,
  SOURCE_NAMES,
  stepMatchesUrl,
  toStoredEvent,
} from "../analytics/index.ts";
import { loadProject } from "../config/index.ts";
import { openPostgresStore } from "../store/index.ts";
import { type CliIo, EXIT, parse, positiveInt, UsageError } from "./cli-io.ts";

const OPTIONS = {
  dir: { type: "string" },
  provider: { type: "string" },
  "project-id": { type: "string" },
  host: { type: "string" },
  "self-hosted": { type: "string" },
  "property-id": { type: "string" },
  residency: { type: "string" },
  days: { type: "string" },
  json: { type: "boolean" },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>["values"];

/** `perceo analytics sync | gaps`: pull production analytics; list pages no flow visits. */
export function commandAnalytics(args: string[], io: CliIo): Promise<number> {
  return reportingProviderErrors(io, () => analytics(args, io));
}

/** `perceo insights`: what the analytics say to fix next, recorded in the store. */
export function commandInsights(args: string[], io: CliIo): Promise<number> {
  return reportingProviderErrors(io, () => insights(args, io));
}

/** A provider's refusal (bad key, missing scope, outage) is the user's to fix, not a crash: exit 3. */
async function reportingProviderErrors(io: CliIo, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof AnalyticsError)) throw error;
    io.stderr.write(`perceo: ${SOURCE_NAMES[error.provider]}: ${error.message}\n`);
    return EXIT.infrastructure;
  }
}

async function analytics(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "sync" && sub !== "gaps" && sub !== "outcomes") {
    throw new UsageError(
      sub
        ? `unknown analytics command "${sub}"; use sync, gaps or outcomes`
        : "perceo analytics needs sync, gaps or outcomes",
    );
  }
  const { values } = parse(rest, OPTIONS);
  if (sub === "outcomes") return countOutcomes(values, io);
  const provider = providerFrom(values, io.env);
  const range = rangeFrom(values);
  if (sub === "sync") return syncEvents(provider, range, values, io);
  const { drafts } = await coverageGaps(provider, range, values, io);
  printDrafts(drafts, values, io, "No coverage gaps: every page a real visitor opens is visited by a flow.");
  return EXIT.passed;
}

async function insights(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, OPTIONS);
  const provider = providerFrom(values, io.env);
  const range = rangeFrom(values);
  const { drafts, report, project } = await coverageGaps(provider, range, values, io);
  const store = await openPostgresStore({ env: io.env, cwd: io.cwd });
  try {
    const { id } = await store.ensureProject({ fullName: project });
    const recorded = await recordInsights(store, id, drafts);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(recorded, null, 2)}\n`);
      return EXIT.passed;
    }
    if (report) {
      io.stdout.write(`Flows in production (${range.from} … ${addDays(range.to, -1)}):\n`);
      for (const flow of report.flows.filter((f) => f.entered > 0)) {
        const rate = flow.successRate === null ? "–" : `${(flow.successRate * 100).toFixed(1)}%`;
        io.stdout.write(
          `  ${flow.flow.padEnd(24)} ${rate.padStart(6)} of ${String(flow.entered).padStart(6)} sessions${flow.topExitStep ? `, most stop before ${flow.topExitStep.step}` : ""}\n`,
        );
      }
    }
    printDrafts(
      drafts,
      { ...values, json: false },
      io,
      "No insights: nothing in production needs attention.",
    );
    return EXIT.passed;
  } finally {
    await store.close();
  }
}

function providerFrom(values: Values, env: NodeJS.ProcessEnv): AnalyticsProvider {
  const kind =
    values.provider ??
    (values["property-id"] || env.PERCEO_GA4_PROPERTY_ID
      ? "ga4"
      : values.residency || (!values["project-id"] && env.PERCEO_MIXPANEL_PROJECT_ID)
        ? "mixpanel"
        : values["project-id"] || env.PERCEO_POSTHOG_PROJECT_ID
          ? "posthog"
          : undefined);
  if (kind === "posthog") {
    const projectId = values["project-id"] ?? env.PERCEO_POSTHOG_PROJECT_ID;
    if (!projectId) throw new UsageError("PostHog needs --project-id (or PERCEO_POSTHOG_PROJECT_ID)");
    const host = values.host ?? env.PERCEO_POSTHOG_HOST;
    const selfHostedUrl = values["self-hosted"] ?? env.PERCEO_POSTHOG_SELF_HOSTED_URL;
    return postHogProvider({
      projectId,
      env,
      ...(host ? { host } : {}),
      ...(selfHostedUrl ? { selfHostedUrl } : {}),
    });
  }
  if (kind === "ga4") {
    const propertyId = values["property-id"] ?? env.PERCEO_GA4_PROPERTY_ID;
    if (!propertyId) throw new UsageError("GA4 needs --property-id (or PERCEO_GA4_PROPERTY_ID)");
    return ga4Provider({ propertyId, env });
  }
  if (kind === "mixpanel") {
    const projectId = values["project-id"] ?? env.PERCEO_MIXPANEL_PROJECT_ID;
    if (!projectId) throw new UsageError("Mixpanel needs --project-id (or PERCEO_MIXPANEL_PROJECT_ID)");
    const residency = values.residency ?? env.PERCEO_MIXPANEL_RESIDENCY ?? "us";
    if (!(residency in MIXPANEL_HOSTS)) {
      throw new UsageError(
        `--residency must be us, eu or in (Mixpanel's Project settings → Data residency), not "${residency}"`,
      );
    }
    return mixpanelProvider({ projectId, residency: residency as MixpanelResidency, env });
  }
  throw new UsageError(
    kind
      ? `unknown provider "${kind}"; use posthog, ga4 or mixpanel`
      : "say which analytics to read: --project-id for PostHog, --property-id for GA4, or --provider mixpanel --project-id N",
  );
}

function rangeFrom(values: Values): { from: string; to: string } {
  const days = positiveInt(values.days, "--days", 1) ?? 28;
  const to = new Date().toISOString().slice(0, 10);
  return { from: addDays(to, -days), to };
}

async function syncEvents(
  provider: AnalyticsProvider,
  range: { from: string; to: string },
  values: Values,
  io: CliIo,
): Promise<number> {
  if (!provider.fetchEvents) {
    io.stderr.write(
      "GA4's Data API reports aggregates only: there are no events to sync. Use PostHog or Mixpanel for funnels.\n",
    );
    return EXIT.usage;
  }
  const project = await loadProject(path.resolve(io.cwd, values.dir ?? "."), { cwd: io.cwd });
  const store = await openPostgresStore({ env: io.env, cwd: io.cwd });
  try {
    const { id } = await store.ensureProject({ fullName: project.config.project });
    let fetched = 0;
    let stored = 0;
    for await (const page of provider.fetchEvents(range)) {
      fetched += page.length;
      stored += await store.insertAnalyticsEvents(
        id,
        page.map((event) => toStoredEvent(provider.source, event)),
      );
    }
    io.stdout.write(
      `Synced ${range.from} … ${addDays(range.to, -1)} from ${provider.source}: ${fetched} events read, ${stored} new.\n`,
    );
    return EXIT.passed;
  } finally {
    await store.close();
  }
}

async function coverageGaps(
  provider: AnalyticsProvider,
  range: { from: string; to: string },
  values: Values,
  io: CliIo,
): Promise<{ drafts: InsightDraft[]; report?: FunnelReport; project: string }> {
  const project = await loadProject(path.resolve(io.cwd, values.dir ?? "."), { cwd: io.cwd });
  const funnels = funnelsFromFlows(project.flows, {
    routes: project.config.observer?.routes.map((r) => r.path) ?? [],
  });
  if (provider.fetchEvents) {
    const matcher = createFunnelMatcher(funnels);
    for await (const page of provider.fetchEvents(range)) for (const event of page) matcher.push(event);
    const report = matcher.finish();
    return { drafts: coverageGapInsights(report), report, project: project.config.project };
  }
  // GA4: sessions per page are all there is; a page counts as covered when a funnel step matches it.
  const rows = await provider.fetchDailyPageMetrics(range);
  const pages = new Map<string, { path: string; pageviews: number; sessions: number; covered: boolean }>();
  let sessions = 0;
  for (const row of rows) {
    const page = pages.get(row.path) ?? {
      path: row.path,
      pageviews: 0,
      sessions: 0,
      covered: funnels.some((f) => f.steps.some((s) => stepMatchesUrl(s, row.path))),
    };
    page.pageviews += row.pageviews;
    page.sessions += row.sessions;
    sessions += row.sessions;
    pages.set(row.path, page);
  }
  return {
    drafts: coverageGapInsights({ pages: [...pages.values()], sessions }),
    project: project.config.project,
  };
}

function printDrafts(drafts: InsightDraft[], values: Values, io: CliIo, none: string): void {
  if (values.json) {
    io.stdout.write(`${JSON.stringify(drafts, null, 2)}\n`);
    return;
  }
  if (drafts.length === 0) {
    io.stdout.write(`${none}\n`);
    return;
  }
  for (const draft of drafts) {
    io.stdout.write(`[${draft.severity}] ${draft.title}\n  ${draft.body}\n  → ${draft.suggestedAction}\n`);
  }
}

/**
 * `perceo analytics outcomes`: the rows of the tables `analytics.outcomes` names, counted in the last
 * `--days` days and the as many before, with the credential from the environment.
 */
async function countOutcomes(values: Values, io: CliIo): Promise<number> {
  const project = await loadProject(path.resolve(io.cwd, values.dir ?? "."), { cwd: io.cwd });
  const settings = project.config.analytics?.outcomes;
  if (!settings) {
    throw new UsageError("name your outcome tables under analytics.outcomes in .perceo/config.yml first");
  }
  const { key, credentialName } = outcomesKeyFromEnv(settings, io.env);
  const source = outcomesFromConfig(settings, key, { credentialName });
  const range = rangeFrom(values);
  const days = Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000);
  const before = { from: addDays(range.from, -days), to: range.from };
  try {
    const [now = [], then = []] = await source.countWindows([range, before]);
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify(
          now.map((c, i) => ({ name: c.name, table: c.table, count: c.count, before: then[i]?.count ?? 0 })),
          null,
          2,
        )}\n`,
      );
      return EXIT.passed;
    }
    io.stdout.write(
      `Outcomes in ${SOURCE_NAMES[source.database]}, ${range.from} … ${addDays(range.to, -1)} (the ${days} days before in brackets):\n`,
    );
    for (const [i, c] of now.entries()) {
      io.stdout.write(`  ${c.name.padEnd(24)} ${String(c.count).padStart(8)} (${then[i]?.count ?? 0})\n`);
    }
    return EXIT.passed;
  } finally {
    await source.close();
  }
}
