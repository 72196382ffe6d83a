/**
 * The tickets source against the PostgreSQL on 127.0.0.1:5432 (or VIGIL_TEST_POSTGRES_URL), with a
 * table of the documented shape: every row reaches the ticket store, each run reads only the rows
 * changed since the last, reopened and re-rated tickets count once at their latest state, a bad
 * row is refused by name, and every derived figure equals an independent computation over the same
 * tickets. Skipped, saying so, when PostgreSQL does not answer.
 */
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../../src/lib/server/keys';
import { TicketStore } from '../../src/lib/server/tickets/store';
import type { Ticket } from '../../src/lib/server/tickets/model';
import { collect, type Collecting } from '../helpers/collect';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { expectedFigures, generateTickets, seriesKey } from '../helpers/ticket-figures';

const URL = process.env.VIGIL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresAnswers(): Promise<string | null> {
	const c = new pg.Client({ connectionString: URL, connectionTimeoutMillis: 3000 });
	try {
		await c.connect();
		await c.end();
		return null;
	} catch (err) {
		return (err as Error).message;
	}
}

const absent = await postgresAnswers();
if (absent) console.warn(`tickets-sql: skipped, PostgreSQL at ${URL.replace(/:[^:@/]*@/, ':***@')} does not answer (${absent}); set VIGIL_TEST_POSTGRES_URL`);

const table = `vigil_tickets_${process.pid}_${Date.now()}`;
const MAX_LABEL_VALUES = 5;
const N = 3000;
let redis: TestRedis;
let client: Redis;
let db: pg.Client;
let store: TicketStore;
let c: Collecting;

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

async function insert(tickets: Ticket[]): Promise<void> {
	const col = <K extends keyof Ticket>(k: K) => tickets.map((t) => t[k]);
	await db.query(
		`INSERT INTO ${table} (id, kind, created_at, first_response_at, resolved_at, closed_at, category, merchant, team, satisfaction, updated_at)
		 SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::smallint[], $11::timestamptz[])`,
		[col('id'), col('kind'), tickets.map((t) => iso(t.created)), tickets.map((t) => iso(t.firstResponse)), tickets.map((t) => iso(t.resolved)), tickets.map((t) => iso(t.closed)), col('category'), tickets.map((t) => t.merchant || null), col('team'), col('rating'), tickets.map((t) => iso(t.updated))]
	);
}

/** Sum of every rows-read sample so far: each changed row is read once. */
async function rowsRead(): Promise<number> {
	const r = await c.store.raw('vigil_tickets_source_rows_read{target="helpdesk"}', 0, Date.now() + 60_000);
	return r.flatMap((s) => s.values).reduce((a, b) => a + b, 0);
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check()) return;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`not within ${timeoutMs} ms: ${what}`);
}

/**
 * Compares every derived series of the last run with the independent figures; tries again (up to 5
 * times) when it read while a run was being written (series of two runs).
 */
async function expectFiguresOf(tickets: Ticket[]): Promise<number> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await compareFigures(tickets);
		} catch (err) {
			if (attempt >= 5) throw err;
			await new Promise((r) => setTimeout(r, 150));
		}
	}
}

async function compareFigures(tickets: Ticket[]): Promise<number> {
	const latest = (await c.store.latest('{__name__=~"vigil_tickets_.+",target="helpdesk"}')).filter((r) => !r.labels.__name__!.startsWith('vigil_tickets_source_'));
	const ts = Math.max(...latest.map((r) => r.ts));
	const got = new Map(latest.filter((r) => r.ts === ts).map((r) => [seriesKey(r.labels.__name__!, Object.fromEntries(Object.entries(r.labels).filter(([k]) => k !== '__name__'))), r.value]));
	const want = expectedFigures(tickets, ts, MAX_LABEL_VALUES);
	expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
	for (const [k, v] of want) expect(got.get(k), k).toBeCloseTo(v, 6);
	return want.size;
}

