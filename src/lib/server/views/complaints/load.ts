/**
 * Builds the complaint analysis of a range: the stored tickets' latest states (complaints only,
 * by created time) per category and bucket, the categories that grew against the previous period
 * of the same length, and the incidents open during the range, read through the incident store's
 * list (the read model /incidents uses).
 */
import type { IncidentPage, IncidentQuery, IncidentStatus, IncidentSummary } from '../../alerting/incidents';
import { fromLocal, toLocal } from '../../alerting/muting';
import type { TicketStore } from '../../tickets';
import { currentPeriod, daysOf, weeksOf, type Span } from '../reports';
import { categoryRows, DAILY_UP_TO_MS, overlaps, previousWindow, type CategoryRow, type Window } from './analysis';

export const COMPLAINT_RANGES = ['last-7d', 'last-30d', 'this-quarter'] as const;
export type ComplaintRange = (typeof COMPLAINT_RANGES)[number];
export const COMPLAINT_RANGE_LABELS: Record<ComplaintRange, string> = { 'last-7d': 'Last 7 days', 'last-30d': 'Last 30 days', 'this-quarter': 'This quarter' };

/**
 * Incidents opened this long before the range are still looked at (they may have lasted into
 * it); unresolved ones are found at any age through the index of active incidents.
 */
export const INCIDENT_LOOKBACK_MS = 30 * 86_400_000;
/** At most this many incidents are read for one range: a page, not the whole history. */
export const MAX_INCIDENTS = 500;

export interface ComplaintDeps {
	tickets: Pick<TicketStore, 'all' | 'options'>;
	incidents: { list(q: IncidentQuery): Promise<IncidentPage> };
	now: number;
}

export interface ComplaintOptions {
	range: ComplaintRange;
	/** The zone days, weeks and quarters start in (the reports' zone). */
	zone: string;
}

export interface ShownIncident {
	id: string;
	ref: string;
	title: string;
	service: string;
	severity: string;
	status: IncidentStatus;
	openedAt: number;
	resolvedAt: number | null;
}

export interface GrownCategory {
	category: string;
	/** The bucket with the most complaints of the category in the range. */
	busiest: Span & { count: number };
	/** Ids of the incidents (in `incidents`) open at some time during that bucket. */
	incidentIds: string[];
}

export interface ComplaintAnalysis {
	generatedAt: number;
	zone: string;
	range: ComplaintRange;
	/** [from, now): the last bucket is the day or week in progress. */
	window: Window;
	previous: Window;
	bucket: 'day' | 'week';
	buckets: Span[];
	categories: CategoryRow[];
	grown: GrownCategory[];
	/** Incidents open at some time in the range, oldest first. */
	incidents: ShownIncident[];
	/** More incidents overlapped the range than were read (MAX_INCIDENTS). */
	incidentsTruncated: boolean;
	/** Complaints in the range and in the previous period. */
	total: number;
	previousTotal: number;
	ticketsStored: number;
	/** Complaints among them, at any time: none means no source sends complaints yet. */
	complaintsStored: number;
	/** Tickets older than this are no longer stored: a previous period before it is partial. */
	ticketsKeptSince: number;
}

/** Where the range starts: whole local days back from today, or the quarter's start. */
export function rangeStart(range: ComplaintRange, zone: string, now: number): number {
	if (range === 'this-quarter') return currentPeriod('quarter', zone, now).from;
	const today = new Date(toLocal(zone, now));
	const days = range === 'last-7d' ? 7 : 30;
	return fromLocal(zone, Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (days - 1)));
}

const shown = (i: IncidentSummary): ShownIncident => ({ id: i.id, ref: i.ref, title: i.title, service: i.service, severity: i.severity, status: i.status, openedAt: i.openedAt, resolvedAt: i.resolvedAt ?? null });

/** The incidents open at some time in `w`: opened in it or shortly before, or still unresolved. */
async function incidentsDuring(deps: ComplaintDeps, w: Window): Promise<{ incidents: ShownIncident[]; truncated: boolean }> {
	const [recent, active] = await Promise.all([
		deps.incidents.list({ from: w.from - INCIDENT_LOOKBACK_MS, to: w.to, order: 'asc', limit: MAX_INCIDENTS }),
		deps.incidents.list({ to: w.to, status: ['open', 'acknowledged'], order: 'asc', limit: MAX_INCIDENTS })
	]);
	const byId = new Map<string, IncidentSummary>();
	for (const i of [...recent.incidents, ...active.incidents]) if (overlaps(i, w)) byId.set(i.id, i);
	const list = [...byId.values()].sort((a, b) => a.openedAt - b.openedAt || Number(a.id) - Number(b.id));
	return { incidents: list.map(shown), truncated: recent.nextCursor !== null || active.nextCursor !== null };
}

export async function buildComplaintAnalysis(deps: ComplaintDeps, options: ComplaintOptions): Promise<ComplaintAnalysis> {
	const { now } = deps;
	const window: Window = { from: rangeStart(options.range, options.zone, now), to: now };
	const previous = previousWindow(window);
	const bucket = window.to - window.from <= DAILY_UP_TO_MS ? 'day' : 'week';
	const period = { zone: options.zone, ...window };
	const buckets = bucket === 'day' ? daysOf(period) : weeksOf(period);
	const [tickets, found] = await Promise.all([deps.tickets.all(), incidentsDuring(deps, window)]);
	const categories = categoryRows(tickets, buckets, window, previous);
	const grown = categories
		.filter((c) => c.grown && c.busiest !== null)
		.map((c) => {
			const b = buckets[c.busiest!]!;
			return { category: c.category, busiest: { ...b, count: c.counts[c.busiest!]! }, incidentIds: found.incidents.filter((i) => overlaps({ openedAt: i.openedAt, ...(i.resolvedAt !== null ? { resolvedAt: i.resolvedAt } : {}) }, b)).map((i) => i.id) };
		});
	return {
		generatedAt: now,
		zone: options.zone,
		range: options.range,
		window,
		previous,
		bucket,
		buckets,
		categories,
		grown,
		incidents: found.incidents,
		incidentsTruncated: found.truncated,
		total: categories.reduce((s, c) => s + c.total, 0),
		previousTotal: categories.reduce((s, c) => s + c.previous, 0),
		ticketsStored: tickets.length,
		complaintsStored: tickets.filter((t) => t.kind === 'complaint').length,
		ticketsKeptSince: now - deps.tickets.options.retentionMs
	};
}
