/**
 * Redis down for 30 s in the middle of collection: every sample taken in that window is stored
 * once Redis is back, and the buffer never grows past its bound.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddressPolicy } from '../../collectors/net/address-policy';
import { collectorConfig } from '../../collectors/registry';
import { startCollectRole } from '../../collectors/role';
import { createLogger } from '../../src/lib/server/log';
import { createRedisClient, waitReady } from '../../src/lib/server/redis/client';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { StoreSink } from '../../src/lib/server/tsdb/sink';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let redis: TestRedis;
beforeAll(async () => {
	// With AOF, as a production Redis would run: what was stored before the crash stays.
	redis = await startTestRedis({ appendonly: true, appendfsync: 'always' });
});
afterAll(async () => {
	await redis.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a 30 s Redis outage during collection', () => {
	it('loses no sample taken while Redis was away', async () => {
		const log = createLogger({ level: 'silent' });
		const client = createRedisClient(redis.url, { name: 'outage', log, maxBackoffMs: 500 });
		await waitReady(client, 5000);
		const store = new RedisStore(client, { prefix: 'outage:', liveKey: null });
		const role = startCollectRole({
			collectors: [collectorConfig.parse({ kind: 'demo', name: 'shop', interval: '250ms' })],
			sink: new StoreSink(store),
			deps: { log, addressPolicy: createAddressPolicy() },
			log
		});
		let peak = 0;
		try {
			await sleep(1000);
			const down = Date.now();
			await redis.kill();
			const watch = setInterval(() => (peak = Math.max(peak, role.buffered())), 100);
			await sleep(30_000);
			const up = Date.now();
			await redis.restart();
			await waitReady(client, 10_000);
			clearInterval(watch);
			// The buffer retries with backoff (at most 5 s): give it time to write everything.
			await sleep(7000);

			const [series] = await store.raw('demo_orders_per_minute{target="shop"}', 0, Date.now());
			const ts = series!.ts;
			const inWindow = ts.filter((t) => t >= down && t <= up);
			// One sample per 250 ms tick, every tick of the outage: nothing lost, nothing doubled.
			expect(inWindow.length).toBeGreaterThanOrEqual(Math.floor((up - down) / 250) - 1);
			for (let i = 1; i < ts.length; i++) expect(ts[i]! - ts[i - 1]!).toBe(250);
			expect(peak).toBeGreaterThan(100);
			expect(peak).toBeLessThanOrEqual(role.bufferLimit());
		} finally {
			await role.stop(2000);
			await store.close();
			client.disconnect();
		}
	}, 60_000);
});
