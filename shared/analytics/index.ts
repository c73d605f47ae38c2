export {
  describeStep,
  type FunnelDefinition,
  type FunnelOptions,
  type FunnelStep,
  funnelsFromFlows,
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
export { DAY_MS, DEVICES, type Device, dayOf, deviceOf, type SessionEvent } from "./session-event.ts";
