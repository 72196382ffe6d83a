/**
 * The status page of the running process: its deps read from Redis (maintenance windows, firing
 * alerts, open incidents and their alerts, incidents with public updates) and the config's
 * `status` and `reports` sections.
 */
import type { Redis } from 'ioredis';
import type { AuditLog } from '../../audit';
import { IncidentStore, PublicUpdateStore } from '../../alerting/incidents';
import { MaintenanceStore } from '../../alerting/muting';
import { currentAlerts } from '../../alerting/state';
import type { Keys } from '../../keys';
import { parseSelector, type TimeSeriesStore } from '../../tsdb';
import { listPublishedQualityReports, parseQuarter, readPublishedQualityReport, type PublicQualityReport } from '../quality-report';
import { reportSettings, type ReportSettings } from '../reports';
import type { Retention } from '../../tsdb';
import { buildStatusPage, type StatusDeps } from './load';
import type { PublicStatusPage, PublishedReportLink } from './model';
import type { StatusSettings } from './settings';

export interface StatusContext {
	redis: Redis;
	keys: Keys;
	store: TimeSeriesStore;
	audit: AuditLog;
	reports?: { settings: ReportSettings; retention: Retention };
}

/** Most open incidents read for "does one concern this service". */
const OPEN_INCIDENTS_READ = 200;

/** The published quarterly service-quality reports, newest first, as the status page links them. */
export async function publishedReportLinks(ctx: Pick<StatusContext, 'redis' | 'keys'>): Promise<PublishedReportLink[]> {
	return (await listPublishedQualityReports(ctx.redis, ctx.keys)).map((r) => ({ label: r.quarter, title: `${r.title}, ${r.quarter}`, href: `/status/reports/${r.quarter}`, publishedAt: r.publishedAt }));
}

/** One published quarterly report for the status page ("2026-Q4"); null when the quarter is not published or not a quarter. */
export async function publishedReport(ctx: Pick<StatusContext, 'redis' | 'keys'>, quarter: string): Promise<PublicQualityReport | null> {
	const q = parseQuarter(quarter, 'UTC');
	return q.ok ? readPublishedQualityReport(ctx.redis, ctx.keys, q.value.label) : null;
}

export async function loadStatusPage(
	ctx: StatusContext,
	settings: StatusSettings,
	now: number,
	qualityReports: () => Promise<PublishedReportLink[]> = () => publishedReportLinks(ctx)
): Promise<PublicStatusPage> {
	const incidents = new IncidentStore(ctx.redis, ctx.keys);
	const [windows, alerts, open] = await Promise.all([
		new MaintenanceStore(ctx.redis, ctx.keys, ctx.audit).all(),
		currentAlerts(ctx.redis, ctx.keys),
		incidents.list({ status: ['open', 'acknowledged'], limit: OPEN_INCIDENTS_READ })
	]);
	const records = await Promise.all(open.incidents.map((i) => incidents.get(i.id)));
	const deps: StatusDeps = {
		store: ctx.store,
		windows,
		firing: alerts.filter((a) => a.state === 'firing').map((a) => a.labels),
		openIncidentAlerts: records.flatMap((r) => (r ? r.alerts.filter((a) => a.resolvedAt === undefined).map((a) => a.labels) : [])),
		published: (since) => new PublicUpdateStore(ctx.redis, ctx.keys).published(since),
		qualityReports,
		now
	};
	const services = settings.services.map((s) => ({ name: s.name, selector: parseSelector(s.selector) }));
	return buildStatusPage(deps, { title: settings.title, services, report: reportSettings(ctx).settings });
}
