/**
 * The alerts role on a private redis-server with a clock the test moves: rules from Redis are
 * evaluated at their interval, state survives a restart of the role without losing `for` progress
 * (for-outage tolerance) and without announcing again what already fired, and rule changes are
 * picked up without a restart. One default for a group's evaluation interval: the config's
 * `alerts.defaultInterval: 1m` is what the engine runs a group that names none at, what the rules
 * API answers and what the rule page (the rule detail) shows. Recording rules write series that
 * the query API, backtests and the wall's live tail read like scraped ones.
 */
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertsRole, type AlertsRole } from '../../alerts/role';
import { RuleRepository } from '../../src/lib/server/alerting/ruleset';
import { AlertStateStore } from '../../src/lib/server/alerting/state';
import { ManualClock } from '../../src/lib/server/clock';
import { createKeys } from '../../src/lib/server/keys';
import { createLogger } from '../../src/lib/server/log';
import type { AlertEvent, RuleState } from '../../src/lib/server/rules';
import { promRules } from '../../src/lib/server/prom-api/rules';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { readRuleDetail, runBacktest } from '../../src/lib/server/views';
import { instantQuery, rangeQuery } from '../../src/lib/server/prom-api/query';
import { LiveTail } from '../../src/lib/server/live-tail';
import { LiveBoards } from '../../src/lib/server/web/live/boards';
import { LiveSend } from '../../src/lib/server/web/live/socket';
import { DEFAULT_RETENTION } from '../../src/lib/server/tsdb/types';
import { boardDef } from '../../src/lib/shared/boards';
import { parseConfig } from '../../runtime/config';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let server: TestRedis;
let redis: Redis;
let n = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = createLogger({ level: (process.env.TEST_LOG as never) ?? 'silent' });

beforeAll(async () => {
	server = await startTestRedis();
	redis = new Redis(server.url);
});
afterAll(async () => {
	redis.disconnect();
	await server.stop();
});

const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;

async function setup() {
	const prefix = `role${++n}:`;
	const keys = createKeys(prefix);
	const clock = new ManualClock(T0 + 1);
	const store = new RedisStore(redis, { prefix, now: () => clock.now() });
	// m = 5 every 10 s around the test's window.
	const ts = Array.from({ length: 240 }, (_, i) => T0 - 600_000 + i * 10_000);
	await store.write([{ name: 'm', labels: { job: 'shop' }, ts, values: ts.map(() => 5) }]);
	const repo = new RuleRepository(redis, keys);
	await repo.save([{ name: 'g', interval: '10s', rules: [{ alert: 'High', expr: 'm > 1', for: '1m', labels: { severity: 'critical' }, annotations: { summary: 'm is {{ $value }}' } }] }], { author: 'test' });
	const states = new AlertStateStore<RuleState, AlertEvent>(redis, keys);
	const start = (evaluationTimeout = 5_000): Promise<AlertsRole> =>
		startAlertsRole({
			log,
			redis,
			store,
			keys,
			nodeId: `node-${Math.random()}`,
			config: { ruleFiles: [], defaultInterval: 30_000, evaluationTimeout, leaseTtl: 15_000, externalLabels: {} },
			configDir: '.',
			clock,
			revisionPollMs: 3_600_000
		});
	/** Moves the clock to the next 10 s mark and waits until the rule's state is saved for it. */
	const tick = async () => {
		const next = Math.floor(clock.now() / 10_000) * 10_000 + 10_000;
		await clock.advance(next - clock.now());
		const deadline = Date.now() + 10_000;
		while ((await states.get('g/High'))?.savedAt !== next) {
			if (Date.now() > deadline) throw new Error(`no evaluation saved for ${next - T0} ms`);
			// Evaluations do real I/O: let them finish, then run the timers they set for marks now due.
			await new Promise((r) => setTimeout(r, 5));
			await clock.advance(0);
		}
		return (await states.get('g/High'))!.state;
	};
	const waitLeader = async (role: AlertsRole) => {
		const deadline = Date.now() + 5000;
		while (!role.leader) {
			if (Date.now() > deadline) throw new Error('did not become leader');
			await new Promise((r) => setTimeout(r, 5));
		}
		// Let it load rules and state, then schedule.
		await new Promise((r) => setTimeout(r, 50));
	};
	return { keys, clock, store, repo, states, start, tick, waitLeader };
}

