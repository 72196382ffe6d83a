/**
 * The report loader over a real store: hours whose minute rollups are past their retention keep
 * their hour bucket. (The store answers a minute read of such hours with hour buckets; taking them
 * for minutes counted a quarter's oldest mixed hour as 59 minutes without data.) A period in
 * progress, and one Vigil started watching part-way, are judged over the time watched and
 * elapsed only: the future and the time before the first sample are neither up nor down.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { createKeys } from '../../src/lib/server/keys';
import { buildReport, DEFAULT_REPORT_SETTINGS, type Report } from '../../src/lib/server/views/reports/load';
import { monthPeriod, quarterPeriod } from '../../src/lib/server/views/reports/period';
import { reportTable } from '../../src/lib/server/views/reports/request';
import type { AlertEvent } from '../../src/lib/server/rules/types';
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
	const incidents = new IncidentStore(redis, createKeys('rl:'));
	const report = await buildReport({ store: reader, incidents, windows: [], now, retention: resolveRetention(undefined) }, DEFAULT_REPORT_SETTINGS, { kind: 'custom', label: 'custom', zone: 'UTC', from, to: end }, null);
	const s = report.services.find((x) => x.service === 'payments')!;
	expect(s.daily.filter((d) => d.noData > 0).map((d) => `${d.day} ${d.noData}`), JSON.stringify(s.seconds)).toEqual([]);
	expect(s.seconds.noData).toBe(0);
	expect(s.seconds.down).toBe(down);
	expect(s.seconds.period).toBe(90 * 86_400);
}, 120_000);

describe('a period in progress, watched part-way', () => {
	// Vigil started on 28 November at 12:00 UTC; it is now 7 December, 07:24 UTC. `up` every 10 s,
	// down for 5 minutes on 3 December. Three incidents: 3 and 20 November, 2 December.
	const S = Date.UTC(2026, 10, 28, 12);
	const NOW = Date.UTC(2026, 11, 7, 7, 24);
	const OUTAGE: [number, number] = [Date.UTC(2026, 11, 3, 10), Date.UTC(2026, 11, 3, 10, 5)];
	const prefix = 'rp:';
	let deps: Parameters<typeof buildReport>[0];

	beforeAll(async () => {
		let writing = S;
		const writer = new RedisStore(redis, { prefix, now: () => writing, liveKey: null });
		for (let day = S; day < NOW; day += DAY) {
			const ts: number[] = [];
			const values: number[] = [];
			for (let t = day; t < Math.min(NOW, day + DAY); t += 10_000) {
				ts.push(t);
				values.push(t >= OUTAGE[0] && t < OUTAGE[1] ? 0 : 1);
			}
			writing = Math.min(NOW, day + DAY);
			await writer.write([{ name: 'up', labels: { service: 'shop', target: 'shop' }, ts, values, intervalMs: 10_000 }]);
			while ((await writer.sealDue(5000)) > 0) {
				// seal as the store's sealer would (the hour being written stays open)
			}
		}
		const keys = createKeys(prefix);
		let at = 0;
		const incidents = new IncidentStore(redis, keys, { now: () => at });
		for (const [k, opened] of [Date.UTC(2026, 10, 3, 9), Date.UTC(2026, 10, 20, 9), Date.UTC(2026, 11, 2, 9)].entries()) {
			const e: AlertEvent = { ruleId: 'shop/Down', fingerprint: `f${k}`, labels: { alertname: 'Down', service: 'shop' }, from: 'pending', to: 'firing', at: opened, value: 1 };
			await redis.xadd(keys.alerts.events, '*', 'e', JSON.stringify(e));
			await incidents.applyEvents();
			at = opened + 10 * 60_000;
			await incidents.resolve(String(k + 1), { actor: 'user:eve' });
		}
		deps = { store: new RedisStore(redis, { prefix, now: () => NOW, liveKey: null }), incidents, windows: [], now: NOW, retention: resolveRetention(undefined) };
	});

	const judgedDec = (NOW - Date.UTC(2026, 11, 1)) / 1000; // 6 d 7 h 24 min
	const judgedNov = (Date.UTC(2026, 11, 1) - S) / 1000; // 2 d 12 h

	it('the month so far: availability and budget over the elapsed time, the future and the unwatched days without a figure', async () => {
		const r = await buildReport(deps, DEFAULT_REPORT_SETTINGS, monthPeriod('UTC', 2026, 11), null);
		expect(r.coverage).toMatchObject({ from: Date.UTC(2026, 11, 1), to: NOW, inProgress: true, watchedFrom: null });
		expect(r.coverage.text).toContain('month in progress: 6 d 7 h of 31 d so far');
		const s = r.services[0]!;
		expect(s.seconds).toMatchObject({ period: judgedDec, down: 300, noData: 0, counted: judgedDec, up: judgedDec - 300 });
		expect(s.seconds.availability).toBeCloseTo(1 - 300 / judgedDec, 12);
		expect(r.overall.availability).toBeCloseTo(1 - 300 / judgedDec, 12);
		// The budget is 0.1 % of the time judged (545 s), of which 300 s are used.
		expect(s.budgetSeconds).toBeCloseTo(0.001 * judgedDec, 6);
		expect(s.budgetUsed).toBeCloseTo(300 / (0.001 * judgedDec), 9);
		expect(s.daily.map((d) => d.state)).toEqual([...Array(6).fill('whole'), 'partial', ...Array(24).fill('future')]);
		expect(s.daily.filter((d) => d.state === 'future').every((d) => d.availability === null && d.judged === 0)).toBe(true);
		expect(s.daily[2]!.availability).toBeCloseTo(1 - 300 / 86_400, 12);
		expect(s.daily[6]).toMatchObject({ availability: 1, judged: 7 * 3600 + 24 * 60, noData: 0 });
		// November by the same rule: only the 2.5 days watched, all up.
		expect(r.previousCoverage).toMatchObject({ from: S, to: Date.UTC(2026, 11, 1), inProgress: false, watchedFrom: S });
		expect(s.trend.before).toBe(1);
		// Incidents: one so far, against November's first 6 d 7 h 24 min (one, on the 3rd; not the 20th).
		expect(r.incidents.previousCountTo).toBe(Date.UTC(2026, 10, 1) + judgedDec * 1000);
		expect(r.incidents.trends.count).toMatchObject({ now: 1, before: 1 });
		expect(r.policy.text).toContain('time before Vigil\'s first sample of a target and time not yet elapsed not counted');
		sameInCsv(r);
	});

	it('the quarter so far: watched since 28 November; October and most of November have no figure', async () => {
		const r = await buildReport(deps, DEFAULT_REPORT_SETTINGS, quarterPeriod('UTC', 2026, 4), null);
		expect(r.coverage).toMatchObject({ from: S, to: NOW, inProgress: true, watchedFrom: S });
		expect(r.coverage.text).toMatch(/quarter in progress: 67 d 7 h of 92 d so far .*Vigil has watched since 2026-11-28 12:00 UTC, 8 d 19 h of it/);
		const s = r.services[0]!;
		expect(s.watchedFrom).toBe(S);
		expect(s.seconds).toMatchObject({ period: judgedNov + judgedDec, down: 300, noData: 0 });
		expect(s.seconds.availability).toBeCloseTo(1 - 300 / (judgedNov + judgedDec), 12);
		const states = s.daily.map((d) => d.state);
		expect(states.slice(0, 58)).toEqual(Array(58).fill('unwatched')); // 1 October to 27 November
		expect(states.slice(58, 60)).toEqual(['partial', 'whole']); // 28 November from noon
		expect(s.daily[58]).toMatchObject({ availability: 1, judged: 12 * 3600 });
		expect(states.filter((x) => x === 'future')).toHaveLength(24);
		expect(s.daily.filter((d) => d.state === 'unwatched').every((d) => d.availability === null)).toBe(true);
		// Q3 was not watched at all: no previous figure, rather than 0 %.
		expect(s.trend.before).toBeNull();
		sameInCsv(r);
	});
});

/** The CSV tables carry the JSON's numbers. */
function sameInCsv(r: Report): void {
	const services = reportTable(r, 'services');
	const col = (name: string) => services.header.indexOf(name);
	r.services.forEach((s, i) => {
		const row = services.rows[i]!;
		expect(row[col('judged_seconds')]).toBe(s.seconds.period);
		expect(row[col('availability')]).toBeCloseTo(s.seconds.availability!, 6);
		expect(row[col('budget_used')]).toBeCloseTo(s.budgetUsed!, 5);
		expect(row[col('judged_to')]).toBe(new Date(r.coverage.to).toISOString());
	});
	const daily = reportTable(r, 'daily');
	expect(daily.rows.map((row) => row[daily.header.indexOf('state')])).toEqual(r.services.flatMap((s) => s.daily.map((d) => d.state)));
}

