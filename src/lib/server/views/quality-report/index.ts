/**
 * The quarterly service-quality report: one quarter's targets and figures, uptime and incidents,
 * complaints by category, teams and merchants below standard (from the reports, scorecards and
 * complaint read models), its declared policy, CSV, and the published public snapshots that the
 * status page lists (`listPublishedQualityReports`, `readPublishedQualityReport`).
 */
export { compareQuarters, lastEndedQuarter, parseQuarter, quarterEnded, recentQuarters } from './quarter';
export { DEFAULT_QUALITY_SETTINGS, TARGET_IDS, TARGET_TEXT, type QualitySettings, type TargetId } from './settings';
export { type CategoryChange, type MerchantStanding, type ServiceRow, type TargetRow, type TeamRow } from './figures';
export { buildQualityReport, type QualityReport, type QualityReportDeps, type QualityReportOptions } from './load';
export { listPublishedQualityReports, PublishedQualityReports, readPublishedQualityReport, toPublic, type PublicQualityReport, type PublishedEntry } from './public';
export { qualityCsv } from './csv';
export { publishQualityReport, QualityPublishError, qualityQuarter, qualitySettings, runQualityReport, withdrawQualityReport, type PublishBy, type QualityContext } from './request';
