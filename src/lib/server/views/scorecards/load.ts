/**
 * Builds the merchant and team scorecards: the stored tickets (their latest states) counted per
 * quarter of their creation, and each merchant's orders per quarter read through the numeric query
 * core as `sum by (merchant, outcome) (increase(<orders metric>[quarter]))`.
 *
 * A quarter's orders are read in two parts: hour rollups up to the last whole hour (rollups reach
 * back as far as the store keeps hours, two years by default), and raw samples for the hour in
 * progress, whose rollup bucket is not yet a whole hour.
 */
import { processQueryLimits, rangeSeries, type QueryLimits } from '../../promql';
import type { Ticket, TicketStore } from '../../tickets';
import { HOUR, type Retention, type TimeSeriesStore } from '../../tsdb';
import { currentPeriod, parsePeriodLabel, previousPeriod, type Period } from '../reports';
import { cell, countTickets, MERCHANT_MEASURES, merchantFigures, rank, TEAM_MEASURES, teamFigures, type MerchantFigures, type MerchantMeasure, type OrderCounts, type Quarter, type ScoreRow, type TeamFigures, type TeamMeasure } from './figures';
import type { ScorecardStandards } from './standards';

export interface ScorecardDeps {
	tickets: Pick<TicketStore, 'all' | 'options'>;
	store: Pick<TimeSeriesStore, 'raw' | 'range' | 'series'>;
	now: number;
	retention: Retention;
	/** @defaultValue the process's query limits */
	limits?: QueryLimits;
}

export interface ScorecardOptions {
	standards: ScorecardStandards;
	/** The counter of orders, labelled `merchant` and `outcome` (completed, failed, cancelled). */
	ordersMetric: string;
	/** The time zone quarters start in. */
	zone: string;
	/** The quarter ranked ("2026-Q3"); the current one when absent. */
	quarter?: string;
	merchantSort?: MerchantMeasure | 'standing';
	teamSort?: TeamMeasure | 'standing';
}

export interface ShownQuarter extends Quarter {
	/** It has not ended yet: its figures are so far. */
	inProgress: boolean;
	/** Some of its tickets may be gone: it began before the ticket store's retention. */
	ticketsPartial: boolean;
}

export interface Scorecards {
	generatedAt: number;
	zone: string;
	standards: ScorecardStandards;
	ordersMetric: string;
	/** Oldest first; the last is the quarter ranked. */
	quarters: ShownQuarter[];
	merchants: Array<ScoreRow<MerchantFigures, MerchantMeasure>>;
	teams: Array<ScoreRow<TeamFigures, TeamMeasure>>;
	ticketsStored: number;
	/** Tickets older than this are no longer stored (the ticket store's retention). */
	ticketsKeptSince: number;
	/** Any order series at all. */
	ordersSeen: boolean;
	/** The order query's error, when it failed (the ticket figures are still shown). */
	ordersError?: string;
}

/** Quarters shown at most: two years. */
export const MAX_QUARTERS = 8;

type OrderMap = Map<string, OrderCounts>;

async function increaseBy(deps: ScorecardDeps, metric: string, at: number, rangeMs: number, step: number, into: OrderMap): Promise<void> {
	const limits = deps.limits ?? processQueryLimits();
	const expr = `sum by (merchant, outcome) (increase(${metric}[${rangeMs}ms]))`;
	const series = await rangeSeries({ store: deps.store, now: deps.now, retention: deps.retention, limits }, expr, at, at, step, 30_000);
	for (const s of series) {
		const merchant = s.labels.merchant ?? '';
		const outcome = s.labels.outcome;
		const v = s.values[0];
		if (merchant === '' || v === undefined || !Number.isFinite(v)) continue;
		if (outcome !== 'completed' && outcome !== 'failed' && outcome !== 'cancelled') continue;
		const c = into.get(merchant) ?? { completed: 0, failed: 0, cancelled: 0 };
		c[outcome] += v;
		into.set(merchant, c);
	}
}

/** Each merchant's orders in a quarter: hour rollups to the last whole hour, raw samples after it. */
export async function ordersIn(deps: ScorecardDeps, metric: string, q: Quarter): Promise<OrderMap> {
	const out: OrderMap = new Map();
	const lastHour = Math.floor(deps.now / HOUR) * HOUR;
	const hoursTo = Math.min(q.to, lastHour);
	if (hoursTo > q.from) await increaseBy(deps, metric, hoursTo, hoursTo - q.from, HOUR, out);
	const rawFrom = Math.max(q.from, lastHour);
	// A step under a minute reads raw samples (readPlan): the hour in progress has no whole rollup yet.
	if (q.to > lastHour && deps.now > rawFrom) await increaseBy(deps, metric, deps.now, deps.now - rawFrom, 1000, out);
	return out;
}

