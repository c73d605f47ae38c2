export {
  CALLBACK_PATH,
  type CreateDashboard,
  DASHBOARD_PATH,
  type DashboardRouteOptions,
  dashboardRoute,
} from "./dashboard-route.ts";
