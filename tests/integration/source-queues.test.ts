/**
 * Queue sources against real queues: a BullMQ queue, a list, a stream with a consumer group and a
 * sorted set in a private Redis; RabbitMQ on 127.0.0.1:5672; and the derived drain series.
 */
import { connect, type ChannelModel } from 'amqplib';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../helpers/collect';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let redis: TestRedis;
let client: Redis;

beforeAll(async () => {
	redis = await startTestRedis();
	client = redis.client();
});
afterAll(async () => {
	await redis.stop();
});

describe('redis-queue source', () => {
	it('reads a BullMQ queue: waiting, active, delayed, failed, and the age of the oldest waiting job', async () => {
		const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
		const queue = new Queue('orders', { connection, prefix: 'shop' });
		// Two jobs fail at once, then the worker stops; five wait; one is delayed.
		await queue.add('bad', { n: 0 }, { attempts: 1 });
		await queue.add('bad', { n: 1 }, { attempts: 1 });
		const worker = new Worker('orders', async () => Promise.reject(new Error('no stock')), { connection: new Redis(redis.url, { maxRetriesPerRequest: null }), prefix: 'shop' });
		await new Promise<void>((resolve) => {
			let failed = 0;
			worker.on('failed', () => ++failed === 2 && resolve());
		});
		await worker.close();
		const before = Date.now();
		for (let i = 0; i < 5; i++) await queue.add('order', { i });
		await queue.add('later', {}, { delay: 3_600_000 });
		await new Promise((r) => setTimeout(r, 1100));

		const c = await collect(redis.url, [{ kind: 'redis-queue', name: 'shop-queues', interval: '200ms', queues: [{ name: 'orders', type: 'bullmq', queue: 'orders', prefix: 'shop' }] }]);
		try {
			expect(await c.value('queue_backlog{target="shop-queues",queue="orders"}')).toBe(5);
			const jobs = await c.waitFor('queue_jobs{queue="orders"}', (r) => r.length === 5);
			const byState = Object.fromEntries(jobs.map((j) => [j.labels.state, j.value]));
			expect(byState).toEqual({ waiting: 5, active: 0, delayed: 1, failed: 2, prioritized: 0 });
			const age = await c.value('queue_oldest_waiting_age_seconds{queue="orders"}');
			expect(age).toBeGreaterThanOrEqual(1);
			expect(age).toBeLessThan((Date.now() - before) / 1000 + 1);
		} finally {
			await c.stop();
			await queue.close();
			connection.disconnect();
		}
	});

	it('reads a list, a sorted set and a stream with a consumer group (lag and pending)', async () => {
		await client.rpush('mail:queue', 'a', 'b', 'c');
		await client.zadd('retry:set', 1, 'x', 2, 'y');
		for (let i = 0; i < 7; i++) await client.xadd('events', '*', 'n', String(i));
		await client.xgroup('CREATE', 'events', 'workers', '0');
		await client.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', 3, 'STREAMS', 'events', '>'); // 3 delivered, unacked
		const c = await collect(redis.url, [
			{
				kind: 'redis-queue',
				name: 'raw',
				interval: '200ms',
				queues: [
					{ name: 'mail', type: 'list', key: 'mail:queue' },
					{ name: 'retries', type: 'zset', key: 'retry:set' },
					{ name: 'events', type: 'stream', key: 'events', group: 'workers' },
					{ name: 'all-events', type: 'stream', key: 'events' }
				]
			}
		]);
		try {
			expect(await c.value('queue_backlog{queue="mail"}')).toBe(3);
			expect(await c.value('queue_backlog{queue="retries"}')).toBe(2);
			expect(await c.value('queue_backlog{queue="events"}')).toBe(4); // 7 entries, 3 read by the group
			expect(await c.value('queue_pending{queue="events"}')).toBe(3);
			expect(await c.value('queue_backlog{queue="all-events"}')).toBe(7);
		} finally {
			await c.stop();
		}
	});

	it('derives the drain rate and time to drain as a queue empties, and +Inf while it grows', async () => {
		await client.del('drain:q');
		await client.rpush('drain:q', ...Array.from({ length: 100 }, (_, i) => String(i)));
		const c = await collect(redis.url, [{ kind: 'redis-queue', name: 'drain', interval: '200ms', drainWindow: '10s', queues: [{ name: 'work', type: 'list', key: 'drain:q' }] }]);
		try {
			await c.waitFor('queue_backlog{queue="work"}');
			// Grow: no drain.
			await client.rpush('drain:q', ...Array.from({ length: 50 }, (_, i) => String(i)));
			await c.waitFor('queue_backlog{queue="work"}', (r) => r[0]?.value === 150);
			expect(await c.value('queue_time_to_drain_seconds{queue="work"}')).toBe(Infinity);
			// Drain steadily: 20 items every 200 ms.
			for (let i = 0; i < 5; i++) {
				await client.ltrim('drain:q', 20, -1);
				await new Promise((r) => setTimeout(r, 200));
			}
			await c.waitFor('queue_drain_rate{queue="work"}', (r) => (r[0]?.value ?? 0) > 0);
			const rate = await c.value('queue_drain_rate{queue="work"}');
			const backlog = await c.value('queue_backlog{queue="work"}');
			const ttd = await c.value('queue_time_to_drain_seconds{queue="work"}');
			expect(backlog).toBeLessThanOrEqual(70);
			expect(ttd).toBeCloseTo(backlog / rate, 0);
		} finally {
			await c.stop();
		}
	});

	it('marks the target down, naming the queue, when a stream has no such group', async () => {
		await client.xadd('lonely', '*', 'a', '1');
		const c = await collect(redis.url, [{ kind: 'redis-queue', name: 'nogroup', interval: '200ms', queues: [{ name: 's', type: 'stream', key: 'lonely', group: 'ghosts' }] }]);
		try {
			expect(await c.value('up{target="nogroup"}')).toBe(0);
		} finally {
			await c.stop();
		}
	});
});

