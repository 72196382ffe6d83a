/**
 * The series the service-quality targets need, computed from scratch from the stored ticket states
 * at each run: no running counts to drift, and a reopened or re-rated ticket counts once, as it is
 * now. One pass over the tickets; 300,000 tickets take 0.8 s (README, npm run bench:tickets).
 *
 * Every figure is for the tickets **created** in a window (`window="24h"|"7d"|"30d"`, ending now),
 * except the backlog, which is every open ticket now. Each figure exists for all tickets
 * (`by="all"`) and per team, category and merchant (`by="team",team="…"`, …); beyond
 * `maxLabelValues` values of one of them, the least used go to `other` and are counted.
 */
import type { Sample } from '../../shared/series';
import { isOpen, type Ticket } from './model';

export const WINDOWS = [
	{ name: '24h', ms: 86_400_000 },
	{ name: '7d', ms: 7 * 86_400_000 },
	{ name: '30d', ms: 30 * 86_400_000 }
] as const;

/** Upper bounds (seconds) of the first-response histogram's buckets, +Inf apart. */
export const FIRST_RESPONSE_BUCKETS = [30, 60, 120, 300, 600, 1800, 3600, 14_400, 86_400] as const;

/** Backlog age buckets: label value and upper bound in seconds. */
export const AGE_BUCKETS = [
	{ name: '0-1h', upTo: 3600 },
	{ name: '1h-4h', upTo: 4 * 3600 },
	{ name: '4h-24h', upTo: 86_400 },
	{ name: '24h-48h', upTo: 2 * 86_400 },
	{ name: '48h-7d', upTo: 7 * 86_400 },
	{ name: '7d+', upTo: Infinity }
] as const;