describe('alerts role', () => {
	it('evaluates rules from Redis at their interval: pending, then firing after `for`', async () => {
		const t = await setup();
		const role = await t.start();
		await t.waitLeader(role);
		let s = await t.tick();
		expect(s.instances.map((i) => i.state)).toEqual(['pending']);
		expect(s.instances[0]!.labels).toEqual({ alertname: 'High', job: 'shop', severity: 'critical' });
		expect(s.instances[0]!.annotations).toEqual({ summary: 'm is 5' });
		for (let i = 0; i < 6; i++) s = await t.tick();
		expect(s.instances.map((i) => i.state)).toEqual(['firing']);
		const events = await t.states.events({ ruleId: 'g/High' });
		expect(events.map((e) => `${e.from}>${e.to}`)).toEqual(['pending>firing', 'inactive>pending']);
		await role.stop();
	});

	it('resumes `for` progress after a restart with the outage taken out, and never announces again what fired', async () => {
		const t = await setup();
		let role = await t.start();
		await t.waitLeader(role);
		const first = await t.tick(); // pending from here
		const activeAt = first.instances[0]!.activeAt;
		for (let i = 0; i < 4; i++) await t.tick(); // 40 s into a 60 s `for`
		await role.stop();

		await t.clock.advance(30_000); // the outage
		const restart = t.clock.now();
		role = await t.start();
		await t.waitLeader(role);
		let s = await t.tick();
		expect(s.instances[0]!.state).toBe('pending');
		expect(s.instances[0]!.activeAt).toBe(activeAt + (restart - (activeAt + 40_000)));
		s = await t.tick();
		// 20 s after the restart (two marks), the remaining 20 s of `for` have passed.
		expect(s.instances[0]!.state).toBe('firing');
		expect(s.instances[0]!.firedAt! - restart).toBeLessThanOrEqual(20_000);
		await role.stop();

		// Restart a firing rule: it stays firing, with no new event.
		const before = (await t.states.events({ ruleId: 'g/High' })).length;
		await t.clock.advance(5_000);
		role = await t.start();
		await t.waitLeader(role);
		s = await t.tick();
		s = await t.tick();
		expect(s.instances[0]!.state).toBe('firing');
		expect(await t.states.events({ ruleId: 'g/High' })).toHaveLength(before);
		await role.stop();
	});

	it('counts an evaluation whose data read hangs as an error, never as ok, and keeps the instances', async () => {
		const t = await setup();
		const role = await t.start(300);
		await t.waitLeader(role);
		expect((await t.tick()).instances.map((i) => i.state)).toEqual(['pending']);
		// Redis stops answering for 1.5 s: the read is cut at the 300 ms evaluation timeout.
		const pauser = new Redis(server.url);
		await pauser.client('PAUSE', 1500, 'ALL');
		const s = await t.tick();
		pauser.disconnect();
		expect(s.health).toBe('error');
		expect(s.lastError).toMatch(/took longer than the evaluation timeout \(300 ms\)/);
		expect(s.instances.find((i) => i.labels.job === 'shop')!.state).toBe('pending');
		expect(s.instances.some((i) => i.state === 'error')).toBe(true);
		// Redis answers again: the next evaluation is healthy, and `for` progress was not lost.
		const after = await t.tick();
		expect(after.health).toBe('ok');
		expect(after.instances.map((i) => i.state)).toEqual(['pending']);
		expect(after.instances[0]!.activeAt).toBe(s.instances.find((i) => i.labels.job === 'shop')!.activeAt);
		await role.stop();
	});

	it('picks up a changed rule set without a restart, and a rule that stops matching resolves', async () => {
		const t = await setup();
		const role = await t.start();
		await t.waitLeader(role);
		expect((await t.tick()).instances[0]!.state).toBe('pending');
		await t.repo.save([{ name: 'g', interval: '10s', rules: [{ alert: 'High', expr: 'm > 100', for: '1m' }] }], { author: 'test' });
		await role.reloadRules();
		const s = await t.tick();
		// A pending instance that no longer matches is dropped (Prometheus semantics).
		expect(s.instances).toEqual([]);
		await role.stop();
	});

	it('evaluates recording rules in group order: their series are stored, alerts after them read them at the same evaluation, a series that stops is marked stale', async () => {
		const t = await setup();
		await t.repo.save(
			[
				{
					name: 'g',
					interval: '10s',
					rules: [
						{ alert: 'Before', expr: 'm:double > 9' },
						{ record: 'm:double', expr: 'm * 2 > 0', labels: { source: 'rule' } },
						{ alert: 'High', expr: 'm:double > 9' }
					]
				}
			],
			{ author: 'test', replace: 'all' }
		);
		const role = await t.start();
		await t.waitLeader(role);
		const first = await t.tick();
		const at = (await t.states.get('g/High'))!.savedAt;
		// The alert after the recording rule saw what it wrote at this evaluation.
		expect(first.instances.map((i) => [i.state, i.labels])).toEqual([['firing', { alertname: 'High', job: 'shop', source: 'rule' }]]);
		// The one before it did not yet: its input had no data (Vigil's nodata state).
		expect((await t.states.get('g/Before'))!.state.instances.map((i) => i.state)).toEqual(['nodata']);
		await t.tick();
		expect((await t.states.get('g/Before'))!.state.instances.map((i) => i.state)).toEqual(['firing']);
		const raw = await t.store.raw([{ name: '__name__', op: '=', value: 'm:double' }], at - 1, at + 10_000);
		expect(raw.map((r) => [r.labels, r.ts, r.values])).toEqual([[{ __name__: 'm:double', job: 'shop', source: 'rule' }, [at, at + 10_000], [10, 10]]]);
		// m stops (its samples end 30 min after T0): the recorded series gets a stale marker.
		await t.clock.advance(T0 + 1_800_000 + 300_000 - t.clock.now());
		await t.tick();
		await t.tick();
		const tail = await t.store.raw([{ name: '__name__', op: '=', value: 'm:double' }], t.clock.now() - 60_000, t.clock.now());
		expect(tail[0]?.stale?.length).toBe(1);
		await role.stop();
	});

	it('a recorded series is read like any other: by the query API, a backtest of an alert over it (which agrees with the live one), a wall tile, and the rules API lists its rule', async () => {
		const t = await setup();
		await t.repo.save(
			[
				{
					name: 'g',
					interval: '10s',
					rules: [
						{ alert: 'High', expr: 'm > 1' },
						{ record: 'm:double', expr: 'm * 2', labels: { source: 'rule' } },
						{ alert: 'Doubled', expr: 'm:double > 9', for: '20s' }
					]
				}
			],
			{ author: 'test', replace: 'all' }
		);
		// The wall: a board whose tile reads the recorded series, fed by the live tail as the web role feeds it.
		const board = boardDef.parse({ name: 'ops', tiles: [{ kind: 'stat', title: 'Doubled', selector: 'm:double{source="rule"}' }] });
		const boards = new LiveBoards({ store: t.store, boards: [board], log, send: new LiveSend(undefined), status: () => ({ serverTime: Date.now(), redis: 'up', roles: { web: 1, collect: 0, alerts: 1 } }) });
		const tailRedis = new Redis(server.url);
		const tail = new LiveTail({ redis: tailRedis, key: t.keys.live, onBatch: (points) => boards.onPoints(points.map(([id, ts, value]) => ({ id, ts, value: Number.isFinite(value) ? value : null }))) });
		await tail.start();
		const role = await t.start();
		try {
			await t.waitLeader(role);
			const first = Math.floor(t.clock.now() / 10_000) * 10_000 + 10_000;
			for (let i = 0; i < 6; i++) await t.tick();
			const last = first + 50_000;

			// The query API: instant and range queries read it, from its first evaluation on.
			const deps = { store: t.store, now: t.clock.now(), retention: DEFAULT_RETENTION };
			expect(await instantQuery(deps, { query: 'm:double', time: last })).toEqual({
				resultType: 'vector',
				result: [{ metric: { __name__: 'm:double', job: 'shop', source: 'rule' }, value: [last / 1000, '10'] }]
			});
			const range = await rangeQuery(deps, { query: 'sum(m:double)', start: first - 20_000, end: last, step: 10_000 });
			expect(range.data).toEqual({ resultType: 'matrix', result: [{ metric: {}, values: Array.from({ length: 6 }, (_, i) => [(first + i * 10_000) / 1000, '10']) }] });

			// A backtest of the alert that reads it: the same pending and firing times as the live evaluations.
			const live = (await t.states.get('g/Doubled'))!.state.instances;
			expect(live.map((i) => [i.state, i.labels, i.activeAt, i.firedAt])).toEqual([['firing', { alertname: 'Doubled', job: 'shop', source: 'rule' }, first, first + 20_000]]);
			const bt = await runBacktest({ store: t.store, rules: t.repo, defaultGroupIntervalMs: 30_000 }, { rule: 'g/Doubled', from: first, to: last });
			expect(bt.current.instances.map((i) => [i.labels, i.spans.map((s) => [s.state, s.from])])).toEqual([
				[{ alertname: 'Doubled', job: 'shop', source: 'rule' }, [['pending', first], ['firing', first + 20_000]]]
			]);

			// The wall tile shows it.
			const deadline = Date.now() + 5000;
			const shown = () => boards.snapshot('ops').series.find((s) => s.name === 'm:double');
			while (shown()?.ts !== last && Date.now() < deadline) await sleep(20);
			expect(shown()).toMatchObject({ labels: { job: 'shop', source: 'rule' }, value: 10, ts: last, refs: [[0, 0]] });

			// The Prometheus rules API lists the recording rule (type=record), with its query and labels,
			// and, as Prometheus does, the health and time of its last evaluation.
			const api = await promRules(redis, t.keys, { type: 'record', names: [], groups: [] }, 30_000);
			expect(api.groups.flatMap((g) => g.rules.map((r) => ({ type: r.type, name: r.name, query: r.query, labels: r.labels, health: r.health, lastEvaluation: r.lastEvaluation })))).toEqual([
				{ type: 'recording', name: 'm:double', query: 'm * 2', labels: { source: 'rule' }, health: 'ok', lastEvaluation: new Date(last).toISOString().replace(/\.?0+Z$/, 'Z') }
			]);
			expect(api.groups[0]!.lastEvaluation).toBe(api.groups[0]!.rules[0]!.lastEvaluation);
		} finally {
			await role.stop();
			await tail.stop();
			tailRedis.disconnect();
		}
	});
});

