/**
 * The collect -> Redis -> live tail path, against a real redis-server, including an outage in the
 * middle: nothing collected while Redis is down is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollectRole } from '../../collectors/role';
import { createKeys } from '../../src/lib/server/keys';
import { LiveTail } from '../../src/lib/server/live-tail';
import { createLogger } from '../../src/lib/server/log';
import { closeClient, createRedisClient, waitReady } from '../../src/lib/server/redis/client';
import { decodeLiveEntry, LatestSampleStore, type LiveEntry } from '../../src/lib/server/samples';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let redis: TestRedis;
const log = createLogger({ level: 'silent' });

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
		const role = startCollectRole({
			collectors: [{ kind: 'demo', name: 'shop', interval: 100, labels: { env: 'test' }, shop: 'demo', base: 120 }],
			sink: new LatestSampleStore(writer, keys),
			log
		});
		await until(() => batches.length >= 3);
		await role.stop();
		await tail.stop();

		const points = batches.flat();
		expect(points.every(([id]) => id === 'demo_orders_per_minute{env="test",shop="demo"}')).toBe(true);
		// One sample per 100 ms tick, on the tick.
		for (const [, ts] of points) expect(ts % 100).toBe(0);
		const latest = await new LatestSampleStore(writer, keys).latestAll();
		expect(latest).toHaveLength(1);
		expect(latest[0]!.ts).toBe(points[points.length - 1]![1]);
		expect(latest[0]!.intervalMs).toBe(100);
		await closeClient(writer);
	});

	it('holds samples while Redis is down and writes all of them when it is back', async () => {
		const keys = createKeys('pipe2:');
		const writer = createRedisClient(redis.url, { name: 'writer', log, maxBackoffMs: 200 });
		await waitReady(writer, 5000);
		const role = startCollectRole({
			collectors: [{ kind: 'demo', name: 'shop', interval: 100, labels: {}, shop: 'demo', base: 120 }],
			sink: new LatestSampleStore(writer, keys),
			log
		});
		await sleep(350);
		await redis.kill();
		await until(() => role.buffered() >= 5);
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
		const ts = entries.flatMap(([, fields]) => decodeLiveEntry(fields[1]!).map(([, t]) => t)).sort((a, b) => a - b);
		expect(ts.length).toBeGreaterThanOrEqual(5);
		for (let i = 1; i < ts.length; i++) expect(ts[i]! - ts[i - 1]!).toBe(100);
		await closeClient(writer);
	});
});
