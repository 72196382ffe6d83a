/**
 * The scorecards read model over a real Redis: known ticket states in the ticket store and order
 * counters in the time-series store (written as they happened, sealed into rollups), across a past
 * quarter and the current one. Every figure is checked against a plain computation over the same
 * tickets and counter rates, written out here without the read model's code; the CSV is parsed
 * back and checked against the figures.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../../src/lib/server/keys';
import { TicketStore } from '../../src/lib/server/tickets/store';
import type { Ticket } from '../../src/lib/server/tickets/model';
import { currentPeriod, previousPeriod } from '../../src/lib/server/views/reports/period';
import { buildScorecards, type Scorecards } from '../../src/lib/server/views/scorecards/load';
import { scorecardCsv } from '../../src/lib/server/views/scorecards/csv';
import { DEFAULT_SCORECARD_STANDARDS } from '../../src/lib/server/views/scorecards/standards';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { DAY, HOUR, resolveRetention } from '../../src/lib/server/tsdb/types';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { parseCsv } from '../helpers/csv';

const MIN = 60_000;
const STEP = 5 * MIN;
// Redis expires the store's keys by the real clock, so the data is written around the real now:
// the current quarter (in progress) and the one before it.
const NOW = Math.floor(Date.now() / STEP) * STEP;
const Q4 = currentPeriod('quarter', 'UTC', NOW);
const Q3 = previousPeriod(Q4);
// The counters start at 0 within the past quarter, at most 80 days ago: hour rollups are sealed from
// minute rollups, whose keys Redis expires 90 days after their day by its own clock, so a test
// writing older days "as they happened" would find them gone (a live store seals them in time).
const ORDERS_FROM = Math.min(Q3.to - 5 * DAY, Math.max(Q3.from + DAY, Math.floor((NOW - 80 * DAY) / DAY) * DAY));
const TICKETS_FROM = Q3.from + 24 * DAY;
const TICKET_RETENTION = 120 * DAY;
/** Orders added per 5 minutes, by merchant and outcome: the counters grow linearly. */
const RATES: Record<string, { completed: number; failed: number; cancelled: number }> = {
	'acme-electronics': { completed: 39, failed: 0.6, cancelled: 0.4 },
	'fresh-grocer': { completed: 9, failed: 0.6, cancelled: 0.4 }
};

