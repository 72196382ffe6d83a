/**
 * Redis killed (SIGKILL) and restarted while writes are in flight, with AOF fsync on every write:
 * nothing acknowledged is lost, and nothing retried is stored twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SampleBuffer } from '../../collectors/buffer';
import { createLogger } from '../../src/lib/server/log';
import { closeClient, createRedisClient, waitReady } from '../../src/lib/server/redis/client';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { StoreSink } from '../../src/lib/server/tsdb/sink';
import type { Sample } from '../../src/lib/shared/series';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let redis: TestRedis;
beforeAll(async () => {
	redis = await startTestRedis({ appendonly: true, appendfsync: 'always' });
});
afterAll(async () => {
	await redis.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = createLogger({ level: 'silent' });

describe('writes across a Redis crash', () => {
	it('store.write: acknowledged batches survive, and retried ones are stored once', async () => {
		const client = createRedisClient(redis.url, { name: 'w', maxBackoffMs: 100 });
		await waitReady(client, 5000);
		const store = new RedisStore(client, { prefix: 'd1:' });
		const base = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
		const names = ['a', 'b', 'c', 'd'];
		const batches = Array.from({ length: 300 }, (_, b) =>
			names.map((n) => ({
				name: 'dur',
				labels: { s: n },
				ts: Array.from({ length: 20 }, (_, i) => base + (b * 20 + i) * 1000),
				values: Array.from({ length: 20 }, (_, i) => (b * 20 + i) / 4)
			}))
		);
		let crashed = 0;
		const killer = (async () => {
			await sleep(150);
			await redis.kill();
			crashed++;
			await sleep(300);
			await redis.restart();
		})();
		let failures = 0;
		for (const batch of batches) {
			let retry = false;
			for (;;) {
				try {
					const r = await store.write(batch, { retry });
					expect(r.rejected).toEqual({ out_of_order: 0, duplicate: 0, too_old: 0, invalid: 0, cardinality: 0, series_limit: 0, label_limit: 0 });
					break;
				} catch {
					failures++;
					retry = true; // the outcome is unknown: send it again as a retry
					await sleep(50);
				}
			}
		}
		await killer;
		expect(crashed).toBe(1);
		expect(failures).toBeGreaterThan(0);
		for (const n of names) {
			const [r] = await store.raw(`dur{s="${n}"}`, 0, base + 10 * 3_600_000);
			const want = batches.flatMap((b) => b.find((x) => x.labels.s === n)!.ts);
			expect(r!.ts).toEqual(want);
			expect(r!.values).toEqual(batches.flatMap((b) => b.find((x) => x.labels.s === n)!.values));
		}
		await closeClient(client);
	});

	it('the collectors\' buffer: a crash in the middle of a stream of batches loses nothing and doubles nothing', async () => {
		const client = createRedisClient(redis.url, { name: 'b', maxBackoffMs: 100 });
		await waitReady(client, 5000);
		const store = new RedisStore(client, { prefix: 'd2:' });
		const buffer = new SampleBuffer(new StoreSink(store, log), { batchSize: 250 });
		const base = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
		const expected = new Map<string, number[]>();
		let t = 0;
		let held = 0;
		const killer = (async () => {
			await sleep(200);
			await redis.kill();
			await sleep(400);
			await redis.restart();
		})();
		for (let round = 0; round < 120; round++) {
			const samples: Sample[] = [];
			for (const s of ['x', 'y', 'z']) {
				for (let i = 0; i < 10; i++) {
					const ts = base + (t + i) * 500;
					samples.push({ name: 'buf', labels: { s }, ts, value: ts % 977 });
					if (!expected.has(s)) expected.set(s, []);
					expected.get(s)!.push(ts);
				}
			}
			t += 10;
			buffer.push(samples);
			held = Math.max(held, buffer.size);
			await sleep(5);
		}
		await killer;
		expect(held).toBeGreaterThan(100); // the buffer did hold samples through the outage
		expect(await buffer.close(15_000)).toBe(0);
		for (const [s, ts] of expected) {
			const [r] = await store.raw(`buf{s="${s}"}`, 0, base + 10 * 3_600_000);
			expect(r!.ts).toEqual(ts);
		}
		await closeClient(client);
	});
});
