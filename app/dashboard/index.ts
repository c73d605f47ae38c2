export {
  CALLBACK_PATH,
  DASHBOARD_PATH,
  type DashboardRouteOptions,
  dashboardRoute,
} from "./dashboard-route.ts";
export type { CreateDashboard, DashboardHandler, ResolveViewer, Viewer } from "./viewer.ts";
