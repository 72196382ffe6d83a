/**
 * Rule groups shared among alerts processes (alerts.shareGroups): two processes each evaluate the
 * groups they hold a lease on, no group is evaluated by both, and when one is killed its groups
 * move to the other within the lease, resuming from the saved state without firing again.
 * Against one Redis and against a local Redis Cluster (3 masters, one replica each; skipped
 * without redis-cli).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { clusterAvailable, startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

const onCluster = await clusterAvailable();
let redis: TestRedis;
let cluster: TestRedisCluster | undefined;
const procs: VigilProcess[] = [];
beforeAll(async () => {
	redis = await startTestRedis();
	if (onCluster) cluster = await startTestRedisCluster();
}, 60_000);
afterAll(async () => {
	for (const p of procs) await p.stop('SIGKILL').catch(() => {});
	await redis.stop();
	await cluster?.stop();
});

/** Where the processes run: the Redis client for assertions, and how a process is pointed at it. */
interface Backend {
	name: string;
	client(): Redis;
	start(config: string, roles: string): Promise<VigilProcess>;
}
const backends: Backend[] = [
	{ name: 'one Redis', client: () => redis.client(), start: (config, roles) => startVigilProcess({ config, redisUrl: redis.url, roles }) },
	...(onCluster
		? [
				{
					name: 'a Redis Cluster',
					client: () => cluster!.client() as unknown as Redis,
					start: (config: string, roles: string) => startVigilProcess({ config, redisUrl: '', roles, env: { REDIS_CLUSTER_NODES: cluster!.env } })
				}
			]
		: [])
];

const LEASE_MS = 2000;
// Twelve groups: rendezvous hashing over two random node ids gives all to one process 1 time in 2,048.
const GROUPS = Array.from({ length: 12 }, (_, i) => `g${i + 1}`);

/** The groups a process has evaluated, from its /metrics. */
async function evaluated(p: VigilProcess): Promise<Map<string, number>> {
	const text = await (await fetch(`${p.url}/metrics`)).text();
	const out = new Map<string, number>();
	for (const m of text.matchAll(/^vigil_rule_group_last_evaluation_timestamp_seconds\{group="([^"]+)"\} (\S+)$/gm)) out.set(m[1]!, Number(m[2]));
	return out;
}

describe.each(backends)('rule groups shared among alerts processes on $name', (backend) => {
	it('each group is evaluated by one process; a killed process\'s groups move on with their state', async () => {
		const client = backend.client();
		const dir = mkdtempSync(join(tmpdir(), 'vigil-groups-'));
		const ruleFile = join(dir, 'rules.yml');
		writeFileSync(
			ruleFile,
			`groups:\n${GROUPS.map((g) => `  - name: ${g}\n    interval: 500ms\n    rules:\n      - alert: Flowing_${g}\n        expr: demo_orders_per_minute > 0\n`).join('')}`
		);
		const config = demoConfig(`alerts:\n  ruleFiles: [${JSON.stringify(ruleFile)}]\n  leaseTtl: ${LEASE_MS}ms\n  shareGroups: true\n`);
		const prefix = /prefix: "([^"]+)"/.exec(config)![1]!;
		const a = await backend.start(config, 'collect,alerts');
		procs.push(a);
		const b = await backend.start(config, 'alerts');
		procs.push(b);

		// Both take part, and every group fires once.
		const firings = async (g: string) =>
			(await client.xrange(`${prefix}{alerts}:events:${g}/Flowing_${g}`, '-', '+')).map(([, f]) => JSON.parse(f[1]!) as { to: string }).filter((e) => e.to === 'firing').length;
		const pick = (p: VigilProcess) => p.output().split('\n').filter((l) => /group|lease|leader|rule set|shared|error/i.test(l)).slice(-25).join('\n');
		try {
			await expect.poll(async () => (await Promise.all(GROUPS.map(firings))).every((n) => n === 1), { timeout: 30_000, interval: 200 }).toBe(true);
		} catch (err) {
			throw new Error(`${(err as Error).message}; firings ${JSON.stringify(await Promise.all(GROUPS.map(firings)))}\nA:\n${pick(a)}\nB:\n${pick(b)}`);
		}
		await expect.poll(async () => (await evaluated(a)).size > 0 && (await evaluated(b)).size > 0, { timeout: 15_000, interval: 200 }).toBe(true);

		// Over a few intervals, no group is evaluated by both.
		const t0 = Date.now() / 1000;
		await new Promise((r) => setTimeout(r, 2000));
		const [ea, eb] = await Promise.all([evaluated(a), evaluated(b)]);
		const recentA = GROUPS.filter((g) => (ea.get(g) ?? 0) > t0);
		const recentB = GROUPS.filter((g) => (eb.get(g) ?? 0) > t0);
		expect([...recentA, ...recentB].sort()).toEqual([...GROUPS].sort());
		expect(recentA.filter((g) => recentB.includes(g))).toEqual([]);

		// Kill the one holding the most groups: the other evaluates them all within the lease and a bit.
		const [victim, survivor, moved] = recentA.length >= recentB.length ? [a, b, recentA] : [b, a, recentB];
		await victim.stop('SIGKILL');
		const killedAt = Date.now() / 1000;
		await expect
			.poll(async () => {
				const e = await evaluated(survivor);
				return GROUPS.every((g) => (e.get(g) ?? 0) > killedAt);
			}, { timeout: 4 * LEASE_MS + 8000, interval: 200 })
			.toBe(true);
		// Moved with their state: still firing, never announced again.
		for (const g of moved) {
			const st = JSON.parse((await client.hget(`${prefix}{alerts}:state`, `${g}/Flowing_${g}`))!) as { state: { instances: Array<{ state: string }> } };
			expect(st.state.instances.map((i) => i.state)).toEqual(['firing']);
		}
		expect(await Promise.all(GROUPS.map(firings))).toEqual(GROUPS.map(() => 1));
	}, 90_000);
});
