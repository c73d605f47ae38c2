export { type CollectInput, collectWeeklyReport, type WeeklyReport } from "./collect-weekly-report.ts";
export { type AnalyticsLesson, learnFromAnalytics } from "./learn-from-analytics.ts";
export {
  byImpact,
  feedbackKey,
  findingTitle,
  groupFindings,
  type PageFinding,
  pageFinding,
} from "./page-findings.ts";
export { type PageScan, type ScanPagesInput, scanPages } from "./scan-pages.ts";
export { isoWeekStart, scheduledAt, weeklyIssueTitle } from "./week.ts";