/** A small seeded generator, so the tickets are the same at every run. */
function seeded(seed: number): () => number {
	let a = seed;
	return () => {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function makeTickets(): Ticket[] {
	const r = seeded(7);
	const merchants = ['acme-electronics', 'fresh-grocer', 'gadget-hub'];
	const teams = ['orders-desk', 'payments-desk'];
	const out: Ticket[] = [];
	for (let i = 0; i < 600; i++) {
		const created = TICKETS_FROM + Math.floor(r() * (NOW - TICKETS_FROM));
		const kind = r() < 0.35 ? 'complaint' : 'ticket';
		const slow = r() < 0.15;
		const answerAfter = slow ? (r() < 0.5 ? 30 * HOUR : 10 * MIN) : Math.floor(r() * 6 * MIN);
		const firstResponse = created + answerAfter <= NOW && r() < 0.95 ? created + answerAfter : null;
		const closeAfter = r() < 0.2 ? 60 * HOUR : Math.floor(r() * 40 * HOUR);
		const closed = firstResponse !== null && created + closeAfter <= NOW && r() < 0.9 ? Math.max(firstResponse, created + closeAfter) : null;
		const resolved = closed !== null ? closed - Math.floor(r() * MIN) : null;
		const rating = closed !== null && r() < 0.7 ? 1 + Math.floor(r() * 5) : null;
		out.push({
			id: `T-${i}`,
			kind,
			created,
			firstResponse,
			resolved: resolved !== null && resolved < created ? created : resolved,
			closed,
			category: kind === 'complaint' ? 'delivery' : 'question',
			merchant: merchants[Math.floor(r() * merchants.length)]!,
			team: teams[Math.floor(r() * teams.length)]!,
			rating,
			updated: Math.min(NOW, (closed ?? firstResponse ?? created) + MIN)
		});
	}
	return out;
}

// --- the plain computation -------------------------------------------------------------------

const inQ = (t: Ticket, q: { from: number; to: number }) => t.created >= q.from && t.created < q.to;
function deadlineShare(list: Ticket[], at: (t: Ticket) => number | null, limitMs: number): number | null {
	const decided = list.filter((t) => at(t) !== null || NOW - t.created >= limitMs);
	if (decided.length === 0) return null;
	return decided.filter((t) => at(t) !== null && at(t)! - t.created <= limitMs).length / decided.length;
}
function satisfaction(list: Ticket[]): number | null {
	const rated = list.filter((t) => t.rating !== null);
	return rated.length === 0 ? null : rated.filter((t) => t.rating! >= 4).length / rated.length;
}
/** Orders of a merchant in [from, to): the counters' rate times the 5-minute steps in it since they started. */
function trueOrders(merchant: string, from: number, to: number): { completed: number; all: number } | null {
	const rate = RATES[merchant];
	if (!rate) return null;
	const steps = Math.max(0, (Math.min(to, NOW) - Math.max(from, ORDERS_FROM)) / STEP);
	return { completed: rate.completed * steps, all: (rate.completed + rate.failed + rate.cancelled) * steps };
}

// --- setup --------------------------------------------------------------------------------------

let server: TestRedis;
let redis: Redis;
let tickets: Ticket[];
let result: Scorecards;

beforeAll(async () => {
	server = await startTestRedis();
	redis = new Redis(server.url);
	let writing = ORDERS_FROM;
	const writer = new RedisStore(redis, { prefix: 'sc:', now: () => writing, liveKey: null });
	for (let day = ORDERS_FROM; day <= NOW; day += DAY) {
		const ts: number[] = [];
		for (let t = day; t < Math.min(day + DAY, NOW + 1); t += STEP) ts.push(t);
		writing = Math.min(NOW, day + DAY + 2 * HOUR);
		await writer.write(
			Object.entries(RATES).flatMap(([merchant, rate]) =>
				(['completed', 'failed', 'cancelled'] as const).map((outcome) => ({
					name: 'shop_merchant_orders_total',
					labels: { merchant, outcome },
					ts,
					values: ts.map((t) => (rate[outcome] * (t - ORDERS_FROM)) / STEP),
					intervalMs: STEP
				}))
			)
		);
		while ((await writer.sealDue(5000)) > 0) {
			// seal as the store's sealer would
		}
	}
	// The store keeps what was updated within its retention: those are the tickets to count.
	tickets = makeTickets().filter((t) => t.updated >= NOW - TICKET_RETENTION);
	const ticketStore = new TicketStore(redis, createKeys('sc:'), { retentionMs: TICKET_RETENTION });
	await ticketStore.upsert(tickets, NOW);
	const reader = new RedisStore(redis, { prefix: 'sc:', now: () => NOW, liveKey: null });
	result = await buildScorecards(
		{ tickets: ticketStore, store: reader, now: NOW, retention: resolveRetention(undefined) },
		{ standards: DEFAULT_SCORECARD_STANDARDS, ordersMetric: 'shop_merchant_orders_total', zone: 'UTC' }
	);
}, 180_000);

afterAll(async () => {
	redis.disconnect();
	await server.stop();
});

describe('scorecards over a real Redis', () => {
	it('shows the quarters the data reaches, the current one in progress, the past one partial when its start is past the ticket retention', () => {
		expect(result.quarters.map((q) => [q.label, q.inProgress, q.ticketsPartial])).toEqual([
			[Q3.label, false, Q3.from < NOW - TICKET_RETENTION],
			[Q4.label, true, false]
		]);
		expect(result.ticketsStored).toBe(tickets.length);
	});

	it('gives every merchant figure of every quarter as the plain computation does', () => {
		expect(result.merchants.map((m) => m.name).sort()).toEqual(['acme-electronics', 'fresh-grocer', 'gadget-hub']);
		for (const row of result.merchants) {
			for (const [i, q] of [Q3, Q4].entries()) {
				const f = row.trend[i]!.figures;
				const list = tickets.filter((t) => t.merchant === row.name && inQ(t, q));
				const complaints = list.filter((t) => t.kind === 'complaint');
				const orders = trueOrders(row.name, q.from, q.to);
				const where = `${row.name} ${q.label}`;
				expect(f.tickets, where).toBe(list.length);
				expect(f.complaints, where).toBe(complaints.length);
				expect(f.satisfaction, where).toBe(satisfaction(list));
				expect(f.answered24h, where).toBe(deadlineShare(complaints, (t) => t.firstResponse, 24 * HOUR));
				expect(f.closed48h, where).toBe(deadlineShare(complaints, (t) => t.closed, 48 * HOUR));
				if (orders === null) {
					expect([f.orders, f.completion, f.complaintRate], where).toEqual([null, null, null]);
					continue;
				}
				// increase() reads a linear counter: the ratio is exact, the count within a sample or two.
				expect(f.completion!, where).toBeCloseTo(orders.completed / orders.all, 9);
				expect(Math.abs(f.orders! - orders.all) / orders.all, `${where}: ${f.orders} orders, expected ${orders.all}`).toBeLessThan(0.005);
				expect(f.complaintRate!, where).toBeCloseTo(complaints.length / orders.all, 4);
			}
		}
	});

	it('gives every team figure as the plain computation does', () => {
		for (const row of result.teams) {
			for (const [i, q] of [Q3, Q4].entries()) {
				const f = row.trend[i]!.figures;
				const list = tickets.filter((t) => t.team === row.name && inQ(t, q));
				expect(f.tickets).toBe(list.length);
				expect(f.answered5m).toBe(deadlineShare(list, (t) => t.firstResponse, 5 * MIN));
				expect(f.resolution).toBe(list.filter((t) => t.resolved !== null || t.closed !== null).length / list.length);
				expect(f.satisfaction).toBe(satisfaction(list));
			}
		}
	});

	it('flags fresh-grocer below the completion standard and ranks by standards missed', () => {
		const fresh = result.merchants.find((m) => m.name === 'fresh-grocer')!;
		expect(fresh.current.below).toContain('completion');
		expect(result.merchants.find((m) => m.name === 'acme-electronics')!.current.below).not.toContain('completion');
		const missed = result.merchants.map((m) => m.current.below.length);
		expect(missed).toEqual([...missed].sort((a, b) => a - b));
		expect(result.merchants.map((m) => m.rank)).toEqual([1, 2, 3]);
		// Every flag is a figure on the wrong side of its standard.
		const std = DEFAULT_SCORECARD_STANDARDS;
		for (const m of result.merchants) {
			const f = m.current.figures;
			const expected = [
				f.completion !== null && f.completion < std.completion ? 'completion' : null,
				f.satisfaction !== null && f.satisfaction < std.satisfaction ? 'satisfaction' : null,
				f.complaintRate !== null && f.complaintRate > std.complaintRate ? 'complaintRate' : null,
				f.answered24h !== null && f.answered24h < std.complaintsAnswered24h ? 'answered24h' : null,
				f.closed48h !== null && f.closed48h < std.complaintsClosed48h ? 'closed48h' : null
			].filter((x) => x !== null);
			expect(m.current.below).toEqual(expected);
		}
	});

	it('writes CSV that parses back to the figures', () => {
		const rows = parseCsv(scorecardCsv(result, 'merchants'));
		const header = rows[0]!;
		expect(header.slice(0, 5)).toEqual(['rank', 'merchant', 'quarter', 'orders', 'completion_ratio']);
		const body = rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]!])));
		expect(body).toHaveLength(result.merchants.length * 2);
		for (const m of result.merchants) {
			for (const c of m.trend) {
				const row = body.find((b) => b.merchant === m.name && b.quarter === c.quarter)!;
				expect(Number(row.rank)).toBe(m.rank);
				expect(row.completion_ratio === '' ? null : Number(row.completion_ratio)).toBe(c.figures.completion);
				expect(row.satisfaction_ratio === '' ? null : Number(row.satisfaction_ratio)).toBe(c.figures.satisfaction);
				expect(Number(row.complaints)).toBe(c.figures.complaints);
				expect(row.below_standard).toBe(c.below.join(' '));
			}
		}
		const teams = parseCsv(scorecardCsv(result, 'teams'));
		expect(teams[0]).toEqual(['rank', 'team', 'quarter', 'tickets', 'answered_5m_ratio', 'resolution_ratio', 'rated', 'satisfaction_ratio', 'below_standard']);
		expect(teams).toHaveLength(1 + result.teams.length * 2);
	});
});

describe('scorecards without data', () => {
	it('shows the one quarter asked for, no rows, and says no orders were seen', async () => {
		const empty = await buildScorecards(
			{ tickets: new TicketStore(redis, createKeys('empty:'), { retentionMs: TICKET_RETENTION }), store: new RedisStore(redis, { prefix: 'empty:', now: () => NOW, liveKey: null }), now: NOW, retention: resolveRetention(undefined) },
			{ standards: DEFAULT_SCORECARD_STANDARDS, ordersMetric: 'shop_merchant_orders_total', zone: 'UTC', quarter: Q3.label }
		);
		expect(empty.quarters.map((q) => q.label)).toEqual([Q3.label]);
		expect([empty.merchants, empty.teams, empty.ticketsStored, empty.ordersSeen]).toEqual([[], [], 0, false]);
		expect(parseCsv(scorecardCsv(empty, 'merchants'))).toHaveLength(1);
	});
});

