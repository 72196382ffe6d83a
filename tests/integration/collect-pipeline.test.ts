/**
 * The collect -> Redis -> live tail path, against a real redis-server, including an outage in the
 * middle: nothing collected while Redis is down is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddressPolicy } from '../../collectors/net/address-policy';
import { collectorConfig } from '../../collectors/registry';
import { startCollectRole } from '../../collectors/role';
import { createKeys } from '../../src/lib/server/keys';
import { LiveTail } from '../../src/lib/server/live-tail';
import { createLogger } from '../../src/lib/server/log';
import { closeClient, createRedisClient, waitReady } from '../../src/lib/server/redis/client';
import { decodeLiveEntry, type LiveEntry } from '../../src/lib/server/samples';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { sidOf } from '../../src/lib/server/tsdb/series-id';
import { StoreSink } from '../../src/lib/server/tsdb/sink';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let redis: TestRedis;
const log = createLogger({ level: 'silent' });
const deps = { log, addressPolicy: createAddressPolicy() };

beforeAll(async () => {
	redis = await startTestRedis();
});
afterAll(async () => {
	await redis.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await sleep(25);
	}
}

describe('collect role to live tail', () => {
	it('delivers each demo sample to a tail reader and keeps the latest value', async () => {
		const keys = createKeys('pipe1:');
		const writer = createRedisClient(redis.url, { name: 'writer', log });
		const reader = createRedisClient(redis.url, { name: 'tail', log });
		await waitReady(writer, 5000);
		await waitReady(reader, 5000);
		const batches: LiveEntry[] = [];
		const tail = new LiveTail({ redis: reader, key: keys.live, onBatch: (b) => batches.push(b) });
		await tail.start();
		const store = new RedisStore(writer, { prefix: keys.prefix, liveKey: keys.live });
		const role = startCollectRole({
			collectors: [collectorConfig.parse({ kind: 'demo', name: 'shop', interval: '100ms', labels: { env: 'test' } })],
			sink: new StoreSink(store),
			deps,
			log
		});
		await until(() => batches.flat().filter(([, , v]) => v > 1).length >= 3);
		await role.stop();
		await tail.stop();

		const sid = sidOf('demo_orders_per_minute', { env: 'test', shop: 'demo', target: 'shop' });
		const points = batches.flat().filter(([id]) => id === sid);
		expect(points.length).toBeGreaterThanOrEqual(3);
		// One sample per 100 ms tick, on the target's mark (a stable offset within the interval).
		for (const [, ts] of points) expect(ts % 100).toBe(points[0]![1] % 100);
		const latest = await store.latest('demo_orders_per_minute');
		expect(latest).toHaveLength(1);
		expect(await store.latest('up{target="shop"}')).toEqual([expect.objectContaining({ value: 1 })]);
		expect(latest[0]!.ts).toBe(points[points.length - 1]![1]);
		expect(latest[0]!.intervalMs).toBe(100);
		expect(latest[0]!.labels).toEqual({ __name__: 'demo_orders_per_minute', env: 'test', shop: 'demo', target: 'shop' });
		// Everything the tail saw is in the store.
		const raw = await store.raw('demo_orders_per_minute', 0, Date.now());
		expect(raw[0]!.ts.slice(-points.length)).toEqual(points.map(([, t]) => t));
		await closeClient(writer);
	});

	it('holds samples while Redis is down and writes all of them when it is back', async () => {
		const keys = createKeys('pipe2:');
		const writer = createRedisClient(redis.url, { name: 'writer', log, maxBackoffMs: 200 });
		await waitReady(writer, 5000);
		const role = startCollectRole({
			collectors: [collectorConfig.parse({ kind: 'demo', name: 'shop', interval: '100ms' })],
			sink: new StoreSink(new RedisStore(writer, { prefix: keys.prefix, liveKey: keys.live })),
			deps,
			log
		});
		await sleep(350);
		await redis.kill();
		await until(() => role.buffered() >= 25); // five runs of five series each
		await redis.restart();
		await waitReady(writer, 10_000);
		await sleep(300);
		// Stop flushes whatever the retry has not yet written.
		const lost = await role.stop(5000);
		expect(lost).toBe(0);

		// The restarted server was empty (no persistence): everything in it was written after the
		// outage began, and there is no hole in the 100 ms grid from the first to the last sample.
		const check = redis.client();
		const entries = await check.xrange(keys.live, '-', '+');
		const sid = sidOf('demo_orders_per_minute', { shop: 'demo', target: 'shop' });
		const ts = entries
			.flatMap(([, fields]) => decodeLiveEntry(fields[1]!).filter(([id]) => id === sid).map(([, t]) => t))
			.sort((a, b) => a - b);
		expect(ts.length).toBeGreaterThanOrEqual(5);
		for (let i = 1; i < ts.length; i++) expect(ts[i]! - ts[i - 1]!).toBe(100);
		await closeClient(writer);
	});

	it('a tail whose connection drops catches up on what was written meanwhile', async () => {
		const keys = createKeys('pipe3:');
		const writer = createRedisClient(redis.url, { name: 'writer', log });
		const reader = createRedisClient(redis.url, { name: 'tail', log, maxBackoffMs: 100 });
		await waitReady(writer, 5000);
		await waitReady(reader, 5000);
		const store = new RedisStore(writer, { prefix: keys.prefix, liveKey: keys.live });
		const seen: number[] = [];
		const tail = new LiveTail({ redis: reader, key: keys.live, onBatch: (b) => seen.push(...b.map(([, t]) => t)), blockMs: 200 });
		await tail.start();
		const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
		const write = (i: number) => store.write([{ name: 'tailed', labels: {}, ts: [t0 + i * 1000], values: [i] }]);
		await write(0);
		await until(() => seen.length === 1);
		// Cut the tail's connection from the server side, and write while it is away.
		const id = await reader.client('ID');
		await writer.client('KILL', 'ID', String(id));
		for (let i = 1; i <= 5; i++) await write(i);
		await until(() => seen.length === 6);
		expect(seen).toEqual([0, 1, 2, 3, 4, 5].map((i) => t0 + i * 1000));
		await tail.stop();
		await closeClient(writer);
	});
});

