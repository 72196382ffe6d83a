/**
 * How fast incidents were handled, with the design's definitions:
 * - time to acknowledge (TTA) = first acknowledgement - opened, counted only when that
 *   acknowledgement came before the incident's resolution (an incident resolves by itself at the
 *   time its last alert stopped firing, confirmed a quiet period later: an acknowledgement in
 *   between reached an incident that was already over). An incident resolved without an
 *   acknowledgement before it has no TTA, and counts as not acknowledged;
 * - time to resolve (TTR) = resolved - opened, where "resolved" is the final resolution (a reopened
 *   incident's TTR runs from its first opening to its last resolution; an auto-resolution counts
 *   from when its last alert resolved, not from the end of the quiet period);
 * - MTTA, MTTR = their means over a period, with the median and the 90th percentile beside them.
 * Percentiles interpolate linearly between the closest ranks (rank = p × (n - 1), as spreadsheets'
 * PERCENTILE.INC), so the median of an even count is the mean of the middle two. Pure functions.
 */
import { SYSTEM_ACTOR, type IncidentStatus, type TimelineEntry } from './model';

/** What the measures need of an incident. */
export interface IncidentTimes {
	service: string;
	status: IncidentStatus;
	openedAt: number;
	acknowledgedAt?: number;
	resolvedAt?: number;
}

export interface DurationStats {
	/** How many incidents the figures cover. */
	count: number;
	/** The mean, ms: MTTA or MTTR. */
	mean: number;
	median: number;
	p90: number;
}

export interface Measures {
	/** Incidents opened in the period. */
	count: number;
	/** Of those, never acknowledged. */
	unacknowledged: number;
	/** Of those, not resolved now. */
	unresolved: number;
	/** Time to acknowledge, over the acknowledged ones; null when none was. */
	tta: DurationStats | null;
	/** Time to resolve, over the resolved ones; null when none was. */
	ttr: DurationStats | null;
}

/** The value at quantile q (0..1) of sorted values, interpolated; NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
	if (sorted.length === 0) return NaN;
	const rank = q * (sorted.length - 1);
	const lo = Math.floor(rank);
	const hi = Math.ceil(rank);
	return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** Mean, median and p90 of durations; null for none. */
export function durationStats(values: readonly number[]): DurationStats | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	const sum = sorted.reduce((s, v) => s + v, 0);
	return { count: sorted.length, mean: sum / sorted.length, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
}

/** TTA of one incident, ms; null while unacknowledged, and when the acknowledgement came after the resolution. */
export function timeToAcknowledge(i: IncidentTimes): number | null {
	if (i.acknowledgedAt === undefined) return null;
	if (i.status === 'resolved' && i.resolvedAt !== undefined && i.acknowledgedAt > i.resolvedAt) return null;
	return Math.max(0, i.acknowledgedAt - i.openedAt);
}

/** TTR of one incident, ms; null while unresolved. */
export function timeToResolve(i: IncidentTimes): number | null {
	return i.status !== 'resolved' || i.resolvedAt === undefined ? null : Math.max(0, i.resolvedAt - i.openedAt);
}

/** The measures of a set of incidents (those opened in a period). */
export function measure(incidents: readonly IncidentTimes[]): Measures {
	const tta: number[] = [];
	const ttr: number[] = [];
	let unacknowledged = 0;
	let unresolved = 0;
	for (const i of incidents) {
		const a = timeToAcknowledge(i);
		const r = timeToResolve(i);
		if (a === null) unacknowledged++;
		else tta.push(a);
		if (r === null) unresolved++;
		else ttr.push(r);
	}
	return { count: incidents.length, unacknowledged, unresolved, tta: durationStats(tta), ttr: durationStats(ttr) };
}

/** The measures of all incidents, and of each service's (sorted by service; "" is no service). */
export function measureByService(incidents: readonly IncidentTimes[]): { overall: Measures; services: Array<{ service: string } & Measures> } {
	const by = new Map<string, IncidentTimes[]>();
	for (const i of incidents) {
		let list = by.get(i.service);
		if (!list) by.set(i.service, (list = []));
		list.push(i);
	}
	return {
		overall: measure(incidents),
		services: [...by.keys()].sort().map((service) => ({ service, ...measure(by.get(service)!) }))
	};
}

/**
 * Timeline entries in the order they happened: by `at`, entries of the same time in the order they
 * were written. The stream's own order is the order of writing, which is not always the order of
 * events: an automatic resolution is written when the quiet period confirms it but dated when the
 * last alert stopped firing (before acknowledgements or notes made meanwhile), and the alert feed
 * may apply an event after a person's action.
 */
export function inTimeOrder<T extends { at: number }>(entries: readonly T[]): T[] {
	return entries
		.map((e, i) => [e, i] as const)
		.sort((a, b) => a[0].at - b[0].at || a[1] - b[1])
		.map(([e]) => e);
}

/**
 * One incident's times read from its timeline: opened, the first acknowledgement, and the final
 * resolution (none when the last resolve was followed by a reopen).
 */
export function timesFromTimeline(entries: readonly TimelineEntry[], service = ''): IncidentTimes | null {
	const opened = entries.find((e) => e.type === 'opened');
	if (!opened) return null;
	const t: IncidentTimes = { service, status: 'open', openedAt: opened.at };
	for (const e of inTimeOrder(entries)) {
		if (e.type === 'acknowledged') {
			t.acknowledgedAt ??= e.at;
			if (t.status === 'open') t.status = 'acknowledged';
		} else if (e.type === 'resolved') {
			t.status = 'resolved';
			t.resolvedAt = e.at;
		} else if (e.type === 'reopened') {
			t.status = 'open';
			delete t.resolvedAt;
		}
	}
	return t;
}

/**
 * The people who responded to an incident: those who, before its final resolution (or at any time
 * while it is unresolved), acknowledged it, assigned it, were named its owner, added a note,
 * resolved or reopened it. Someone who only wrote a note after it was over (a manager reviewing
 * it) reviewed it, and is not listed. In the order they first acted, by user name (an API token
 * counts as its user).
 */
export function respondersOf(entries: readonly TimelineEntry[], times: Pick<IncidentTimes, 'status' | 'resolvedAt'> | null): string[] {
	const end = times?.status === 'resolved' && times.resolvedAt !== undefined ? times.resolvedAt : Infinity;
	const out: string[] = [];
	const add = (who: string) => {
		// `user:alice` and `token:AbCd1234 (alice)` are both alice.
		const name = /^token:\S+ \((.+)\)$/.exec(who)?.[1] ?? who.replace(/^user:/, '');
		if (name && !out.includes(name)) out.push(name);
	};
	for (const e of inTimeOrder(entries)) {
		if (e.at > end) break;
		if (e.actor === SYSTEM_ACTOR) continue;
		if (e.type === 'acknowledged' || e.type === 'note' || e.type === 'resolved' || e.type === 'reopened') add(e.actor);
		else if (e.type === 'assigned') {
			add(e.actor);
			if (e.owner) add(e.owner);
		}
	}
	return out;
}
