/**
 * The derived ticket figures computed the plain way, for tests to check the collector's series
 * against: for each series, filter the tickets it covers and count. It shares no code with
 * src/lib/server/tickets/derive.ts; its constants are written out again from the README.
 */
import type { Ticket } from '../../src/lib/server/tickets/model';

const H = 3_600_000;
const WINDOWS: Array<[string, number]> = [
	['24h', 24 * H],
	['7d', 7 * 24 * H],
	['30d', 30 * 24 * H]
];
const BUCKETS = ['30', '60', '120', '300', '600', '1800', '3600', '14400', '86400'];
const AGES: Array<[string, number, number]> = [
	['0-1h', 0, 1 * H],
	['1h-4h', 1 * H, 4 * H],
	['4h-24h', 4 * H, 24 * H],
	['24h-48h', 24 * H, 48 * H],
	['48h-7d', 48 * H, 7 * 24 * H],
	['7d+', 7 * 24 * H, Infinity]
];

/** `name{a="1",b="2"}` with the labels sorted: how a series is compared. */
export function seriesKey(name: string, labels: Record<string, string>): string {
	const body = Object.keys(labels)
		.filter((k) => k !== 'target')
		.sort()
		.map((k) => `${k}=${JSON.stringify(labels[k])}`)
		.join(',');
	return `${name}{${body}}`;
}

const open = (t: Ticket) => t.resolved === null && t.closed === null;

/** Share of `list` whose `at` came within `limitMs` of created, among those decided at `now`. */
function deadlineShare(list: Ticket[], at: (t: Ticket) => number | null, limitMs: number, now: number): number | undefined {
	const decided = list.filter((t) => at(t) !== null || now - t.created >= limitMs);
	if (decided.length === 0) return undefined;
	return decided.filter((t) => at(t) !== null && at(t)! - t.created <= limitMs).length / decided.length;
}

function windowFigures(out: Map<string, number>, base: Record<string, string>, mine: Ticket[], now: number): void {
	for (const [w, ms] of WINDOWS) {
		const l = { ...base, window: w };
		const inW = mine.filter((t) => t.created > now - ms && t.created <= now);
		const put = (name: string, extra: Record<string, string>, v: number | undefined) => {
			if (v !== undefined) out.set(seriesKey(name, { ...l, ...extra }), v);
		};
		put('vigil_tickets_created', { kind: 'ticket' }, inW.filter((t) => t.kind === 'ticket').length);
		put('vigil_tickets_created', { kind: 'complaint' }, inW.filter((t) => t.kind === 'complaint').length);
		const responses = inW.filter((t) => t.firstResponse !== null).map((t) => (t.firstResponse! - t.created) / 1000);
		for (const le of BUCKETS) put('vigil_tickets_first_response_seconds_bucket', { le }, responses.filter((s) => s <= Number(le)).length);
		put('vigil_tickets_first_response_seconds_bucket', { le: '+Inf' }, responses.length);
		put('vigil_tickets_first_response_seconds_count', {}, responses.length);
		put('vigil_tickets_first_response_seconds_sum', {}, responses.reduce((a, b) => a + b, 0));
		put('vigil_tickets_answered_within_1m_ratio', {}, deadlineShare(inW, (t) => t.firstResponse, 60_000, now));
		put('vigil_tickets_answered_within_5m_ratio', {}, deadlineShare(inW, (t) => t.firstResponse, 300_000, now));
		const complaints = inW.filter((t) => t.kind === 'complaint');
		put('vigil_tickets_complaints_answered_within_24h_ratio', {}, deadlineShare(complaints, (t) => t.firstResponse, 24 * H, now));
		put('vigil_tickets_complaints_closed_within_48h_ratio', {}, deadlineShare(complaints, (t) => t.closed, 48 * H, now));
		put('vigil_tickets_resolved_ratio', {}, inW.length ? inW.filter((t) => !open(t)).length / inW.length : undefined);
		const rated = inW.filter((t) => t.rating !== null);
		put('vigil_tickets_rated', {}, rated.length);
		put('vigil_tickets_satisfaction_ratio', {}, rated.length ? rated.filter((t) => t.rating! >= 4).length / rated.length : undefined);
		put('vigil_tickets_satisfaction_mean', {}, rated.length ? rated.reduce((a, t) => a + t.rating!, 0) / rated.length : undefined);
	}
}

