/*
 * The web dashboard: server-rendered pages over the Store, one code path for the App (mounted
 * through Probot's addHandler behind its OAuth session) and `perceo dashboard` (127.0.0.1, no login).
 *
 * Contract with the host:
 * - `createDashboard(options)` returns a Node request listener that resolves true when it answered
 *   the request (a path under `basePath`), false when the host should go on to its other routes.
 * - `viewer(req)` says who is looking. A project the viewer cannot read answers 404 (never 403, so
 *   other tenants' projects stay invisible); approve/ignore need `canWrite` (else 403).
 * - State changes are POSTs (forms, or `fetch` from the review viewer) carrying a `csrf` field the
 *   page echoes from `viewer.csrfToken`; when the token is non-null a missing or different one is 403.
 * - Every answer carries a CSP without inline script (scripts are files under `<basePath>/assets/`),
 *   `frame-ancestors 'none'`, `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin`.
 */
export { createDashboard, type DashboardHandler, type DashboardOptions } from "./create-dashboard.ts";
export { securityHeaders } from "./http.ts";
export { projectPath, pullRequestReviewPath, runPath } from "./paths.ts";
export { localViewer, type ResolveViewer, type Viewer } from "./viewer.ts";
