/**
 * The complaint analysis over a real Redis: complaint and ticket states in the ticket store and
 * incidents opened by alert events (tests/helpers/complaint-history.ts). The counts per day and
 * category and the growth rule are checked against a plain computation over the same tickets,
 * written out here without the read model's code; the incidents against their known times; the CSV
 * is parsed back.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { createKeys } from '../../src/lib/server/keys';
import { TicketStore } from '../../src/lib/server/tickets/store';
import { buildComplaintAnalysis, type ComplaintAnalysis } from '../../src/lib/server/views/complaints/load';
import { complaintCsv } from '../../src/lib/server/views/complaints/csv';
import { writeComplaintHistory, type ComplaintHistory } from '../helpers/complaint-history';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { parseCsv } from '../helpers/csv';

const DAY = 86_400_000;
const NOW = Date.now();
const PREFIX = 'cp:';

let server: TestRedis;
let redis: Redis;
let history: ComplaintHistory;
let result: ComplaintAnalysis;

function analyse(range: 'last-7d' | 'last-30d' | 'this-quarter', prefix = PREFIX): Promise<ComplaintAnalysis> {
	const keys = createKeys(prefix);
	return buildComplaintAnalysis({ tickets: new TicketStore(redis, keys, { retentionMs: 120 * DAY }), incidents: new IncidentStore(redis, keys), now: NOW }, { range, zone: 'UTC' });
}

beforeAll(async () => {
	server = await startTestRedis();
	redis = new Redis(server.url);
	history = await writeComplaintHistory(redis, PREFIX, NOW);
	result = await analyse('last-7d');
}, 60_000);

afterAll(async () => {
	redis.disconnect();
	await server.stop();
});

// --- the plain computation -------------------------------------------------------------------

/** Per category: complaints per UTC day since `from` (7 days), in the range, and in the 'same length' before. */
function expected(h: ComplaintHistory): Map<string, { days: number[]; total: number; previous: number }> {
	const len = NOW - h.from;
	const out = new Map<string, { days: number[]; total: number; previous: number }>();
	for (const t of h.tickets) {
		if (t.kind !== 'complaint') continue;
		const e = out.get(t.category) ?? { days: [0, 0, 0, 0, 0, 0, 0], total: 0, previous: 0 };
		if (t.created >= h.from && t.created < NOW) {
			e.days[Math.floor((t.created - h.from) / DAY)]!++;
			e.total++;
		} else if (t.created >= h.from - len && t.created < h.from) e.previous++;
		out.set(t.category, e);
	}
	return out;
}

