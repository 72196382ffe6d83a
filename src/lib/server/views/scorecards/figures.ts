/**
 * The scorecards' figures, pure: tickets counted per merchant and per team for each quarter they
 * were created in (at their latest state, with the deadlines of the derived ticket series), order
 * counts joined in, each figure judged against its standard, and the rows ranked.
 */
import { COMPLAINT_ANSWERED_WITHIN_S, COMPLAINT_CLOSED_WITHIN_S, metDeadline, NONE, type Ticket } from '../../tickets';
import type { ScorecardStandards } from './standards';

export interface Quarter {
	/** "2026-Q3". */
	label: string;
	/** Epoch ms, [from, to). */
	from: number;
	to: number;
}

/** A merchant's orders in a quarter, as the query core counted them (increase of the counter). */
export interface OrderCounts {
	completed: number;
	failed: number;
	cancelled: number;
}

export interface MerchantFigures {
	/** null: no order data for the quarter. */
	orders: number | null;
	completion: number | null;
	tickets: number;
	complaints: number;
	rated: number;
	/** Share of rated tickets rated 4 or 5. */
	satisfaction: number | null;
	/** Complaints per order (complaints created in the quarter / orders of the quarter). */
	complaintRate: number | null;
	/** Shares of the quarter's complaints answered within 24 h and closed within 48 h, among those decided. */
	answered24h: number | null;
	closed48h: number | null;
	/** How many orders, ratings or complaints each share rests on (its denominator). */
	bases: Record<MerchantMeasure, number>;
}

export interface TeamFigures {
	tickets: number;
	complaints: number;
	/** Share answered within 5 minutes, among those decided. */
	answered5m: number | null;
	/** Share resolved or closed. */
	resolution: number | null;
	rated: number;
	satisfaction: number | null;
	/** How many tickets or ratings each share rests on (its denominator). */
	bases: Record<TeamMeasure, number>;
}

export const MERCHANT_MEASURES = ['completion', 'satisfaction', 'complaintRate', 'answered24h', 'closed48h'] as const;
export type MerchantMeasure = (typeof MERCHANT_MEASURES)[number];
export const TEAM_MEASURES = ['answered5m', 'resolution', 'satisfaction'] as const;
export type TeamMeasure = (typeof TEAM_MEASURES)[number];

/** Measures where less is better; every other one is a share where more is better. */
const LOWER_IS_BETTER: ReadonlySet<string> = new Set(['complaintRate']);

export interface QuarterCell<F, M> {
	quarter: string;
	figures: F;
	/** The measures below standard in that quarter (a measure without data is never below). */
	below: M[];
}

export interface ScoreRow<F, M> {
	rank: number;
	name: string;
	/** The quarter ranked on (the last of `trend`). */
	current: QuarterCell<F, M>;
	/** Oldest first, one cell per quarter shown. */
	trend: Array<QuarterCell<F, M>>;
}

interface Share {
	eligible: number;
	ok: number;
}

/** Ticket counts of one name (or of all tickets) in one quarter, from which the figures are made. */
export interface TicketCounts {
	tickets: number;
	complaints: number;
	rated: number;
	satisfied: number;
	resolved: number;
	answered5m: Share;
	answered24h: Share;
	closed48h: Share;
}

type Acc = TicketCounts;

const newAcc = (): Acc => ({ tickets: 0, complaints: 0, rated: 0, satisfied: 0, resolved: 0, answered5m: { eligible: 0, ok: 0 }, answered24h: { eligible: 0, ok: 0 }, closed48h: { eligible: 0, ok: 0 } });

function count(s: Share, met: boolean | undefined): void {
	if (met === undefined) return;
	s.eligible++;
	if (met) s.ok++;
}

const ratio = (s: Share): number | null => (s.eligible > 0 ? s.ok / s.eligible : null);

function add(a: Acc, t: Ticket, now: number): void {
	a.tickets++;
	count(a.answered5m, metDeadline(t.created, t.firstResponse, 300, now));
	if (t.kind === 'complaint') {
		a.complaints++;
		count(a.answered24h, metDeadline(t.created, t.firstResponse, COMPLAINT_ANSWERED_WITHIN_S, now));
		count(a.closed48h, metDeadline(t.created, t.closed, COMPLAINT_CLOSED_WITHIN_S, now));
	}
	if (t.resolved !== null || t.closed !== null) a.resolved++;
	if (t.rating !== null) {
		a.rated++;
		if (t.rating >= 4) a.satisfied++;
	}
}

/** The counts of several names summed: the figures of all of them together. */
export function sumCounts(list: readonly TicketCounts[]): TicketCounts {
	const out = newAcc();
	const addShare = (a: Share, b: Share) => {
		a.eligible += b.eligible;
		a.ok += b.ok;
	};
	for (const a of list) {
		out.tickets += a.tickets;
		out.complaints += a.complaints;
		out.rated += a.rated;
		out.satisfied += a.satisfied;
		out.resolved += a.resolved;
		addShare(out.answered5m, a.answered5m);
		addShare(out.answered24h, a.answered24h);
		addShare(out.closed48h, a.closed48h);
	}
	return out;
}

