/**
 * Staged targets over a real Redis: a report over a period that spans a next stage's day judges
 * each hour by the level in force when it began and says how far the period is from the next
 * stage (checked against a count of the same hours done here); the leader's target series are
 * stored and answer queries, and the `next` series ends when its day begins.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertsRole } from '../../alerts/role';
import { SloTargetWriter } from '../../alerts/slo-targets';
import { systemClock } from '../../src/lib/server/clock';
import type { TimeSeriesStore } from '../../src/lib/server/tsdb';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { createKeys } from '../../src/lib/server/keys';
import { createLogger } from '../../src/lib/server/log';
import { DEFAULT_QUERY_LIMITS, rangeSeries } from '../../src/lib/server/promql';
import { buildReport, DEFAULT_REPORT_SETTINGS, type ReportSettings } from '../../src/lib/server/views/reports/load';
import { reportTable } from '../../src/lib/server/views/reports/request';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { HOUR, resolveRetention } from '../../src/lib/server/tsdb/types';
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

// 1 July 2027 begins at 22:00 UTC on 30 June in Berlin.
const ZONE = 'Europe/Berlin';
const DAY_START = Date.UTC(2027, 5, 30, 22);
const satisfaction = { name: 'customer satisfaction', expr: 'avg(satisfaction_ratio)', op: '>=' as const, threshold: 0.9, objective: 0.9, unit: 'ratio' as const, next: { threshold: 0.95, from: '2027-07-01' } };

describe('a report over a period spanning the next stage', () => {
	it('judges the hours before the day by 90 %, those from it by 95 %, and shows the gap to the next stage', async () => {
		const prefix = 'ss:';
		const from = DAY_START - 24 * HOUR;
		const to = DAY_START + 24 * HOUR;
		const now = to + HOUR;
		// Satisfaction every minute: 93 % until 12 h 30 min into the day, 97 % after.
		const switchAt = DAY_START + 12.5 * HOUR;
		const value = (t: number) => (t < switchAt ? 0.93 : 0.97);
		let writing = from - HOUR;
		const writer = new RedisStore(redis, { prefix, now: () => writing, liveKey: null });
		for (let h = from - HOUR; h < to + HOUR; h += 6 * HOUR) {
			const ts: number[] = [];
			const values: number[] = [];
			for (let t = h; t < h + 6 * HOUR; t += 60_000) {
				ts.push(t);
				values.push(value(t));
			}
			writing = h + 6 * HOUR;
			await writer.write([{ name: 'satisfaction_ratio', labels: { team: 'support' }, ts, values, intervalMs: 60_000 }]);
			while ((await writer.sealDue(5000)) > 0) {
				// seal as the store's sealer would
			}
		}
		const reader = new RedisStore(redis, { prefix, now: () => now, liveKey: null });
		const settings: ReportSettings = { ...DEFAULT_REPORT_SETTINGS, timeZone: ZONE, slos: [satisfaction] };
		const report = await buildReport({ store: reader, incidents: new IncidentStore(redis, createKeys(prefix)), windows: [], now, retention: resolveRetention(undefined) }, settings, { kind: 'custom', label: 'custom', zone: ZONE, from, to }, null);
		const s = report.slos[0]!;
		expect(s.error).toBeUndefined();

		// The same hours counted here: an hour [e − 1 h, e) takes the value at its end e; its level is
		// the one in force at its start.
		let good = 0;
		let nextGood = 0;
		let underNext = 0;
		let steps = 0;
		for (let e = from + HOUR; e <= to; e += HOUR) {
			const v = value(e);
			const level = e - HOUR >= DAY_START ? 0.95 : 0.9;
			steps++;
			if (v >= level) good++;
			if (v >= 0.95) nextGood++;
			if (e - HOUR >= DAY_START) underNext++;
		}
		// 24 hours at 93 % before the day meet 90 %; from the day, 12 at 93 % miss 95 % and 12 at 97 % meet it.
		expect([steps, good, nextGood, underNext]).toEqual([48, 36, 12, 24]);
		expect(s.steps).toBe(steps);
		expect(s.good).toBe(good);
		expect(s.compliance).toBeCloseTo(good / steps, 12);
		expect(s.met).toBe(false);
		expect(s.levelInForce).toBe(0.95);
		expect(s.next).toMatchObject({ threshold: 0.95, from: '2027-07-01', fromMs: DAY_START, reached: true, stepsUnderNext: underNext, good: nextGood, meets: false });
		expect(s.next!.compliance).toBeCloseTo(nextGood / steps, 12);
		expect(s.next!.gap).toBeCloseTo(nextGood / steps - 0.9, 12);

		// The CSV's next-stage columns say the same.
		const csv = reportTable(report, 'slos');
		const row = Object.fromEntries(csv.header.map((h, i) => [h, csv.rows[0]![i]]));
		expect(row).toMatchObject({ target: 'customer satisfaction', threshold: 0.9, level_in_force: 0.95, next_threshold: 0.95, next_from: '2027-07-01', next_reached: 'yes', next_good_hours: 12, next_compliance: 0.25, next_gap_pp: -65, meets_next: 'no', good_hours: 36 });

		// A period before the day: judged by 90 % throughout, the stage ahead, the gap still shown.
		const before = await buildReport({ store: reader, incidents: new IncidentStore(redis, createKeys(prefix)), windows: [], now, retention: resolveRetention(undefined) }, settings, { kind: 'custom', label: 'custom', zone: ZONE, from, to: DAY_START }, null);
		expect(before.slos[0]).toMatchObject({ steps: 24, good: 24, levelInForce: 0.9, met: true, next: { reached: false, stepsUnderNext: 0, good: 0, compliance: 0, meets: false } });
	}, 60_000);
});

describe('the target series', () => {
	it('are written by the writer, answer queries, and the next stage ends when its day begins', async () => {
		const prefix = 'st:';
		let clock = DAY_START - 10 * 60_000;
		const store = new RedisStore(redis, { prefix, now: () => clock, liveKey: null });
		const slos = [satisfaction, { name: 'complaints answered', threshold: 86_400, next: { threshold: 43_200, from: '2027-07-01' } }, { name: 'first response', threshold: 0.95 }];
		const writer = new SloTargetWriter({ slos, timeZone: ZONE, intervalMs: 60_000 }, store, { now: () => clock }, createLogger({ level: 'silent' }));
		const query = async (expr: string, at: number) =>
			(await rangeSeries({ store, now: at, retention: resolveRetention(undefined), limits: DEFAULT_QUERY_LIMITS }, expr, at, at, 1000, 10_000))
				.map((s): Record<string, unknown> => ({ ...s.labels, value: s.values[0] }))
				.sort((a, b) => `${String(a.slo)}${String(a.stage)}`.localeCompare(`${String(b.slo)}${String(b.stage)}`));

		for (let i = 0; i < 3; i++) {
			await writer.writeNow();
			clock += 60_000;
		}
		const t1 = clock - 60_000;
		expect(await query('vigil_slo_target', t1)).toEqual([
			{ __name__: 'vigil_slo_target', slo: 'complaints answered', stage: 'current', value: 86_400 },
			{ __name__: 'vigil_slo_target', slo: 'complaints answered', stage: 'next', value: 43_200 },
			{ __name__: 'vigil_slo_target', slo: 'customer satisfaction', stage: 'current', value: 0.9 },
			{ __name__: 'vigil_slo_target', slo: 'customer satisfaction', stage: 'next', value: 0.95 },
			{ __name__: 'vigil_slo_target', slo: 'first response', stage: 'current', value: 0.95 }
		]);
		expect(await query('vigil_slo_target_from_seconds{slo="customer satisfaction"}', t1)).toEqual([{ __name__: 'vigil_slo_target_from_seconds', slo: 'customer satisfaction', value: DAY_START / 1000 }]);
		// How far the level in force is from the next, as a rule would compare them.
		expect(await query('vigil_slo_target{stage="next"} - ignoring(stage) vigil_slo_target{stage="current"}', t1)).toEqual([
			{ slo: 'complaints answered', value: -43_200 },
			{ slo: 'customer satisfaction', value: expect.closeTo(0.05, 12) }
		]);

		// The day begins: `current` takes the next level, `next` and `from_seconds` end at once (stale markers).
		clock = DAY_START + 60_000;
		await writer.writeNow();
		expect(await query('vigil_slo_target{slo="customer satisfaction"}', clock)).toEqual([{ __name__: 'vigil_slo_target', slo: 'customer satisfaction', stage: 'current', value: 0.95 }]);
		expect(await query('vigil_slo_target{stage="next"}', clock)).toEqual([]);
		expect(await query('vigil_slo_target_from_seconds', clock)).toEqual([]);
		await writer.stop();
	}, 60_000);
});

describe('the alerts role writes the target series', () => {
	it('from the leader only: a standby writes none', async () => {
		const prefix = 'sr:';
		const keys = createKeys(prefix);
		const log = createLogger({ level: 'silent' });
		const store = new RedisStore(redis, { prefix, liveKey: null });
		/** The store as one process sees it, counting the target samples it writes. */
		const counted = () => {
			const c = { targets: 0, store: undefined as unknown as TimeSeriesStore };
			c.store = new Proxy(store, {
				get(target, prop, receiver) {
					if (prop === 'write')
						return (series: Parameters<TimeSeriesStore['write']>[0], o?: Parameters<TimeSeriesStore['write']>[1]) => {
							c.targets += series.filter((x) => x.name.startsWith('vigil_slo_target')).length;
							return target.write(series, o);
						};
					return Reflect.get(target, prop, receiver) as unknown;
				}
			});
			return c;
		};
		const start = (c: ReturnType<typeof counted>, node: string) =>
			startAlertsRole({
				log,
				redis,
				store: c.store,
				keys,
				nodeId: node,
				config: { ruleFiles: [], defaultInterval: 30_000, evaluationTimeout: 5_000, leaseTtl: 15_000, externalLabels: {} },
				configDir: '.',
				clock: systemClock,
				revisionPollMs: 3_600_000,
				sloTargets: { slos: [satisfaction], timeZone: ZONE }
			});
		const a = counted();
		const b = counted();
		const leader = await start(a, 'node-a');
		const deadline = Date.now() + 10_000;
		while (!leader.leader || a.targets === 0) {
			if (Date.now() > deadline) throw new Error('the leader wrote no target series');
			await new Promise((r) => setTimeout(r, 20));
		}
		const standby = await start(b, 'node-b');
		await new Promise((r) => setTimeout(r, 1000));
		expect(standby.leader).toBe(false);
		expect(b.targets).toBe(0);
		const [current] = await store.latest([{ name: '__name__', op: '=', value: 'vigil_slo_target' }, { name: 'stage', op: '=', value: 'current' }]);
		expect(current).toMatchObject({ labels: { slo: 'customer satisfaction', stage: 'current' }, value: Date.now() < DAY_START ? 0.9 : 0.95 });
		await standby.stop();
		await leader.stop();
	}, 30_000);
});