describe('rabbitmq source (RabbitMQ on 127.0.0.1:5672)', () => {
	let amqp: ChannelModel;
	const queue = `vigil-test-${process.pid}-${Date.now()}`;

	beforeAll(async () => {
		amqp = await connect('amqp://guest:guest@127.0.0.1:5672');
		const ch = await amqp.createChannel();
		await ch.assertQueue(queue, { durable: false, autoDelete: false });
		for (let i = 0; i < 12; i++) ch.sendToQueue(queue, Buffer.from(`order ${i}`));
		await ch.close();
	});
	afterAll(async () => {
		const ch = await amqp.createChannel();
		await ch.deleteQueue(queue);
		await amqp.close();
	});

	it('stores the depth and the consumer count of a queue, by passive declare', async () => {
		const ch = await amqp.createChannel();
		await ch.prefetch(1);
		// A consumer that never acks: it holds one message, the rest stay ready.
		await ch.consume(queue, () => {}, { noAck: false });
		await new Promise((r) => setTimeout(r, 300));
		const c = await collect(redis.url, [{ kind: 'rabbitmq', name: 'rabbit', interval: '300ms', queues: [queue] }]);
		try {
			expect(await c.value(`queue_backlog{target="rabbit",queue="${queue}"}`)).toBe(11);
			expect(await c.value(`queue_consumers{queue="${queue}"}`)).toBe(1);
			expect(await c.value('up{target="rabbit"}')).toBe(1);
		} finally {
			await c.stop();
			await ch.close();
		}
	});

	it('reports a queue that does not exist, and never creates it', async () => {
		const missing = `${queue}-missing`;
		const c = await collect(redis.url, [{ kind: 'rabbitmq', name: 'rabbit2', interval: '300ms', queues: [queue, missing] }]);
		try {
			expect(await c.value('up{target="rabbit2"}')).toBe(0);
			expect(await c.value(`queue_backlog{target="rabbit2",queue="${queue}"}`)).toBeGreaterThanOrEqual(11);
			const ch = await amqp.createChannel();
			ch.on('error', () => {});
			await expect(ch.checkQueue(missing)).rejects.toThrow(/NOT_FOUND/);
		} finally {
			await c.stop();
		}
	});

	it('counts an unreachable broker as down', async () => {
		const c = await collect(redis.url, [{ kind: 'rabbitmq', name: 'nobroker', interval: '300ms', url: 'amqp://guest:guest@127.0.0.1:1', queues: ['x'] }]);
		try {
			expect(await c.value('up{target="nobroker"}')).toBe(0);
		} finally {
			await c.stop();
		}
	});
});
