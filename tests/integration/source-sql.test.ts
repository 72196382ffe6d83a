/**
 * The sql source against the PostgreSQL on 127.0.0.1:5432, with a table the test creates: rows
 * become labelled samples; the query cannot write; a slow query is cut by the statement timeout.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../helpers/collect';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

const URL = process.env.VIGIL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const table = `vigil_orders_${process.pid}_${Date.now()}`;
let redis: TestRedis;
let db: pg.Client;

beforeAll(async () => {
	redis = await startTestRedis();
	db = new pg.Client({ connectionString: URL });
	await db.connect();
	await db.query(`CREATE TABLE ${table} (id serial primary key, channel text not null, total numeric(10,2) not null, created_at timestamptz not null default now())`);
	await db.query(
		`INSERT INTO ${table} (channel, total, created_at) VALUES
		 ('web', 10.50, now()), ('web', 20, now()), ('app', 5.25, now() - interval '30 seconds'),
		 ('web', 99, now() - interval '2 hours')`
	);
});

afterAll(async () => {
	await db.query(`DROP TABLE IF EXISTS ${table}`);
	await db.end();
	await redis.stop();
});

describe('sql source', () => {
	it('stores one sample per row: the value column, and the other columns as labels', async () => {
		const c = await collect(redis.url, [
			{
				kind: 'sql',
				name: 'orders-db',
				interval: '300ms',
				url: URL,
				metric: 'shop_orders_last_minute',
				query: `SELECT channel, count(*) AS value, sum(total) AS revenue FROM ${table} WHERE created_at > now() - interval '1 minute' GROUP BY channel`,
				labelColumns: ['channel']
			}
		]);
		try {
			const rows = await c.waitFor('shop_orders_last_minute{target="orders-db"}', (r) => r.length === 2);
			expect(Object.fromEntries(rows.map((r) => [r.labels.channel, r.value]))).toEqual({ web: 2, app: 1 });
			expect(await c.value('up{target="orders-db"}')).toBe(1);
		} finally {
			await c.stop();
		}
	});

	it('keeps one pool and one error listener however many times it collects (no listener leak over weeks)', async () => {
		const warnings: string[] = [];
		const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
		process.on('warning', onWarning);
		const c = await collect(redis.url, [{ kind: 'sql', name: 'steady', interval: '100ms', url: URL, metric: 'steady_rows', query: `SELECT count(*) AS value FROM ${table}` }]);
		try {
			// Fifteen collections: more than the ten listeners Node warns at.
			for (let i = 0; i < 15; i++) await c.waitFor('up{target="steady"}', (r) => r[0]?.value === 1);
			await new Promise((r) => setTimeout(r, 1800));
			expect(await c.value('steady_rows{target="steady"}')).toBe(4);
		} finally {
			await c.stop();
			process.off('warning', onWarning);
		}
		expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
	});

	it('runs read-only: a query that writes fails, and the table is untouched', async () => {
		const c = await collect(redis.url, [
			{ kind: 'sql', name: 'sneaky', interval: '300ms', url: URL, metric: 'x', query: `DELETE FROM ${table} RETURNING 1 AS value` }
		]);
		try {
			expect(await c.value('up{target="sneaky"}')).toBe(0);
			expect((await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(4);
		} finally {
			await c.stop();
		}
	});

	it('cuts a slow query at the statement timeout', async () => {
		const c = await collect(redis.url, [
			{ kind: 'sql', name: 'slow', interval: '1s', timeout: '300ms', url: URL, metric: 'x', query: 'SELECT pg_sleep(5), 1 AS value' }
		]);
		try {
			expect(await c.value('up{target="slow"}')).toBe(0);
			expect(await c.value('collect_duration_seconds{target="slow"}')).toBeLessThan(1);
		} finally {
			await c.stop();
		}
	});

	it('counts an unreachable database as down', async () => {
		const c = await collect(redis.url, [{ kind: 'sql', name: 'nodb', interval: '300ms', url: 'postgres://postgres@127.0.0.1:1/test', metric: 'x', query: 'SELECT 1 AS value' }]);
		try {
			expect(await c.value('up{target="nodb"}')).toBe(0);
		} finally {
			await c.stop();
		}
	});
});