it('a service up all along reads 100 % at any moment, whatever the place of its samples in their minute', async () => {
	// Probes every 2 s at 0.804 s past the even second, as a collector started at an odd moment runs;
	// read at several moments between two probes (one 2.4 minutes after the first, as a new user sees).
	const first = Date.UTC(2026, 11, 7, 9, 0, 12, 804);
	for (const [i, after] of [0.1, 0.7, 1.3, 1.9].entries()) {
		const last = first + 72 * 2000;
		const now = last + after * 1000;
		const store = new RedisStore(redis, { prefix: `rphase${i}:`, now: () => now, liveKey: null });
		const ts: number[] = [];
		for (let t = first; t <= last; t += 2000) ts.push(t);
		await store.write([{ name: 'up', labels: { service: 'shop', target: 'shop' }, ts, values: ts.map(() => 1), intervalMs: 2000 }]);
		const incidents = new IncidentStore(redis, createKeys(`rphase${i}:`));
		const r = await buildReport({ store, incidents, windows: [], now, retention: resolveRetention(undefined) }, DEFAULT_REPORT_SETTINGS, monthPeriod('UTC', 2026, 11), null);
		const shop = r.services[0]!;
		expect(shop.seconds, `read ${after} s after the last probe`).toMatchObject({ noData: 0, down: 0, availability: 1 });
		// Judged from the first probe to within an interval of now.
		expect(shop.seconds.period).toBeGreaterThan((last - first) / 1000 - 2);
		expect(shop.seconds.period).toBeLessThanOrEqual((now - first) / 1000);
	}
});