describe('the default group interval', () => {
	it('alerts.defaultInterval: 1m is what the engine, the rules API and the rule page use', async () => {
		const parsed = parseConfig('alerts:\n  defaultInterval: 1m\n');
		if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
		const defaultInterval = parsed.value.alerts.defaultInterval;
		expect(defaultInterval).toBe(60_000);

		const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
		const keys = createKeys('default-interval:');
		const clock = new ManualClock(T0 + 1);
		const store = new RedisStore(redis, { prefix: 'default-interval:', now: () => clock.now() });
		const ts = Array.from({ length: 120 }, (_, i) => T0 - 600_000 + i * 10_000);
		await store.write([{ name: 'm', labels: { job: 'shop' }, ts, values: ts.map(() => 5) }]);
		await new RuleRepository(redis, keys).save([{ name: 'g', rules: [{ alert: 'High', expr: 'm > 1' }] }], { author: 'test' });
		const states = new AlertStateStore<RuleState, AlertEvent>(redis, keys);
		const registry = new Registry();
		const role = await startAlertsRole({
			log,
			redis,
			store,
			keys,
			nodeId: 'node-1',
			config: { ruleFiles: [], defaultInterval, evaluationTimeout: 5000, leaseTtl: 15_000, externalLabels: {} },
			configDir: '.',
			clock,
			registry,
			revisionPollMs: 3_600_000
		});
		try {
			const evaluations = async () => (await registry.getSingleMetric('vigil_rule_evaluations_total')!.get()).values[0]?.value ?? 0;
			/** Moves the clock to `to` 10 s at a time, then waits until the evaluation at `to` is saved. */
			const runTo = async (to: number) => {
				while (clock.now() < to) {
					await clock.advance(Math.min(10_000, to - clock.now()));
					await sleep(5);
				}
				const deadline = Date.now() + 10_000;
				while ((await states.get('g/High'))?.savedAt !== to) {
					if (Date.now() > deadline) throw new Error(`no evaluation saved at ${to - T0} ms`);
					await sleep(5);
					await clock.advance(0);
				}
			};
			const deadline = Date.now() + 5000;
			while (!role.leader) {
				if (Date.now() > deadline) throw new Error('did not become leader');
				await sleep(5);
			}
			await sleep(50);
			// The engine: one evaluation a minute, on the minute (30 s would have run twice).
			await runTo(T0 + 60_000);
			const before = await evaluations();
			await runTo(T0 + 120_000);
			expect((await evaluations()) - before).toBe(1);

			// The Prometheus rules API: the group's interval in seconds.
			const api = await promRules(redis, keys, { names: [], groups: [] }, defaultInterval);
			expect(api.groups.map((g) => [g.name, g.interval])).toEqual([['g', 60]]);

			// The rule page: the rule detail's interval.
			const detail = await readRuleDetail('g/High', { redis, keys, defaultGroupIntervalMs: defaultInterval });
			expect(detail?.rule.interval).toBeNull();
			expect(detail?.rule.intervalMs).toBe(60_000);
		} finally {
			await role.stop();
		}
	});
});
