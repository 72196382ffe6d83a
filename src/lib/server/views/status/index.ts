/**
 * The public status page (/status): each public service's state now, 90 daily uptime bars and the
 * 90-day figure (the reports' computation), incidents with public updates, planned maintenance
 * announced to customers, and the published quarterly reports; computed once per cache window.
 */
export { ComputedOnce } from './cache';
export { buildStatusPage, concerns, statusPeriod, type StatusDeps, type StatusOptions } from './load';
export {
	dayBar,
	MAINTENANCE_AHEAD_MS,
	OVERALL_TEXT,
	overallText,
	overallState,
	publicIncident,
	publicMaintenance,
	serviceState,
	STATE_TEXT,
	statusJson,
	STATUS_DAYS,
	type BarLevel,
	type PublicIncident,
	type PublicMaintenance,
	type PublicService,
	type PublicStatusPage,
	type PublishedReportLink,
	type ServiceState,
	type StatusBar
} from './model';
export { loadStatusPage, publishedReport, publishedReportLinks, type StatusContext } from './request';
export { DEFAULT_STATUS_SETTINGS, type StatusService, type StatusSettings } from './settings';
