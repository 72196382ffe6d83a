/**
 * The alerts role's Redis parts on a private redis-server: the rule repository (versions, diffs,
 * atomic saves, rollback), the durable state store (fenced writes, history streams) and the lease
 * (one leader, fencing tokens, takeover).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLease } from '../../alerts/lease';
import { AlertStateStore, FencedOutError } from '../../src/lib/server/alerting/state';
import { RuleRepository, ruleIds } from '../../src/lib/server/alerting/ruleset';
import { systemClock } from '../../src/lib/server/clock';
import { AuditLog } from '../../src/lib/server/audit';
import { createKeys } from '../../src/lib/server/keys';
import { createLogger } from '../../src/lib/server/log';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let server: TestRedis;
let redis: Redis;
let n = 0;
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
	server = await startTestRedis();
	redis = new Redis(server.url);
});
afterAll(async () => {
	redis.disconnect();
	await server.stop();
});

const keys = () => createKeys(`ar${++n}:`);

describe('rule repository', () => {
	const group = (rules: Array<Record<string, unknown>>, name = 'shop', interval = '30s') => ({ name, interval, rules: rules as Array<{ alert: string; expr: string }> });
	const down = { alert: 'Down', expr: 'up == 0', for: '1m', labels: { severity: 'warning' } };

	it('starts empty, then versions each changed rule with its author, time and diff', async () => {
		const repo = new RuleRepository(redis, keys());
		expect(await repo.isEmpty()).toBe(true);
		const first = await repo.save([group([down, { alert: 'Slow', expr: 'latency > 1' }])], { author: 'ana', at: 1000 });
		expect(first).toMatchObject({ revision: 1, created: ['shop/Down', 'shop/Slow'], changed: [], deleted: [] });
		expect(await repo.isEmpty()).toBe(false);

		const second = await repo.save([group([{ ...down, for: '2m' }, { alert: 'Slow', expr: 'latency > 1' }])], { author: 'bo', at: 2000, message: 'less noise' });
		expect(second).toMatchObject({ revision: 2, created: [], changed: ['shop/Down'], unchanged: 1 });

		const versions = await repo.versions('shop/Down');
		expect(versions.map((v) => [v.version, v.author, v.at])).toEqual([
			[2, 'bo', 2000],
			[1, 'ana', 1000]
		]);
		expect(versions[0]!.message).toBe('less noise');
		expect(versions[0]!.diff).toContain('-for: 1m\n+for: 2m');
		expect(versions[1]!.diff).toContain('+alert: Down');
		const { revision, groups } = await repo.load();
		expect(revision).toBe(2);
		expect(groups).toHaveLength(1);
		expect(groups[0]).toMatchObject({ name: 'shop', interval: '30s' });
		expect(groups[0]!.rules.map((r) => [r.id, r.version, r.enabled])).toEqual([
			['shop/Down', 2, true],
			['shop/Slow', 1, true]
		]);
	});

	it('replaces only the groups it saves, unless asked to replace all; removed rules get a deletion version', async () => {
		const repo = new RuleRepository(redis, keys());
		await repo.save([group([down], 'a'), group([down], 'b')], { author: 'ana' });
		await repo.save([group([{ alert: 'Other', expr: 'x > 1' }], 'a')], { author: 'bo' });
		let { groups } = await repo.load();
		expect(groups.map((g) => [g.name, g.rules.map((r) => r.id)])).toEqual([
			['a', ['a/Other']],
			['b', ['b/Down']]
		]);
		const deleted = await repo.versions('a/Down');
		expect(deleted[0]).toMatchObject({ version: 2, spec: null, author: 'bo' });
		expect(deleted[0]!.diff).toContain('-alert: Down');

		const r = await repo.save([group([down], 'c')], { author: 'cy', replace: 'all' });
		expect(r.deleted.sort()).toEqual(['a/Other', 'b/Down']);
		({ groups } = await repo.load());
		expect(groups.map((g) => g.name)).toEqual(['c']);
	});

	it('gives rules of the same name in a group distinct ids, and refuses a group named twice', async () => {
		expect(ruleIds('g', [down, { ...down, for: '5m' }, { alert: 'X' }])).toEqual(['g/Down', 'g/Down#2', 'g/X']);
		const repo = new RuleRepository(redis, keys());
		await expect(repo.save([group([down]), group([down])], { author: 'a' })).rejects.toThrow(/group "shop" appears twice/);
		expect(await repo.isEmpty()).toBe(true);
	});

	it('disables, enables and rolls back as new versions', async () => {
		const repo = new RuleRepository(redis, keys());
		await repo.save([group([down])], { author: 'ana' });
		await repo.save([group([{ ...down, expr: 'up < 1' }])], { author: 'bo' });
		const off = await repo.setEnabled('shop/Down', false, { author: 'cy' });
		expect(off).toMatchObject({ version: 3, enabled: false });
		// Saving the same spec keeps it disabled, as a no-op.
		expect((await repo.save([group([{ ...down, expr: 'up < 1' }])], { author: 'dee' })).unchanged).toBe(1);
		const back = await repo.rollback('shop/Down', 1, { author: 'ed' });
		expect(back).toMatchObject({ version: 4, enabled: false, author: 'ed' });
		expect(back.spec.expr).toBe('up == 0');
		const v = await repo.versions('shop/Down');
		expect(v[0]!.message).toBe('roll back to version 1');
		expect(v[0]!.diff).toContain('-expr: up < 1\n+expr: up == 0');
		await expect(repo.rollback('shop/Down', 9, { author: 'x' })).rejects.toThrow(/no version 9/);
		await expect(repo.setEnabled('shop/Nope', true, { author: 'x' })).rejects.toThrow(/no rule shop\/Nope/);
	});

	it('records every change in the audit log, with the rule before and after', async () => {
		const k = keys();
		const audit = new AuditLog(redis, k);
		const repo = new RuleRepository(redis, k, { audit });
		await repo.save([group([down])], { author: 'ana' });
		await repo.save([group([{ ...down, for: '2m' }, { alert: 'New', expr: 'x > 1' }])], { author: 'bo' });
		await repo.setEnabled('shop/Down', false, { author: 'cy' });
		await repo.setEnabled('shop/Down', false, { author: 'cy' }); // no change, no entry
		await repo.rollback('shop/Down', 1, { author: 'dee' });
		await repo.save([group([{ alert: 'New', expr: 'x > 1' }])], { author: 'ed' });
		const entries = (await audit.list()).reverse();
		expect(entries.map((e) => `${e.actor} ${e.action} ${e.target}`)).toEqual([
			'ana rule.create shop/Down',
			'bo rule.create shop/New',
			'bo rule.update shop/Down',
			'cy rule.disable shop/Down',
			'dee rule.rollback shop/Down',
			'ed rule.delete shop/Down'
		]);
		const update = entries.find((e) => e.action === 'rule.update')!;
		expect((update.before as { for: string }).for).toBe('1m');
		expect((update.after as { for: string }).for).toBe('2m');
	});

	it('keeps every save when many run at once (optimistic transactions retry)', async () => {
		const repo = new RuleRepository(redis, keys());
		await Promise.all(Array.from({ length: 8 }, (_, i) => repo.save([group([down], `g${i}`)], { author: `u${i}` })));
		const { revision, groups } = await repo.load();
		expect(revision).toBe(8);
		expect(groups.map((g) => g.name).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `g${i}`));
	});
});

describe('alert state store', () => {
	it('saves states and events atomically, and reads history newest first, per rule and overall', async () => {
		const k = keys();
		const store = new AlertStateStore<{ n: number }, { ruleId: string; to: string }>(redis, k);
		await redis.set(k.alerts.fence, '3');
		await store.save(3, 1000, [{ ruleId: 'g/A', state: { n: 1 } }], [{ ruleId: 'g/A', to: 'pending' }]);
		await store.save(3, 2000, [{ ruleId: 'g/A', state: { n: 2 } }, { ruleId: 'g/B', state: { n: 9 } }], [
			{ ruleId: 'g/A', to: 'firing' },
			{ ruleId: 'g/B', to: 'pending' }
		]);
		const all = await store.load();
		expect(all.get('g/A')).toEqual({ savedAt: 2000, state: { n: 2 } });
		expect(all.get('g/B')).toEqual({ savedAt: 2000, state: { n: 9 } });
		expect((await store.events({ ruleId: 'g/A' })).map((e) => e.to)).toEqual(['firing', 'pending']);
		expect((await store.events()).map((e) => `${e.ruleId}:${e.to}`)).toEqual(['g/B:pending', 'g/A:firing', 'g/A:pending']);
		const page = await store.events({ count: 1 });
		expect((await store.events({ before: page[0]!.id, count: 5 })).map((e) => e.to)).toEqual(['firing', 'pending']);
		await store.remove(3, ['g/B']);
		expect([...(await store.load()).keys()]).toEqual(['g/A']);
	});

	it('refuses, whole, a write from a leader that was superseded', async () => {
		const k = keys();
		const store = new AlertStateStore<object, { ruleId: string; to: string }>(redis, k);
		await redis.set(k.alerts.fence, '5');
		await expect(store.save(4, 1, [{ ruleId: 'r', state: { old: true } }], [{ ruleId: 'r', to: 'firing' }])).rejects.toBeInstanceOf(FencedOutError);
		expect(await store.load()).toEqual(new Map());
		expect(await store.events()).toEqual([]);
	});

	it('reports and skips entries that do not parse', async () => {
		const k = keys();
		const store = new AlertStateStore(redis, k);
		await redis.hset(k.alerts.state, 'bad', '{not json', 'good', '{"savedAt":1,"state":{}}');
		const bad: string[] = [];
		const all = await store.load((id) => bad.push(id));
		expect([...all.keys()]).toEqual(['good']);
		expect(bad).toEqual(['bad']);
	});
});

describe('lease', () => {
	const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

	it('lets one holder lead; the standby takes over within two lease periods of its death, with a higher token', async () => {
		const k = keys().alerts;
		const events: string[] = [];
		const make = (holder: string, client: Redis) =>
			startLease({ redis: client, keys: k, holder, ttlMs: 1000, clock: systemClock, log, onAcquired: (t) => events.push(`${holder}+${t}`), onLost: (r) => events.push(`${holder}-${r}`) });
		const aClient = new Redis(server.url);
		const a = make('a', aClient);
		await wait(100);
		const b = make('b', redis);
		await wait(600);
		expect(a.token).toBe(1);
		expect(b.token).toBeUndefined();
		// a dies without releasing: its connection goes, its renewals stop.
		const died = Date.now();
		await a.stop().catch(() => {});
		await redis.set(k.lease, 'a|1', 'PX', 1000); // as if a had renewed just before dying
		while (b.token === undefined && Date.now() - died < 4000) await wait(10);
		expect(b.token).toBe(2);
		expect(Date.now() - died).toBeLessThan(2000); // within two lease periods
		aClient.disconnect();
		await b.stop();
		expect(await redis.get(k.lease)).toBeNull(); // released on a clean stop
		expect(events).toContain('b+2');
	});
});
