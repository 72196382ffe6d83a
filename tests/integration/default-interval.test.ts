/**
 * One default for a group's evaluation interval: `alerts.defaultInterval: 1m` in the config is what
 * the engine runs a group that names no interval at, what the Prometheus rules API answers and what
 * the rule page (the rule detail) shows, on a private redis-server with a clock the test moves.
 */
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertsRole } from '../../alerts/role';
import { RuleRepository } from '../../src/lib/server/alerting/ruleset';
import { AlertStateStore } from '../../src/lib/server/alerting/state';
import { ManualClock } from '../../src/lib/server/clock';
import { createKeys } from '../../src/lib/server/keys';
import { createLogger } from '../../src/lib/server/log';
import { promRules } from '../../src/lib/server/prom-api/rules';
import type { AlertEvent, RuleState } from '../../src/lib/server/rules';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { readRuleDetail } from '../../src/lib/server/views';
import { parseConfig } from '../../runtime/config';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let server: TestRedis;
let redis: Redis;
const log = createLogger({ level: (process.env.TEST_LOG as never) ?? 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
	server = await startTestRedis();
	redis = new Redis(server.url);
});
afterAll(async () => {
	redis.disconnect();
	await server.stop();
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
		await new RuleRepository(redis, keys.rules).save([{ name: 'g', rules: [{ alert: 'High', expr: 'm > 1' }] }], { author: 'test' });
		const states = new AlertStateStore<RuleState, AlertEvent>(redis, keys.alerts);
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