function groupFigures(out: Map<string, number>, base: Record<string, string>, mine: Ticket[], now: number): void {
	windowFigures(out, base, mine, now);
	const openOnes = mine.filter(open);
	for (const kind of ['ticket', 'complaint']) {
		for (const [age, from, to] of AGES) {
			const n = openOnes.filter((t) => t.kind === kind && now - t.created >= from && now - t.created < to).length;
			out.set(seriesKey('vigil_tickets_open', { ...base, kind, age }), n);
		}
	}
	const oldest = Math.min(...openOnes.map((t) => t.created));
	out.set(seriesKey('vigil_tickets_oldest_open_age_seconds', base), openOnes.length ? (now - oldest) / 1000 : 0);
}

/** Every derived figure at `now`, keyed by seriesKey, for the tickets' latest states. */
export function expectedFigures(tickets: Ticket[], now: number, maxLabelValues: number): Map<string, number> {
	const out = new Map<string, number>();
	const visible = tickets.filter((t) => open(t) || t.created > now - 30 * 24 * H);
	groupFigures(out, { by: 'all' }, visible, now);
	for (const dim of ['team', 'category', 'merchant'] as const) {
		const value = (t: Ticket) => (t[dim] === '' ? 'none' : t[dim]);
		const counts = new Map<string, number>();
		for (const t of visible) counts.set(value(t), (counts.get(value(t)) ?? 0) + 1);
		const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
		const kept = ranked.slice(0, maxLabelValues).map(([v]) => v);
		for (const v of kept) groupFigures(out, { by: dim, [dim]: v }, visible.filter((t) => value(t) === v), now);
		const rest = visible.filter((t) => !kept.includes(value(t)));
		if (rest.length) groupFigures(out, { by: dim, [dim]: 'other' }, rest, now);
		out.set(seriesKey('vigil_tickets_label_values_folded', { by: dim }), Math.max(0, ranked.length - maxLabelValues));
	}
	out.set(seriesKey('vigil_tickets_stored', {}), tickets.length);
	return out;
}

/** Tickets of a realistic mix over the last 40 days, from a seeded generator (same seed, same tickets). */
export function generateTickets(n: number, now: number, seed = 1): Ticket[] {
	let s = seed >>> 0;
	const rnd = () => {
		s = (s * 1664525 + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
	const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
	const teams = ['payments-desk', 'orders-desk', 'general', ''];
	const categories = ['payment', 'delivery', 'refund', 'account', 'product', 'other-stuff'];
	const out: Ticket[] = [];
	for (let i = 0; i < n; i++) {
		const created = now - Math.floor(rnd() ** 2 * 40 * 24 * H);
		const kind = rnd() < 0.3 ? 'complaint' : 'ticket';
		const r = rnd();
		// Response times from seconds to days; some never answered.
		const fr = r < 0.1 ? null : created + Math.floor(rnd() ** 3 * (r < 0.5 ? 600_000 : 3 * 24 * H));
		const firstResponse = fr !== null && fr <= now ? fr : null;
		const resolvedAt = firstResponse !== null && rnd() < 0.8 ? firstResponse + Math.floor(rnd() * 60 * H) : null;
		const resolved = resolvedAt !== null && resolvedAt <= now ? resolvedAt : null;
		const closed = resolved !== null && rnd() < 0.9 ? Math.min(now, resolved + Math.floor(rnd() * 4 * H)) : null;
		const rating = closed !== null && rnd() < 0.6 ? 1 + Math.floor(rnd() * 5) : null;
		out.push({
			id: `T-${seed}-${i}`,
			kind,
			created,
			firstResponse,
			resolved,
			closed,
			category: pick(categories),
			merchant: rnd() < 0.1 ? '' : `m${Math.floor(rnd() ** 2 * 30)}`,
			team: pick(teams),
			rating,
			updated: Math.max(created, firstResponse ?? 0, resolved ?? 0, closed ?? 0)
		});
	}
	return out;
}