/** Ticket counts per name (merchant or team) per quarter index, for the tickets created in a quarter. */
export function countTickets(tickets: readonly Ticket[], quarters: readonly Quarter[], by: 'merchant' | 'team', now: number): Map<string, Acc[]> {
	const out = new Map<string, Acc[]>();
	for (const t of tickets) {
		const i = quarters.findIndex((q) => t.created >= q.from && t.created < q.to);
		if (i < 0) continue;
		const name = t[by] === '' ? NONE : t[by];
		let accs = out.get(name);
		if (!accs) out.set(name, (accs = quarters.map(newAcc)));
		add(accs[i]!, t, now);
	}
	return out;
}

export function merchantFigures(a: Acc | undefined, o: OrderCounts | undefined): MerchantFigures {
	const acc = a ?? newAcc();
	const orders = o ? o.completed + o.failed + o.cancelled : null;
	const hasOrders = orders !== null && orders > 0;
	return {
		orders,
		completion: hasOrders ? o!.completed / orders : null,
		tickets: acc.tickets,
		complaints: acc.complaints,
		rated: acc.rated,
		satisfaction: acc.rated > 0 ? acc.satisfied / acc.rated : null,
		complaintRate: hasOrders ? acc.complaints / orders : null,
		answered24h: ratio(acc.answered24h),
		closed48h: ratio(acc.closed48h),
		bases: { completion: orders ?? 0, satisfaction: acc.rated, complaintRate: orders ?? 0, answered24h: acc.answered24h.eligible, closed48h: acc.closed48h.eligible }
	};
}

export function teamFigures(a: Acc): TeamFigures {
	return {
		tickets: a.tickets,
		complaints: a.complaints,
		answered5m: ratio(a.answered5m),
		resolution: a.tickets > 0 ? a.resolved / a.tickets : null,
		rated: a.rated,
		satisfaction: a.rated > 0 ? a.satisfied / a.rated : null,
		bases: { answered5m: a.answered5m.eligible, resolution: a.tickets, satisfaction: a.rated }
	};
}

const STANDARD_OF: Record<MerchantMeasure | TeamMeasure, keyof ScorecardStandards> = {
	completion: 'completion',
	satisfaction: 'satisfaction',
	complaintRate: 'complaintRate',
	answered24h: 'complaintsAnswered24h',
	closed48h: 'complaintsClosed48h',
	answered5m: 'answered5m',
	resolution: 'resolution'
};

/**
 * Whether a value misses its standard. A missing value misses nothing (it is shown as "no data"),
 * nor does one resting on fewer than `standards.minSample` orders, ratings or tickets (`basis`).
 */
export function misses(measure: MerchantMeasure | TeamMeasure, value: number | null, standards: ScorecardStandards, basis = Infinity): boolean {
	if (value === null || basis < standards.minSample) return false;
	const std = standards[STANDARD_OF[measure]];
	return LOWER_IS_BETTER.has(measure) ? value > std : value < std;
}

export function cell<F extends object, M extends MerchantMeasure | TeamMeasure>(quarter: string, figures: F, measures: readonly M[], standards: ScorecardStandards): QuarterCell<F, M> {
	const values = figures as Record<string, number | null>;
	const bases = (figures as { bases?: Record<string, number> }).bases;
	return { quarter, figures, below: measures.filter((m) => misses(m, values[m] ?? null, standards, bases?.[m])) };
}

/**
 * Ranks rows. By `standing` (the default): fewest measures below standard first, then the
 * measures in their order (higher shares first, lower complaint rate first). By one measure: that
 * measure, best first. Rows without the value go last; ties by name.
 */
export function rank<F extends object, M extends MerchantMeasure | TeamMeasure>(rows: Array<Omit<ScoreRow<F, M>, 'rank'>>, measures: readonly M[], by: M | 'standing'): Array<ScoreRow<F, M>> {
	const order: readonly M[] = by === 'standing' ? measures : [by];
	const value = (r: Omit<ScoreRow<F, M>, 'rank'>, m: M) => (r.current.figures as Record<string, number | null>)[m] ?? null;
	const sorted = [...rows].sort((a, b) => {
		if (by === 'standing' && a.current.below.length !== b.current.below.length) return a.current.below.length - b.current.below.length;
		for (const m of order) {
			const va = value(a, m);
			const vb = value(b, m);
			if (va === vb) continue;
			if (va === null) return 1;
			if (vb === null) return -1;
			return LOWER_IS_BETTER.has(m) ? va - vb : vb - va;
		}
		return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
	});
	return sorted.map((r, i) => ({ ...r, rank: i + 1 }));
}
