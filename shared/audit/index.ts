export { type AuditOptions, auditPage, type PageAudit } from "./audit-page.ts";
export { checkLinks, type LinkCheckOptions, type LinkReport, type LinkResult } from "./check-links.ts";
export {
  type AxeViolation,
  deterministicFindings,
  type ViewportObservation,
} from "./deterministic-checks.ts";
export {
  AUDIT_CHECKS,
  type AuditCheck,
  type AuditFinding,
  digest,
  IMPACTS,
  type Impact,
  type PredictedEffect,
} from "./finding.ts";
export type { PageFacts, PageTimings } from "./page-facts.ts";
export { cropTop, MAX_IMAGE_HEIGHT, type VisionAuditInput, visionAudit } from "./vision-audit.ts";
