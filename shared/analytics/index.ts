export {
  type CheckpointRecord,
  measureCheckpoint,
  recordDueCheckpoints,
  statusAfterCheckpoint,
  type TrackedChange,
} from "./checkpoints.ts";
export {
  addDays,
  assessWindows,
  CHECKPOINT_HORIZONS,
  type CheckpointAssessment,
  checkpointWindows,
  type DayRange,
  describeOutcome,
  dueHorizons,
  type MetricComparison,
  type Outcome,
  type OutcomeWindows,
  verdictOf,
  type WindowMetrics,
} from "./correlation.ts";
export {
  describeStep,
  describeSteps,
  type FunnelDefinition,
  type FunnelOptions,
  type FunnelStep,
  funnelsFromFlows,
  pathTemplate,
  splitUrl,
  stepMatchesUrl,
  stripOrigin,
} from "./funnel-definition.ts";
export {
  createFunnelMatcher,
  type DeviceStats,
  type FlowDayStats,
  type FlowFunnelStats,
  type FunnelMatcher,
  type FunnelMatcherOptions,
  type FunnelReport,
  matchFunnels,
  type PageTraffic,
} from "./funnel-matcher.ts";
export { type Ga4Settings, ga4Provider } from "./ga4-provider.ts";
export {
  coverageGapInsights,
  DISCREPANCY_MARGIN,
  discrepancyInsights,
  GAP_MIN_SESSIONS,
  GAP_MIN_SHARE,
  type InsightDraft,
  recordInsights,
  regressionInsights,
} from "./insights.ts";
export { type DailyPageMetrics, dailyMetricsSource, type MetricsSource } from "./metrics-source.ts";
export {
  MIXPANEL_HOSTS,
  MIXPANEL_KEY_ENV,
  type MixpanelResidency,
  type MixpanelSettings,
  mixpanelProvider,
  parseMixpanelServiceAccount,
} from "./mixpanel-provider.ts";
export {
  type OutcomeCount,
  type OutcomeSource,
  type OutcomeTable,
  outcomeName,
} from "./outcome-source.ts";
export { OUTCOMES_STATEMENT_TIMEOUT_MS, postgresOutcomes } from "./postgres-outcomes.ts";
export {
  POSTHOG_CLOUD_HOSTS,
  POSTHOG_KEY_ENV,
  type PostHogSettings,
  postHogProvider,
  resolvePostHogHost,
} from "./posthog-provider.ts";
export { type AnalyticsProvider, type EventDayCount, type ProviderEvent, toStoredEvent } from "./provider.ts";
export {
  analyticsKeyFromEnv,
  DEFAULT_KEY_ENV,
  DEFAULT_OUTCOMES_KEY_ENV,
  outcomesFromConfig,
  outcomesKeyFromEnv,
  type ProviderOptions,
  providerFromConfig,
} from "./provider-from-config.ts";
export {
  AnalyticsError,
  type AnalyticsErrorCode,
  type AnalyticsSource,
  type HttpPolicy,
  type OutcomeDatabase,
  SOURCE_NAMES,
} from "./provider-http.ts";
export { DAY_MS, DEVICES, type Device, dayOf, deviceOf, type SessionEvent } from "./session-event.ts";
export { isSupabaseCloudUrl, SUPABASE_KEY_ENV, supabaseOutcomes } from "./supabase-outcomes.ts";
