/**
 * Reports: availability and SLO reports over a period, their CSV and the incident list's filter,
 * and the incident page's read model. Queries go through the numeric query core (promql/query.ts).
 */
export { isoTime, toCsv, type Cell } from './csv';
export { RANGES, RANGE_LABELS, apiParams, listQuery, pageParams, readFilter } from './incident-filter';
export { incidentView } from './incident-view';
export {
	buildReport,
	DEFAULT_REPORT_SETTINGS,
	selectorUptime,
	type DayState,
	type DayUptime,
	type Report,
	type ReportDeps as ReportStores,
	type ReportSettings,
	type SelectorUptime,
	type ServiceUptime,
	type UptimeDeps
} from './load';
export { currentPeriod, daysOf, parsePeriodLabel, previousPeriod, weeksOf, type Period, type Span } from './period';
export { meets, type SloResult, type SloTarget } from './report';
export { REPORT_TABLES, type ReportTable, parseReportRequest, reportCsv, runReport } from './request';
export { reportSettings } from './settings';
export { policyText, type UptimeSeconds } from './uptime';
