/**
 * Complaint analysis, pure: the complaints (tickets of kind `complaint`, by their created time)
 * counted per category in buckets of a range, each category compared with the previous period of
 * the same length, and the incidents that overlapped a grown category's busiest bucket.
 */
import type { Ticket } from '../../tickets';
import type { Span } from '../reports';

/** Growth is flagged when it is at least this share of the previous period's count… */
export const GROWTH_MIN_RATIO = 0.5;
/** …and at least this many complaints more (so 1 → 2 is not a "wave"). */
export const GROWTH_MIN_COUNT = 5;
/** Ranges up to this long are bucketed by day, longer ones by week. */
export const DAILY_UP_TO_MS = 31 * 86_400_000;

export interface Window {
	from: number;
	to: number;
}

export interface CategoryRow {
	/** As the helpdesk sent it; '' for complaints without a category. */
	category: string;
	/** One count per bucket, in the buckets' order. */
	counts: number[];
	/** Complaints created in the range. */
	total: number;
	/** Complaints created in the previous period of the same length. */
	previous: number;
	/** total - previous. */
	change: number;
	/** change / previous; null when the previous period had none. */
	changeRatio: number | null;
	/** The growth rule holds: see `grew`. */
	grown: boolean;
	/** Index of the bucket with the most complaints of this category (the first of equals); null without any. */
	busiest: number | null;
}

/**
 * The growth rule: at least GROWTH_MIN_COUNT complaints more than the previous period, and at
 * least GROWTH_MIN_RATIO more in relative terms (a category new in this period counts as grown
 * once it has GROWTH_MIN_COUNT).
 */
export function grew(total: number, previous: number): boolean {
	const change = total - previous;
	if (change < GROWTH_MIN_COUNT) return false;
	return previous === 0 || change / previous >= GROWTH_MIN_RATIO;
}

/** The period before `w`, of the same length, ending where `w` starts. */
export function previousWindow(w: Window): Window {
	return { from: w.from - (w.to - w.from), to: w.from };
}

function bucketOf(buckets: readonly Span[], t: number): number {
	// Buckets are few (at most ~14 weeks or 31 days): a linear search is enough.
	for (let i = 0; i < buckets.length; i++) if (t >= buckets[i]!.from && t < buckets[i]!.to) return i;
	return -1;
}

/** Per category: counts per bucket in `range`, totals in `range` and in `previous`. */
export function categoryRows(tickets: readonly Ticket[], buckets: readonly Span[], range: Window, previous: Window): CategoryRow[] {
	const rows = new Map<string, CategoryRow>();
	const row = (category: string): CategoryRow => {
		let r = rows.get(category);
		if (!r) rows.set(category, (r = { category, counts: buckets.map(() => 0), total: 0, previous: 0, change: 0, changeRatio: null, grown: false, busiest: null }));
		return r;
	};
	for (const t of tickets) {
		if (t.kind !== 'complaint') continue;
		if (t.created >= range.from && t.created < range.to) {
			const r = row(t.category);
			r.total++;
			const b = bucketOf(buckets, t.created);
			if (b >= 0) r.counts[b]!++;
		} else if (t.created >= previous.from && t.created < previous.to) row(t.category).previous++;
	}
	for (const r of rows.values()) {
		r.change = r.total - r.previous;
		r.changeRatio = r.previous > 0 ? r.change / r.previous : null;
		r.grown = grew(r.total, r.previous);
		let best = 0;
		r.counts.forEach((c, i) => {
			if (c > best) (best = c), (r.busiest = i);
		});
	}
	// Most complaints first; then the largest growth; then by name, so the order is stable.
	return [...rows.values()].sort((a, b) => b.total - a.total || b.change - a.change || a.category.localeCompare(b.category));
}

/** An incident as the analysis needs it. */
export interface IncidentSpan {
	openedAt: number;
	/** Absent while it is unresolved. */
	resolvedAt?: number;
}

/** The incident was open at some time within [from, to): opened before its end, not resolved before its start. */
export function overlaps(i: IncidentSpan, w: Window): boolean {
	return i.openedAt < w.to && (i.resolvedAt === undefined || i.resolvedAt > w.from);
}
