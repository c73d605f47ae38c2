export { BrowserPool, type LaunchBrowser, launchCaptureBrowser, type PoolOptions } from "./browser-pool.ts";
export {
  type Capture,
  type CaptureOptions,
  type CaptureRequest,
  type CaptureTimings,
  capturePage,
} from "./capture-page.ts";
export { guardedFetch } from "./guarded-fetch.ts";
export {
  BlockedUrlError,
  type CheckedUrl,
  checkUrl,
  forbiddenRange,
  type GuardOptions,
  type HostResolver,
  hostResolverRules,
  RequestGuard,
  systemResolver,
} from "./ssrf-guard.ts";
export { BLOCKED_HOSTS, STABILIZING_CSS } from "./stabilize.ts";
export { takeDomSnapshot } from "./take-dom-snapshot.ts";
export { CAPTURE_VIEWPORTS, type CaptureViewport, VIEWPORT_CONTEXTS } from "./viewports.ts";
export { type PageVisit, type VisitOptions, visitPage } from "./visit-page.ts";
