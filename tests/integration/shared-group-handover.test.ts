/**
 * The rule manager with shared groups (alerts.shareGroups), against a real Redis: a group lost
 * while one of its evaluations is reading data must not finish that evaluation. Finishing it would
 * evaluate from no previous state (the working copy moved on with the group) and announce a firing
 * alert a second time under the token that was just given up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { RuleRepository } from '../../src/lib/server/alerting/ruleset';
import { AlertStateStore } from '../../src/lib/server/alerting/state';
import { ManualClock } from '../../src/lib/server/clock';
import { createKeys } from '../../src/lib/server/keys';
import { createLogger } from '../../src/lib/server/log';
import type { AlertEvent, RuleState } from '../../src/lib/server/rules';
import type { TimeSeriesStore } from '../../src/lib/server/tsdb';
import { MemoryStore } from '../../src/lib/server/tsdb/memory-store';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { groupLeaseKeys } from '../../alerts/group-leases';
import { RuleManager } from '../../alerts/manager';
import { createMetrics } from '../../alerts/metrics';

let redis: TestRedis;
beforeAll(async () => {
	redis = await startTestRedis();
}, 30_000);
afterAll(async () => {
	await redis.stop();
});

/** A store whose reads wait at a gate while it is closed (an evaluation caught mid-read). */
function gatedStore(inner: MemoryStore): { store: TimeSeriesStore; close(): void; open(): void; waiting(): number } {
	let gate: Promise<void> | undefined;
	let release = () => {};
	let waiting = 0;
	const store = new Proxy(inner, {
		get(target, prop, receiver) {
			const v = Reflect.get(target, prop, receiver) as unknown;
			if (typeof v !== 'function') return v;
			if (prop === 'write') return v.bind(target);
			return async (...args: unknown[]) => {
				if (gate) {
					waiting++;
					await gate;
				}
				return (v as (...a: unknown[]) => unknown).apply(target, args);
			};
		}
	}) as TimeSeriesStore;
	return {
		store,
		close: () => {
			gate = new Promise((r) => (release = r));
		},
		open: () => {
			gate = undefined;
			release();
		},
		waiting: () => waiting
	};
}

describe('RuleManager with shared groups', () => {
	it('drops an evaluation whose group was lost while it read: the alert is not announced again', async () => {
		const client = redis.client();
		const keys = createKeys(`mgr${Math.random().toString(36).slice(2, 8)}:`);
		const clock = new ManualClock(1_800_000_000_000);
		const quiet = createLogger({ pretty: false, destination: new Writable({ write: (_c, _e, cb) => cb() }) });
		const mem = new MemoryStore({ now: () => clock.now() });
		const gated = gatedStore(mem);
		const repo = new RuleRepository(client, keys);
		await repo.save([{ name: 'g', interval: '10s', rules: [{ alert: 'Flowing', expr: 'orders > 0' }] }], { author: 'test', at: clock.now() });

		const group = groupLeaseKeys(keys.alerts, 'g');
		const groupStates = new AlertStateStore<RuleState, AlertEvent>(client, { ...keys, alerts: { ...keys.alerts, fence: group.fence } });
		const tokens = new Map<string, number>();
		const manager = new RuleManager({
			shared: {
				leases: { token: (g) => tokens.get(g), drop: (g) => void tokens.delete(g), setGroups: () => {}, pass: async () => {} },
				setTargets: () => {},
				statesFor: () => groupStates
			},
			repo,
			states: new AlertStateStore<RuleState, AlertEvent>(client, keys),
			store: gated.store,
			config: { ruleFiles: [], defaultInterval: 60_000, evaluationTimeout: 5_000, leaseTtl: 2_000, shareGroups: true, externalLabels: {} },
			clock,
			log: quiet,
			metrics: createMetrics(),
			settling: (work) => work(),
			onEvents: async () => {},
			onFenced: async () => {}
		});
		const firings = async () => (await groupStates.events({ ruleId: (await repo.load()).groups[0]!.rules[0]!.id })).filter((e) => e.to === 'firing').length;

		await mem.write([{ name: 'orders', labels: {}, ts: [clock.now()], values: [5] }]);
		await manager.share();
		tokens.set('g', Number(await client.incr(group.fence)));
		await manager.groupsChanged(['g'], []);
		await clock.advance(10_000);
		await expect.poll(firings).toBe(1);

		// The next evaluation starts and waits in its read; meanwhile the group moves away.
		await mem.write([{ name: 'orders', labels: {}, ts: [clock.now()], values: [6] }]);
		gated.close();
		await clock.advance(10_000);
		await expect.poll(() => gated.waiting()).toBeGreaterThan(0);
		tokens.delete('g');
		await manager.groupsChanged([], ['g']);
		gated.open();
		await new Promise((r) => setTimeout(r, 200));

		expect(await firings()).toBe(1);
		// The lost group's last state is kept as another process's, still firing.
		expect(manager.enabledStates().flatMap((s) => s.instances.map((i) => i.state))).toEqual(['firing']);
		await manager.stop();
	});
});
