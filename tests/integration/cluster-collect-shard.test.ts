/**
 * Targets shared among collect processes, against a real Redis and a real Redis Cluster: three
 * members split the targets with none twice and none missing; when one dies its targets move to
 * the others within ttl + 2 heartbeats, and when one joins only its share moves, with no target
 * owned by two members at any poll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectShard, rendezvousOwner } from '../../collectors/shard';
import { closeClient, createRedisClient, waitReady, type Redis } from '../../src/lib/server/redis/client';
import { clusterUrl } from '../../src/lib/server/redis/cluster';
import { clusterAvailable, startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

const TARGETS = Array.from({ length: 40 }, (_, i) => `target-${i}`);
const HEARTBEAT = 100;
const available = await clusterAvailable();

let single: TestRedis;
let cluster: TestRedisCluster | undefined;
const clients: Redis[] = [];

beforeAll(async () => {
	single = await startTestRedis();
	if (available) cluster = await startTestRedisCluster();
}, 60_000);
afterAll(async () => {
	await Promise.all(clients.map(closeClient));
	await Promise.all([single?.stop(), cluster?.stop()]);
});

async function member(url: string, key: string, id: string, changes: { n: number }): Promise<CollectShard> {
	const redis = createRedisClient(url, { name: id });
	clients.push(redis);
	await waitReady(redis, 10_000);
	const shard = new CollectShard({ redis, key, member: id, heartbeatMs: HEARTBEAT, onChange: () => changes.n++ });
	await shard.start(TARGETS);
	return shard;
}

/** Every target owned by exactly one of the shards. */
function exactlyOnce(shards: CollectShard[]): { twice: string[]; missing: string[] } {
	const count = new Map<string, number>();
	for (const s of shards) for (const t of s.ownedTargets()) count.set(t, (count.get(t) ?? 0) + 1);
	return { twice: TARGETS.filter((t) => (count.get(t) ?? 0) > 1), missing: TARGETS.filter((t) => !count.has(t)) };
}

describe('rendezvous hashing', () => {
	it('moves only the targets of a member that leaves', () => {
		const before = new Map(TARGETS.map((t) => [t, rendezvousOwner(t, ['a', 'b', 'c'])]));
		for (const t of TARGETS) {
			const after = rendezvousOwner(t, ['a', 'c']);
			if (before.get(t) !== 'b') expect(after).toBe(before.get(t));
		}
		expect(new Set(before.values())).toEqual(new Set(['a', 'b', 'c']));
	});
});

const backends = [
	{ name: 'a single Redis', url: () => single.url, skip: false },
	{ name: 'a Redis Cluster', url: () => clusterUrl(cluster!.nodes), skip: !available }
];

describe.each(backends)('collect processes sharing targets on $name', ({ url, skip }) => {
	it.skipIf(skip)('split the targets with none twice or missing; a dead member\'s targets move; a joining one takes its share without overlap', async () => {
		const key = `shard${Math.random().toString(36).slice(2)}:collect:members`;
		const changes = { n: 0 };
		const a = await member(url(), key, 'node-a', changes);
		const b = await member(url(), key, 'node-b', changes);
		const c = await member(url(), key, 'node-c', changes);
		const shards = [a, b, c];
		// Each polls within a heartbeat; then all three see three members.
		await expect.poll(() => shards.every((s) => s.liveMembers().length === 3), { timeout: 5000, interval: 20 }).toBe(true);
		await expect.poll(() => exactlyOnce(shards), { timeout: 5000, interval: 20 }).toEqual({ twice: [], missing: [] });
		for (const s of shards) expect(s.ownedTargets().length).toBeGreaterThan(0);

		// A watcher samples ownership while members come and go: never a target in two places.
		const overlaps = new Set<string>();
		let live = shards;
		const watch = setInterval(() => {
			for (const t of exactlyOnce(live).twice) overlaps.add(t);
		}, 5);

		// node-b dies (no goodbye): its registration runs out after 3 heartbeats.
		b.abandon();
		live = [a, c];
		const diedAt = Date.now();
		await expect.poll(() => exactlyOnce(live), { timeout: 5000, interval: 10 }).toEqual({ twice: [], missing: [] });
		const movedAfterMs = Date.now() - diedAt;

		// node-d joins: it takes its share only once a and c have let go.
		const d = await member(url(), key, 'node-d', changes);
		live = [a, c, d];
		await expect.poll(() => d.ownedTargets().length, { timeout: 5000, interval: 10 }).toBeGreaterThan(0);
		await expect.poll(() => exactlyOnce(live), { timeout: 5000, interval: 10 }).toEqual({ twice: [], missing: [] });
		clearInterval(watch);
		expect([...overlaps]).toEqual([]);
		// ttl (3 heartbeats) + two polls, with scheduling slack; reported, not a speed check.
		expect(movedAfterMs).toBeLessThan(5000);
		for (const s of [a, c, d]) await s.stop();
	});
});
