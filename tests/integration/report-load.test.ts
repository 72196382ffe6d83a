/**
 * The report loader over a real store: hours whose minute rollups are past their retention keep
 * their hour bucket. (The store answers a minute read of such hours with hour buckets; taking them
 * for minutes counted a quarter's oldest mixed hour as 59 minutes without data.)
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { createKeys } from '../../src/lib/server/keys';
import { buildReport, DEFAULT_REPORT_SETTINGS } from '../../src/lib/server/reports/load';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { DAY, HOUR, resolveRetention } from '../../src/lib/server/tsdb/types';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let server: TestRedis;
let redis: Redis;
beforeAll(async () => {
	server = await startTestRedis();
	redis = new Redis(server.url);
});
afterAll(async () => {
	redis.disconnect();
	await server.stop();
});

it('counts the down samples of a quarter exactly, also in hours whose minute rollups have expired', async () => {
	const end = Math.floor(Date.now() / DAY) * DAY;
	const from = end - 90 * DAY; // read an hour after its end, the period's first hour is past the minutes' 90-day retention
	const now = end + HOUR;
	// Written as it happened: the writer's clock is a little after each day it writes, and it seals as it goes.
	let writing = from;
	const writer = new RedisStore(redis, { prefix: 'rl:', now: () => writing, liveKey: null });
	// Down for 2 minutes at the start, 7 minutes on day 40, 30 s on the last day; every 10 s.
	const outages: Array<[number, number]> = [
		[from + 60_000, from + 180_000],
		[from + 40 * DAY + 5 * 60_000, from + 40 * DAY + 12 * 60_000],
		[end - 3 * HOUR, end - 3 * HOUR + 30_000]
	];
	let down = 0;
	for (let d = 0; d < 90; d++) {
		const ts: number[] = [];
		const values: number[] = [];
		for (let t = from + d * DAY; t < from + (d + 1) * DAY; t += 10_000) {
			const isDown = outages.some(([a, b]) => t >= a && t < b);
			ts.push(t);
			values.push(isDown ? 0 : 1);
			if (isDown) down += 10;
		}
		writing = from + (d + 1) * DAY + 2 * HOUR;
		await writer.write([{ name: 'up', labels: { service: 'payments', target: 'payments' }, ts, values, intervalMs: 10_000 }]);
		while ((await writer.sealDue(5000)) > 0) {
			// seal as the store's sealer would
		}
	}
	expect(down).toBe(120 + 420 + 30);
	const reader = new RedisStore(redis, { prefix: 'rl:', now: () => now, liveKey: null });
	const incidents = new IncidentStore(redis, createKeys('rl:').alerts);
	const report = await buildReport({ store: reader, incidents, windows: [], now, retention: resolveRetention(undefined) }, DEFAULT_REPORT_SETTINGS, { kind: 'custom', label: 'custom', zone: 'UTC', from, to: end }, null);
	const s = report.services.find((x) => x.service === 'payments')!;
	expect(s.daily.filter((d) => d.noData > 0).map((d) => `${d.day} ${d.noData}`), JSON.stringify(s.seconds)).toEqual([]);
	expect(s.seconds.noData).toBe(0);
	expect(s.seconds.down).toBe(down);
	expect(s.seconds.period).toBe(90 * 86_400);
}, 120_000);