it('now, for a series whose next sample is on its way, is its latest; a series gone silent counts as no data to now', async () => {
	const NOW = Date.UTC(2026, 11, 7, 7, 24, 3);
	const from = NOW - 20 * 60_000;
	const store = new RedisStore(redis, { prefix: 'rq:', now: () => NOW, liveKey: null });
	const series = (service: string, until: number) => {
		const ts: number[] = [];
		for (let t = from; t <= until; t += 2000) ts.push(t);
		return { name: 'up', labels: { service, target: service }, ts, values: ts.map(() => 1), intervalMs: 2000 };
	};
	// The shop's latest probe is 3 s old (the next one is being collected); the queue's is 10 min old.
	await store.write([series('shop', NOW - 3000), series('queue', NOW - 10 * 60_000)]);
	const incidents = new IncidentStore(redis, createKeys('rq:'));
	const r = await buildReport({ store, incidents, windows: [], now: NOW, retention: resolveRetention(undefined) }, DEFAULT_REPORT_SETTINGS, monthPeriod('UTC', 2026, 11), null);
	const shop = r.services.find((s) => s.service === 'shop')!;
	// Judged to where its samples end (07:24:00), not a second of "no data" after them.
	expect(shop.seconds).toMatchObject({ noData: 0, down: 0, availability: 1, period: (NOW - 3000 - from) / 1000 });
	const queue = r.services.find((s) => s.service === 'queue')!;
	// From the end of its last sample (07:14:05) to now: 598 s, to a sample's interval (a bucket credits
	// a sample's interval to the minute the sample is in).
	expect(Math.abs(queue.seconds.noData - 598)).toBeLessThanOrEqual(2);
	expect(queue.seconds.period).toBe((NOW - from) / 1000);
});
