/**
 * A complaint-analysis request from URL parameters (`range`), and running it over the process's
 * ticket store and incident store, in the reports' time zone.
 */
import { IncidentStore } from '../../alerting/incidents';
import type { TicketStore } from '../../tickets';
import type { Redis } from 'ioredis';
import type { Keys } from '../../keys';
import { reportSettings, type ReportSettings } from '../reports';
import { buildComplaintAnalysis, COMPLAINT_RANGES, type ComplaintAnalysis, type ComplaintRange } from './load';

export interface ComplaintRequest {
	range: ComplaintRange;
}

/** What running the analysis reads: the process's stores and the reports' settings (the zone). */
export interface ComplaintContext {
	tickets: TicketStore;
	redis: Redis;
	keys: Keys;
	reports?: { settings: ReportSettings; retention: ReturnType<typeof reportSettings>['retention'] };
}

/** The request of URL parameters (`range`, last 7 days by default), or the message naming what is wrong. */
export function complaintRequest(params: URLSearchParams): { ok: true; value: ComplaintRequest } | { ok: false; error: string } {
	const range = params.get('range') || 'last-7d';
	if (!(COMPLAINT_RANGES as readonly string[]).includes(range)) return { ok: false, error: `range: expected one of ${COMPLAINT_RANGES.join(', ')}` };
	return { ok: true, value: { range: range as ComplaintRange } };
}

export async function runComplaints(ctx: ComplaintContext, req: ComplaintRequest, now = Date.now()): Promise<ComplaintAnalysis> {
	// Days, weeks and quarters start in the reports' zone, so this page's days are the reports'.
	const { settings } = reportSettings(ctx);
	const incidents = new IncidentStore(ctx.redis, ctx.keys);
	return buildComplaintAnalysis({ tickets: ctx.tickets, incidents, now }, { range: req.range, zone: settings.timeZone });
}
