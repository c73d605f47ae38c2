export { escapeHtml, formatDuration, markdownCell, pluralize, statusLabel } from "./format.ts";
export { renderHtmlReport } from "./html-report.ts";
export { renderSummaryMarkdown } from "./summary-markdown.ts";
export { writeReport } from "./write-report.ts";