describe('complaint analysis over a real Redis', () => {
	it('buckets the last 7 days by UTC day, today in progress, and compares with the same length before', () => {
		expect(result.bucket).toBe('day');
		expect(result.buckets).toHaveLength(7);
		expect(result.window).toEqual({ from: history.from, to: NOW });
		expect(result.previous).toEqual({ from: history.from - (NOW - history.from), to: history.from });
		expect(result.buckets.map((b) => b.from)).toEqual([0, 1, 2, 3, 4, 5, 6].map((d) => history.from + d * DAY));
		expect(result.buckets[6]!.to).toBe(NOW);
	});

	it('counts each category per day as the plain computation does, complaints only, each at its latest state', () => {
		const want = expected(history);
		expect(result.categories.map((c) => c.category).sort()).toEqual([...want.keys()].sort());
		for (const c of result.categories) {
			const w = want.get(c.category)!;
			expect(c.counts, c.category).toEqual(w.days);
			expect([c.total, c.previous, c.change], c.category).toEqual([w.total, w.previous, w.total - w.previous]);
			expect(c.changeRatio, c.category).toBe(w.previous === 0 ? null : (w.total - w.previous) / w.previous);
		}
		// The moved complaint counts once, under payment: 1 + 12 + 1 in the range, and the 20 payment questions not at all.
		expect(result.categories.find((c) => c.category === 'payment')!.total).toBe(14);
		expect(result.total).toBe([...want.values()].reduce((s, w) => s + w.total, 0));
	});

	it('flags exactly the categories with at least 5 and at least 50 % more complaints', () => {
		const want = expected(history);
		const grown = [...want].filter(([, w]) => w.total - w.previous >= 5 && (w.previous === 0 || w.total >= 1.5 * w.previous)).map(([c]) => c);
		expect(grown.sort()).toEqual(['app-crash', 'payment']);
		expect(result.categories.filter((c) => c.grown).map((c) => c.category).sort()).toEqual(grown);
		expect(result.grown.map((g) => g.category).sort()).toEqual(grown);
		// Just off the rule: refund (+200 % but 4 more), login (5 more but +42 %), '' (new, 3).
		for (const c of ['refund', 'login', '']) expect(result.categories.find((r) => r.category === c)!.grown, c).toBe(false);
	});

	it('lists the incidents open during the range, and for the payment wave the payments incident of its day', () => {
		const [checkout, , searchErrors, payments] = history.incidents;
		expect(result.incidents.map((i) => i.ref)).toEqual([checkout!.ref, searchErrors!.ref, payments!.ref]);
		const shown = result.incidents.find((i) => i.ref === payments!.ref)!;
		expect(payments!.title).toContain('Payment gateway errors');
		expect([shown.service, shown.title, shown.openedAt, shown.resolvedAt]).toEqual(['payments', payments!.title, payments!.openedAt, payments!.resolvedAt]);
		const wave = result.grown.find((g) => g.category === 'payment')!;
		expect([wave.busiest.from, wave.busiest.count]).toEqual([history.waveDay, 12]);
		// The checkout incident is still open, so it overlaps every day; the search errors were on day 1.
		expect(wave.incidentIds).toEqual([checkout!.id, payments!.id]);
		const crash = result.grown.find((g) => g.category === 'app-crash')!;
		expect([crash.busiest.from, crash.busiest.count]).toEqual([history.from + DAY, 5]);
		expect(crash.incidentIds).toEqual([checkout!.id, searchErrors!.id]);
	});

	it('writes the table as CSV that parses back to the counts', () => {
		const rows = parseCsv(complaintCsv(result));
		expect(rows[0]).toEqual(['category', ...result.buckets.map((b) => b.label), 'total', 'previous', 'change', 'change_ratio', 'grown']);
		const want = expected(history);
		expect(rows).toHaveLength(1 + want.size);
		for (const r of rows.slice(1)) {
			const w = want.get(r[0]!)!;
			expect(r.slice(1, 8).map(Number), r[0]).toEqual(w.days);
			expect(r.slice(8).map((x, i) => (i === 3 && x === '' ? null : i === 4 ? x : Number(x)))).toEqual([w.total, w.previous, w.total - w.previous, w.previous === 0 ? null : (w.total - w.previous) / w.previous, ['payment', 'app-crash'].includes(r[0]!) ? 'yes' : 'no']);
		}
	});

	it('buckets by week beyond 31 days', async () => {
		const quarter = await analyse('this-quarter');
		const long = quarter.window.to - quarter.window.from > 31 * DAY;
		expect(quarter.bucket).toBe(long ? 'week' : 'day');
		const last30 = await analyse('last-30d');
		expect([last30.bucket, last30.buckets.length]).toEqual(['day', 30]);
		// Every complaint of the range is in one bucket, whatever their size.
		for (const a of [quarter, last30]) for (const c of a.categories) expect(c.counts.reduce((s, n) => s + n, 0)).toBe(c.total);
	});
});

describe('complaint analysis without data', () => {
	it('has no categories, no incidents and says none are stored', async () => {
		const empty = await analyse('last-7d', 'empty:');
		expect([empty.categories, empty.grown, empty.incidents, empty.complaintsStored]).toEqual([[], [], [], 0]);
		expect(parseCsv(complaintCsv(empty))).toHaveLength(1);
	});
});