/** The quarter ranked and the ones before it, back to the first that holds any data (at most MAX_QUARTERS). */
export function quartersShown(last: Quarter, earliestData: number | null, now: number, ticketsKeptSince: number, zone: string): ShownQuarter[] {
	const out: ShownQuarter[] = [];
	let p: Period = { kind: 'quarter', label: last.label, zone, from: last.from, to: last.to };
	for (let i = 0; i < MAX_QUARTERS; i++, p = previousPeriod(p)) {
		if (i > 0 && (earliestData === null || p.to <= earliestData)) break;
		out.unshift({ label: p.label, from: p.from, to: p.to, inProgress: now < p.to, ticketsPartial: p.from < ticketsKeptSince });
	}
	return out;
}

function earliest(tickets: readonly Ticket[], orderFirst: number | null): number | null {
	let min = orderFirst;
	for (const t of tickets) if (min === null || t.created < min) min = t.created;
	return min;
}

function merchantRows(tickets: readonly Ticket[], quarters: readonly ShownQuarter[], orders: readonly OrderMap[], options: ScorecardOptions, now: number): Array<ScoreRow<MerchantFigures, MerchantMeasure>> {
	const counted = countTickets(tickets, quarters, 'merchant', now);
	const names = new Set([...counted.keys(), ...orders.flatMap((m) => [...m.keys()])]);
	const rows = [...names].map((name) => {
		const trend = quarters.map((q, i) => cell(q.label, merchantFigures(counted.get(name)?.[i], orders[i]!.get(name)), MERCHANT_MEASURES, options.standards));
		return { name, trend, current: trend[trend.length - 1]! };
	});
	return rank(rows, MERCHANT_MEASURES, options.merchantSort ?? 'standing');
}

function teamRows(tickets: readonly Ticket[], quarters: readonly ShownQuarter[], options: ScorecardOptions, now: number): Array<ScoreRow<TeamFigures, TeamMeasure>> {
	const counted = countTickets(tickets, quarters, 'team', now);
	const rows = [...counted].map(([name, accs]) => {
		const trend = quarters.map((q, i) => cell(q.label, teamFigures(accs[i]!), TEAM_MEASURES, options.standards));
		return { name, trend, current: trend[trend.length - 1]! };
	});
	return rank(rows, TEAM_MEASURES, options.teamSort ?? 'standing');
}

/** The scorecards of the quarter asked for (or the current one) and the quarters before it. */
export async function buildScorecards(deps: ScorecardDeps, options: ScorecardOptions): Promise<Scorecards> {
	const { now } = deps;
	const last = (options.quarter ? parsePeriodLabel(options.quarter, options.zone) : null) ?? currentPeriod('quarter', options.zone, now);
	const ticketsKeptSince = now - deps.tickets.options.retentionMs;
	const [tickets, orderSeries] = await Promise.all([deps.tickets.all(), deps.store.series([{ name: '__name__', op: '=', value: options.ordersMetric }])]);
	const orderFirst = orderSeries.reduce<number | null>((min, s) => (s.firstTs !== undefined && (min === null || s.firstTs < min) ? s.firstTs : min), null);
	const quarters = quartersShown(last, earliest(tickets, orderFirst), now, ticketsKeptSince, options.zone);
	let orders: OrderMap[] = quarters.map(() => new Map());
	let ordersError: string | undefined;
	if (orderSeries.length > 0) {
		try {
			orders = await Promise.all(quarters.map((q) => (q.from >= now ? Promise.resolve(new Map()) : ordersIn(deps, options.ordersMetric, q))));
		} catch (err) {
			ordersError = (err as Error).message;
		}
	}
	return {
		generatedAt: now,
		zone: options.zone,
		standards: options.standards,
		ordersMetric: options.ordersMetric,
		quarters,
		merchants: merchantRows(tickets, quarters, orders, options, now),
		teams: teamRows(tickets, quarters, options, now),
		ticketsStored: tickets.length,
		ticketsKeptSince,
		ordersSeen: orderSeries.length > 0,
		...(ordersError !== undefined ? { ordersError } : {})
	};
}