export const DIMENSIONS = ['team', 'category', 'merchant'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** The label value of a ticket without a team, category or merchant. */
export const NONE = 'none';
/** Where the values beyond the cardinality limit go. */
export const OTHER = 'other';

/** Targets of the service-quality plan, in seconds. */
export const ANSWER_WITHIN = { '1m': 60, '5m': 300 } as const;
export const COMPLAINT_ANSWERED_WITHIN_S = 24 * 3600;
export const COMPLAINT_CLOSED_WITHIN_S = 48 * 3600;

export interface DeriveOptions {
	now: number;
	/** Most values of each of team, category and merchant; the rest are `other`. */
	maxLabelValues: number;
}

/** A share of tickets that met a deadline, among those for which it is decided. */
interface Share {
	eligible: number;
	ok: number;
}

interface WindowAcc {
	created: { ticket: number; complaint: number };
	buckets: number[];
	responded: number;
	responseSum: number;
	answered: Record<keyof typeof ANSWER_WITHIN, Share>;
	complaintAnswered24h: Share;
	complaintClosed48h: Share;
	resolved: number;
	rated: number;
	satisfied: number;
	ratingSum: number;
}

interface GroupAcc {
	labels: Record<string, string>;
	windows: WindowAcc[];
	open: Record<string, number>;
	oldestOpen: number | null;
}

const share = (): Share => ({ eligible: 0, ok: 0 });

function newGroup(labels: Record<string, string>): GroupAcc {
	return {
		labels,
		windows: WINDOWS.map(() => ({
			created: { ticket: 0, complaint: 0 },
			buckets: FIRST_RESPONSE_BUCKETS.map(() => 0),
			responded: 0,
			responseSum: 0,
			answered: { '1m': share(), '5m': share() },
			complaintAnswered24h: share(),
			complaintClosed48h: share(),
			resolved: 0,
			rated: 0,
			satisfied: 0,
			ratingSum: 0
		})),
		open: {},
		oldestOpen: null
	};
}

/**
 * Whether `at` (a time or null) came within `limitS` of `from`: undefined while it is not decided
 * yet (nothing happened and the deadline has not passed).
 */
export function metDeadline(from: number, at: number | null, limitS: number, now: number): boolean | undefined {
	if (at !== null) return at - from <= limitS * 1000;
	return now - from >= limitS * 1000 ? false : undefined;
}

function count(s: Share, met: boolean | undefined): void {
	if (met === undefined) return;
	s.eligible++;
	if (met) s.ok++;
}

function addToWindow(w: WindowAcc, t: Ticket, now: number): void {
	w.created[t.kind]++;
	if (t.firstResponse !== null) {
		const s = (t.firstResponse - t.created) / 1000;
		w.responded++;
		w.responseSum += s;
		FIRST_RESPONSE_BUCKETS.forEach((le, i) => {
			if (s <= le) w.buckets[i]!++;
		});
	}
	for (const k of Object.keys(ANSWER_WITHIN) as Array<keyof typeof ANSWER_WITHIN>) count(w.answered[k], metDeadline(t.created, t.firstResponse, ANSWER_WITHIN[k], now));
	if (t.kind === 'complaint') {
		count(w.complaintAnswered24h, metDeadline(t.created, t.firstResponse, COMPLAINT_ANSWERED_WITHIN_S, now));
		count(w.complaintClosed48h, metDeadline(t.created, t.closed, COMPLAINT_CLOSED_WITHIN_S, now));
	}
	if (!isOpen(t)) w.resolved++;
	if (t.rating !== null) {
		w.rated++;
		w.ratingSum += t.rating;
		if (t.rating >= 4) w.satisfied++;
	}
}

export function ageBucket(ageS: number): string {
	return AGE_BUCKETS.find((b) => ageS < b.upTo)!.name;
}

function addToGroup(g: GroupAcc, t: Ticket, now: number): void {
	WINDOWS.forEach((win, i) => {
		if (t.created > now - win.ms && t.created <= now) addToWindow(g.windows[i]!, t, now);
	});
	if (isOpen(t)) {
		const key = `${t.kind}|${ageBucket(Math.max(0, now - t.created) / 1000)}`;
		g.open[key] = (g.open[key] ?? 0) + 1;
		if (g.oldestOpen === null || t.created < g.oldestOpen) g.oldestOpen = t.created;
	}
}

/** A ticket's value of one dimension, as a label value. */
export function valueOf(t: Ticket, d: Dimension): string {
	return t[d] === '' ? NONE : t[d];
}

/** Tickets that count anywhere: created within the longest window, or open. */
export function inView(t: Ticket, now: number): boolean {
	return isOpen(t) || t.created > now - WINDOWS[WINDOWS.length - 1]!.ms;
}

/**
 * The values of one dimension that keep their own series: the `max` most frequent among the tickets
 * in view (ties by name, so the choice is stable from run to run).
 */
export function keptValues(tickets: readonly Ticket[], d: Dimension, max: number, now: number): { kept: Set<string>; folded: number } {
	const counts = new Map<string, number>();
	for (const t of tickets) if (inView(t, now)) counts.set(valueOf(t, d), (counts.get(valueOf(t, d)) ?? 0) + 1);
	const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
	return { kept: new Set(ranked.slice(0, max).map(([v]) => v)), folded: Math.max(0, ranked.length - max) };
}

interface Pass {
	now: number;
	groups: Map<string, GroupAcc>;
	all: GroupAcc;
	kept: Record<Dimension, { kept: Set<string>; folded: number }>;
}

function group(pass: Pass, d: Dimension, value: string): GroupAcc {
	const key = `${d}\u0000${value}`;
	let g = pass.groups.get(key);
	if (!g) pass.groups.set(key, (g = newGroup({ by: d, [d]: value })));
	return g;
}

function startPass(tickets: readonly Ticket[], options: DeriveOptions): Pass {
	const all = newGroup({ by: 'all' });
	const kept = Object.fromEntries(DIMENSIONS.map((d) => [d, keptValues(tickets, d, options.maxLabelValues, options.now)])) as Pass['kept'];
	return { now: options.now, groups: new Map([['all', all]]), all, kept };
}

function addTickets(pass: Pass, tickets: readonly Ticket[], from: number, to: number): void {
	for (let i = from; i < to; i++) {
		const t = tickets[i]!;
		if (!inView(t, pass.now)) continue;
		addToGroup(pass.all, t, pass.now);
		for (const d of DIMENSIONS) {
			const v = valueOf(t, d);
			addToGroup(group(pass, d, pass.kept[d].kept.has(v) ? v : OTHER), t, pass.now);
		}
	}
}

function finishPass(pass: Pass, stored: number): Sample[] {
	const out: Sample[] = [];
	for (const g of pass.groups.values()) emitGroup(out, g, pass.now);
	for (const d of DIMENSIONS) out.push({ name: 'vigil_tickets_label_values_folded', labels: { by: d }, ts: pass.now, value: pass.kept[d].folded });
	out.push({ name: 'vigil_tickets_stored', labels: {}, ts: pass.now, value: stored });
	return out;
}

/** Every derived series at `now` from the tickets' latest states. */
export function deriveTicketSeries(tickets: readonly Ticket[], options: DeriveOptions): Sample[] {
	const pass = startPass(tickets, options);
	addTickets(pass, tickets, 0, tickets.length);
	return finishPass(pass, tickets.length);
}

/** Tickets per slice of the collectors' pass: between slices, other targets' runs get their turn. */
const SLICE = 5000;

/**
 * The same as deriveTicketSeries, yielding to the event loop after every 5,000 tickets, so that a
 * pass over a few 100,000 tickets (about a second) never delays the collect process's other runs.
 */
export async function deriveTicketSeriesInSlices(tickets: readonly Ticket[], options: DeriveOptions): Promise<Sample[]> {
	const pass = startPass(tickets, options);
	for (let i = 0; i < tickets.length; i += SLICE) {
		addTickets(pass, tickets, i, Math.min(tickets.length, i + SLICE));
		await new Promise((resolve) => setImmediate(resolve));
	}
	return finishPass(pass, tickets.length);
}

function emitGroup(out: Sample[], g: GroupAcc, now: number): void {
	const put = (name: string, labels: Record<string, string>, value: number) => out.push({ name, labels: { ...g.labels, ...labels }, ts: now, value });
	const ratio = (name: string, labels: Record<string, string>, s: Share) => {
		// No decided ticket, no figure: 0 % would be a false alarm, 100 % a false comfort.
		if (s.eligible > 0) put(name, labels, s.ok / s.eligible);
	};
	WINDOWS.forEach((win, i) => {
		const w = g.windows[i]!;
		const l = { window: win.name };
		put('vigil_tickets_created', { ...l, kind: 'ticket' }, w.created.ticket);
		put('vigil_tickets_created', { ...l, kind: 'complaint' }, w.created.complaint);
		FIRST_RESPONSE_BUCKETS.forEach((le, b) => put('vigil_tickets_first_response_seconds_bucket', { ...l, le: String(le) }, w.buckets[b]!));
		put('vigil_tickets_first_response_seconds_bucket', { ...l, le: '+Inf' }, w.responded);
		put('vigil_tickets_first_response_seconds_count', l, w.responded);
		put('vigil_tickets_first_response_seconds_sum', l, w.responseSum);
		ratio('vigil_tickets_answered_within_1m_ratio', l, w.answered['1m']);
		ratio('vigil_tickets_answered_within_5m_ratio', l, w.answered['5m']);
		ratio('vigil_tickets_complaints_answered_within_24h_ratio', l, w.complaintAnswered24h);
		ratio('vigil_tickets_complaints_closed_within_48h_ratio', l, w.complaintClosed48h);
		const created = w.created.ticket + w.created.complaint;
		if (created > 0) put('vigil_tickets_resolved_ratio', l, w.resolved / created);
		put('vigil_tickets_rated', l, w.rated);
		if (w.rated > 0) {
			put('vigil_tickets_satisfaction_ratio', l, w.satisfied / w.rated);
			put('vigil_tickets_satisfaction_mean', l, w.ratingSum / w.rated);
		}
	});
	for (const kind of ['ticket', 'complaint']) {
		for (const a of AGE_BUCKETS) put('vigil_tickets_open', { kind, age: a.name }, g.open[`${kind}|${a.name}`] ?? 0);
	}
	put('vigil_tickets_oldest_open_age_seconds', {}, g.oldestOpen === null ? 0 : Math.max(0, (now - g.oldestOpen) / 1000));
}
