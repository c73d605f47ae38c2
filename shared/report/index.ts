export { escapeHtml, formatBytes, formatDuration, markdownCell, pluralize, statusLabel } from "./format.ts";
export { renderHtmlReport } from "./html-report.ts";
export { renderSummaryMarkdown } from "./summary-markdown.ts";
export { inlineCode, plainText } from "./untrusted-markdown.ts";
export { FINDING_MARKER, renderFindingComment, renderWeeklyIssue, WEEKLY_MARKER } from "./weekly-issue.ts";
export { writeReport } from "./write-report.ts";
