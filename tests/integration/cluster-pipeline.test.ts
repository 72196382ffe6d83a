/**
 * Pipelines across a Redis Cluster's nodes (redis/slot-pipeline.ts): commands of many slots in one
 * pipeline answer in the order they were queued, as on one Redis; a command's own error stays in
 * its place; scripts route by their first key; a plain cluster pipeline refuses the same commands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClient, createRedisClient, waitReady, type Redis } from '../../src/lib/server/redis/client';
import { clusterUrl } from '../../src/lib/server/redis/cluster';
import { firstKey, isCluster, pipelineFor } from '../../src/lib/server/redis/slot-pipeline';
import { clusterAvailable, startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

const available = await clusterAvailable();
if (!available) console.warn('cluster pipeline tests skipped: redis-server and redis-cli are needed on PATH');

let cluster: TestRedisCluster;
let single: TestRedis;
let redis: Redis;
let plain: Redis;

beforeAll(async () => {
	if (!available) return;
	[cluster, single] = await Promise.all([startTestRedisCluster(), startTestRedis()]);
	redis = createRedisClient(clusterUrl(cluster.nodes), { name: 'pipeline-test' });
	plain = createRedisClient(single.url, { name: 'pipeline-test' });
	await Promise.all([waitReady(redis, 15_000), waitReady(plain, 15_000)]);
	for (const r of [redis, plain]) r.defineCommand('pipeTestIncr', { numberOfKeys: 1, lua: "return redis.call('INCRBY', KEYS[1], ARGV[1])" });
	for (const r of [redis, plain]) r.defineCommand('pipeTestKeys', { lua: "return #KEYS .. ':' .. (redis.call('GET', KEYS[1]) or 'none')" });
}, 60_000);
afterAll(async () => {
	if (!available) return;
	await Promise.all([closeClient(redis), closeClient(plain)]);
	await Promise.all([cluster.stop(), single.stop()]);
});

describe.skipIf(!available)('pipelines on a Redis Cluster', () => {
	it('sends commands of many slots and answers in the order they were queued', async () => {
		expect(isCluster(redis)).toBe(true);
		expect(isCluster(plain)).toBe(false);
		const keys = Array.from({ length: 200 }, (_, i) => `pt:k${i}`);
		const write = pipelineFor(redis);
		keys.forEach((k, i) => write.set(k, `v${i}`));
		expect(write.length).toBe(200);
		const written = await write.exec();
		expect(written?.every(([err, v]) => err === null && v === 'OK')).toBe(true);

		const read = pipelineFor(redis);
		// Interleave kinds, so order is tested across nodes and commands.
		keys.forEach((k) => read.get(k).strlen(k));
		const replies = (await read.exec())!;
		expect(replies.map(([, v]) => v)).toEqual(keys.flatMap((_, i) => [`v${i}`, `v${i}`.length]));
		// The keys did span every master: a plain cluster pipeline refuses them.
		const refused = redis.pipeline();
		keys.forEach((k) => refused.get(k));
		await expect(refused.exec()).rejects.toThrow(/slot/);
	});

	it('routes scripts by their first key, fixed or counted, and Buffer commands by theirs', async () => {
		const p = pipelineFor(redis) as unknown as {
			pipeTestIncr(key: string, by: number): unknown;
			pipeTestKeys(n: number, ...keys: string[]): unknown;
			getBuffer(key: string): unknown;
			exec(): Promise<Array<[Error | null, unknown]>>;
		};
		for (let i = 0; i < 50; i++) p.pipeTestIncr(`pt:n${i}`, i);
		for (let i = 0; i < 50; i++) p.pipeTestKeys(2, `pt:{t${i}}a`, `pt:{t${i}}b`);
		p.getBuffer('pt:n7');
		const replies = await p.exec();
		expect(replies.slice(0, 50).map(([, v]) => v)).toEqual(Array.from({ length: 50 }, (_, i) => i));
		expect(replies.slice(50, 100)).toEqual(Array(50).fill([null, '2:none']));
		expect((replies[100]![1] as Buffer).toString()).toBe('7');
		expect(firstKey(redis, 'pipeTestKeys', [2, 'a', 'b'])).toBe('a');
		expect(firstKey(redis, 'pipeTestIncr', ['x', 1])).toBe('x');
		expect(firstKey(redis, 'hset', ['h', { a: '1' }])).toBe('h');
		expect(firstKey(redis, 'xadd', ['s', 'MAXLEN', '~', 10, '*', 'b', '1'])).toBe('s');
	});

	it("keeps a command's own error in its place and the others' answers", async () => {
		await redis.set('pt:string', 'x');
		const p = pipelineFor(redis);
		p.set('pt:e1', '1').sadd('pt:string', 'member').get('pt:e1').incr('pt:e2');
		const replies = (await p.exec())!;
		expect(replies[0]).toEqual([null, 'OK']);
		expect(String(replies[1]![0])).toMatch(/WRONGTYPE/);
		expect(replies[2]).toEqual([null, '1']);
		expect(replies[3]).toEqual([null, 1]);
	});

	it('is the plain pipeline on one Redis', async () => {
		const p = pipelineFor(plain);
		expect(p.constructor.name).toBe('Pipeline');
		p.set('pt:one', 'a').get('pt:one');
		expect((await p.exec())!.map(([, v]) => v)).toEqual(['OK', 'a']);
	});
});
