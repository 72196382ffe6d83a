/**
 * Running the quality report over the process's stores and the config's `reports`, `scorecards`
 * and `quality` sections (defaults when absent), and publishing or withdrawing a quarter: the public
 * snapshot stored, an audit log entry written.
 */
import type { Redis } from 'ioredis';
import { IncidentStore } from '../../alerting/incidents';
import { MaintenanceStore } from '../../alerting/muting';
import type { AuditLog } from '../../audit';
import type { Keys } from '../../keys';
import type { TicketStore } from '../../tickets';
import type { Retention, TimeSeriesStore } from '../../tsdb';
import { formatTime } from '../../../shared/report-format';
import { reportSettings, type Period, type ReportSettings } from '../reports';
import { scorecardSettings, type ScorecardSettings } from '../scorecards';
import { buildQualityReport, type QualityReport } from './load';
import { PublishedQualityReports, toPublic, type PublicQualityReport } from './public';
import { parseQuarter, quarterEnded } from './quarter';
import { DEFAULT_QUALITY_SETTINGS, type QualitySettings } from './settings';

/** What the quality report reads: the process's stores and settings. */
export interface QualityContext {
	redis: Redis;
	keys: Keys;
	audit: AuditLog;
	tickets: TicketStore;
	store: TimeSeriesStore;
	reports?: { settings: ReportSettings; retention: Retention };
	scorecards?: ScorecardSettings;
	/** The config's `quality` section; absent: DEFAULT_QUALITY_SETTINGS. */
	quality?: QualitySettings;
}

export function qualitySettings(ctx: Pick<QualityContext, 'quality'>): QualitySettings {
	return ctx.quality ?? DEFAULT_QUALITY_SETTINGS;
}

/** The quarter of a name in the reports' time zone, or the message naming what is wrong. */
export function qualityQuarter(ctx: Pick<QualityContext, 'reports'>, text: string): { ok: true; value: Period } | { ok: false; error: string } {
	return parseQuarter(text, reportSettings(ctx).settings.timeZone);
}

export async function runQualityReport(ctx: QualityContext, quarter: Period, now = Date.now()): Promise<QualityReport> {
	const { settings, retention } = reportSettings(ctx);
	const windows = await new MaintenanceStore(ctx.redis, ctx.keys, ctx.audit).all();
	return buildQualityReport(
		{ tickets: ctx.tickets, store: ctx.store, incidents: new IncidentStore(ctx.redis, ctx.keys), windows, now, retention },
		{ quarter, reports: settings, scorecards: scorecardSettings(ctx), quality: qualitySettings(ctx) }
	);
}

/** A refusal of publish or withdraw, with the HTTP status it answers. */
export class QualityPublishError extends Error {
	constructor(
		message: string,
		readonly status: 400 | 404 | 409
	) {
		super(message);
		this.name = 'QualityPublishError';
	}
}

export interface PublishBy {
	/** The audit log's actor (`user:alice`). */
	actor: string;
	/** Stored as publishedBy (never in the public form). */
	name: string;
	ip?: string;
}

function quarterOf(ctx: QualityContext, text: string): Period {
	const q = qualityQuarter(ctx, text);
	if (!q.ok) throw new QualityPublishError(q.error, 400);
	return q.value;
}

/**
 * Publishes an ended quarter: its public snapshot is stored (replacing an earlier one, with the
 * next version number) and the audit log says who did it. A quarter not ended yet is refused.
 */
export async function publishQualityReport(ctx: QualityContext, quarterText: string, by: PublishBy, now = Date.now()): Promise<PublicQualityReport> {
	const q = quarterOf(ctx, quarterText);
	if (!quarterEnded(q, now)) {
		throw new QualityPublishError(`quarter ${q.label} has not ended: it ends ${formatTime(q.to, q.zone).slice(0, 16)} ${q.zone}; only an ended quarter may be published`, 409);
	}
	const report = await runQualityReport(ctx, q, now);
	const store = new PublishedQualityReports(ctx.redis, ctx.keys);
	const version = await store.publish(toPublic(report, qualitySettings(ctx).services), by.name, now);
	await ctx.audit.record({ actor: by.actor, action: 'quality-report.publish', target: q.label, after: { version, publishedAt: new Date(now).toISOString() }, ...(by.ip ? { ip: by.ip } : {}) });
	const entry = await store.entry(q.label);
	return entry!.report;
}

/** Withdraws a published quarter (it leaves the status page); refused when it is not published. */
export async function withdrawQualityReport(ctx: QualityContext, quarterText: string, by: PublishBy): Promise<void> {
	const q = quarterOf(ctx, quarterText);
	const store = new PublishedQualityReports(ctx.redis, ctx.keys);
	const entry = await store.entry(q.label);
	if (!entry || !(await store.withdraw(q.label))) throw new QualityPublishError(`quarter ${q.label} is not published`, 404);
	await ctx.audit.record({ actor: by.actor, action: 'quality-report.withdraw', target: q.label, before: { version: entry.report.version, publishedAt: new Date(entry.report.publishedAt).toISOString(), publishedBy: entry.publishedBy }, ...(by.ip ? { ip: by.ip } : {}) });
}