describe.skipIf(absent !== null)('tickets source (PostgreSQL)', () => {
	const now = Date.now();
	const tickets = generateTickets(N, now, 7);

	beforeAll(async () => {
		redis = await startTestRedis();
		client = new Redis(redis.url);
		store = new TicketStore(client, createKeys(`tks${process.pid}:`), { retentionMs: 90 * 86_400_000 });
		db = new pg.Client({ connectionString: URL });
		await db.connect();
		await db.query(`CREATE TABLE ${table} (
			id text PRIMARY KEY, kind text NOT NULL, created_at timestamptz NOT NULL, first_response_at timestamptz,
			resolved_at timestamptz, closed_at timestamptz, category text, merchant text, team text,
			satisfaction smallint, updated_at timestamptz NOT NULL)`);
		await db.query(`CREATE INDEX ON ${table} (updated_at, id)`);
		await insert(tickets);
		c = await collect(redis.url, [{ kind: 'tickets', name: 'helpdesk', interval: '400ms', timeout: '5s', url: URL, table, batchSize: 700, settle: '2s' }], { tickets: { store, maxLabelValues: MAX_LABEL_VALUES } });
	});

	afterAll(async () => {
		await c?.stop();
		await db?.query(`DROP TABLE IF EXISTS ${table}`);
		await db?.end();
		client?.disconnect();
		await redis?.stop();
	});

	it('stores every row as a ticket, reading each once, and derives every figure as the independent computation does', async () => {
		await waitUntil(async () => (await store.count()) === N && (await rowsRead()) === N, `${N} tickets stored`);
		expect(await store.get(tickets[10]!.id)).toEqual(tickets[10]);
		const series = await expectFiguresOf(tickets);
		// Every figure by team, category and merchant, under the cardinality limit: a few hundred series.
		expect(series).toBeGreaterThan(500);
		expect(await c.value('vigil_tickets_label_values_folded{target="helpdesk",by="merchant"}')).toBeGreaterThan(0);
	});

	it('counts reopened and re-rated tickets once, at their latest state, reading only the changed rows', async () => {
		const before = await rowsRead();
		const changedAt = Date.now();
		const closed = tickets.filter((t) => t.closed !== null && t.rating !== null);
		const reopened = closed.slice(0, 40).map((t) => ({ ...t, resolved: null, closed: null, rating: null, updated: changedAt }));
		const rerated = closed.slice(40, 100).map((t) => ({ ...t, rating: t.rating === 5 ? 1 : 5, updated: changedAt }));
		// One statement, as a helpdesk's transaction would be: it commits well within `settle` of its updated_at.
		const changed = [...reopened, ...rerated];
		await db.query(
			`UPDATE ${table} AS t SET resolved_at = c.resolved_at, closed_at = c.closed_at, satisfaction = c.satisfaction, updated_at = c.updated_at
			 FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::smallint[], $5::timestamptz[]) AS c(id, resolved_at, closed_at, satisfaction, updated_at)
			 WHERE t.id = c.id`,
			[changed.map((t) => t.id), changed.map((t) => iso(t.resolved)), changed.map((t) => iso(t.closed)), changed.map((t) => t.rating), changed.map((t) => iso(t.updated))]
		);
		const latest = new Map(tickets.map((t) => [t.id, t]));
		for (const t of [...reopened, ...rerated]) latest.set(t.id, t);
		await waitUntil(async () => (await rowsRead()) === before + 100, 'the 100 changed rows read');
		// A few more runs: none reads a row again.
		await new Promise((r) => setTimeout(r, 1200));
		expect(await rowsRead()).toBe(before + 100);
		expect(await store.count()).toBe(N);
		expect(await store.get(reopened[0]!.id)).toEqual(reopened[0]);
		expect((await store.get(rerated[0]!.id))?.rating).toBe(rerated[0]!.rating);
		await expectFiguresOf([...latest.values()]);
	});

	it('refuses a bad row by its id and column, and goes on with the others', async () => {
		const t0 = Date.now();
		await db.query(
			`INSERT INTO ${table} (id, kind, created_at, satisfaction, updated_at, team) VALUES
			 ('BAD-1', 'ticket', $1, 7, $1, 'general'), ('BAD-2', 'question', $1, NULL, $1, 'general'), ('GOOD-1', 'complaint', $1, NULL, $1, 'general')`,
			[new Date(t0).toISOString()]
		);
		await waitUntil(async () => (await store.get('GOOD-1')) !== null, 'the good row stored');
		await waitUntil(async () => (await c.store.raw('vigil_tickets_source_rows_refused{target="helpdesk"}', t0 - 1000, Date.now() + 60_000)).some((s) => s.values.includes(2)), 'two rows refused');
		expect(await store.get('BAD-1')).toBeNull();
		expect(await store.get('BAD-2')).toBeNull();
	});

	it('keeps deriving from the stored tickets while the database is unreachable, and says the target is down', async () => {
		// 1 s: deriving every stored ticket must fit the run's timeout on a loaded machine (at 300 ms a
		// run that overran it was written as a timeout, its series as stale markers).
		const down = await collect(redis.url, [{ kind: 'tickets', name: 'nodb', interval: '1s', url: 'postgres://postgres@127.0.0.1:1/test' }], { tickets: { store, maxLabelValues: MAX_LABEL_VALUES } });
		try {
			expect(await down.value('up{target="nodb"}')).toBe(0);
			const stored = await down.waitFor('vigil_tickets_stored{target="nodb"}', (r) => r.length === 1 && Number.isFinite(r[0]!.value));
			expect(stored[0]!.value).toBe(await store.count());
		} finally {
			await down.stop();
		}
	});
});
