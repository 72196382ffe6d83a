/**
 * The demo shop's BullMQ queues `orders` and `tickets`: producers fed by checkout, workers in the
 * same process that take a simulated time per job (slower or stalled as the scenario says), and a
 * once-a-second poll of each queue's depth. Redis may be down at any time: adding a job is skipped
 * while the connection is not ready, the depth gauges keep their last values, and every connection
 * reconnects in the background.
 */
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../src/lib/server/log';
import { closeClient, createRedisClient, reconnectDelay } from '../src/lib/server/redis';
import { QUEUES, type OrderJob, type QueueName, type TicketJob } from './model';
import { jittered, type Random } from './random';
import type { ScenarioEffects } from './scenarios';
import type { Sleeper } from './sleeper';

export interface ShopQueuesOptions {
	redisUrl: string;
	/** BullMQ key prefix: keys look like `<prefix>:orders:wait`. */
	prefix: string;
	/** Job work takes 1/speed of its simulated time. */
	speed: number;
	random: Random;
	effects(): ScenarioEffects;
	sleeper: Sleeper;
	log?: Logger;
	onDepth(queue: QueueName, depth: number): void;
	/** A ticket job is in Redis (the complaint waits for an answer). */
	onTicketQueued(ticket: TicketJob, createdAt: number): void;
	/** Customer service sent its first answer to a ticket. */
	onTicketAnswered(ticket: TicketJob, createdAt: number): void;
}

export interface ShopQueues {
	addOrder(order: OrderJob): void;
	addTicket(ticket: TicketJob): void;
	close(): Promise<void>;
}

/** Finished jobs kept in Redis per queue; older ones are removed as new ones finish. */
const KEEP_FINISHED = 1000;
const EVENTS_MAX_LEN = 1000;
const DEPTH_INTERVAL_MS = 1000;
const DEPTH_TIMEOUT_MS = 2000;
const CLOSE_TIMEOUT_MS = 1500;
/** Median simulated work per job at speed 1, and how many jobs run at once. */
const ORDER_WORK_MS = 2000;
const ORDER_CONCURRENCY = 4;
const TICKET_WORK_MS = 60_000;
const TICKET_CONCURRENCY = 4;
const WORK_STEP_MS = 50;

/** Depth counts jobs not finished yet: waiting (BullMQ counts paused jobs in it), prioritized, delayed, active. */
const DEPTH_STATES = ['waiting', 'prioritized', 'delayed', 'active'] as const;

/** Waits for `promise`, at most `ms`; says which came first. Never rejects. */
async function within(promise: Promise<unknown>, ms: number): Promise<'done' | 'timeout'> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<'timeout'>((resolve) => {
		timer = setTimeout(() => resolve('timeout'), ms);
	});
	try {
		return await Promise.race([promise.then(() => 'done' as const, () => 'done' as const), late]);
	} finally {
		clearTimeout(timer);
	}
}

export function createShopQueues(options: ShopQueuesOptions): ShopQueues {
	const { prefix, speed, random, sleeper } = options;
	const log = options.log;
	let closed = false;

	// Producer side: fails fast while Redis is down (nothing queues in memory).
	const producer = createRedisClient(options.redisUrl, { name: 'demo-shop', log, maxBackoffMs: 2000 });
	// Worker side: BullMQ needs maxRetriesPerRequest null; its blocking connections are duplicates of this one.
	const consumer = new Redis(options.redisUrl, {
		connectionName: 'vigil:demo-shop-workers',
		maxRetriesPerRequest: null,
		connectTimeout: 5000,
		retryStrategy: (attempt) => reconnectDelay(attempt, 2000)
	});
	consumer.on('error', () => {
		// The producer connection logs outages; this one only retries.
	});

	const queueOptions = {
		connection: producer,
		prefix,
		streams: { events: { maxLen: EVENTS_MAX_LEN } },
		defaultJobOptions: { removeOnComplete: { count: KEEP_FINISHED }, removeOnFail: { count: KEEP_FINISHED }, attempts: 1 }
	};
	const orders = new Queue<OrderJob>('orders', queueOptions);
	const tickets = new Queue<TicketJob>('tickets', queueOptions);
	const queues: Record<QueueName, Queue> = { orders, tickets };

	/** Simulated work that follows the scenario while it runs: a crawl in a backlog, normal again after. */
	const work = async (ms: number) => {
		let done = 0;
		while (done < ms && !closed && !sleeper.cancelled) {
			const rate = Math.max(options.effects().workerRate, 1e-6);
			const step = Math.max(1, Math.min(WORK_STEP_MS, (ms - done) / rate));
			await sleeper.sleep(step);
			done += step * rate;
		}
	};
	const workerOptions = {
		connection: consumer,
		prefix,
		removeOnComplete: { count: KEEP_FINISHED },
		removeOnFail: { count: KEEP_FINISHED }
	};
	const orderWorker = new Worker<OrderJob>(
		'orders',
		async () => {
			await work(jittered(ORDER_WORK_MS * options.effects().orderWork, random, 0.4) / speed);
		},
		{ ...workerOptions, concurrency: ORDER_CONCURRENCY }
	);
	const ticketWorker = new Worker<TicketJob>(
		'tickets',
		async (job: Job<TicketJob>) => {
			await work(jittered(TICKET_WORK_MS, random, 0.6) / speed);
			if (!closed) options.onTicketAnswered(job.data, job.timestamp);
		},
		{ ...workerOptions, concurrency: TICKET_CONCURRENCY }
	);
	const onError = (err: Error) => log?.debug({ err: err.message }, 'demo shop queue error');
	orders.on('error', onError);
	tickets.on('error', onError);
	orderWorker.on('error', onError);
	ticketWorker.on('error', onError);

	const canAdd = () => !closed && producer.status === 'ready';
	const addFailed = (queue: QueueName) => (err: Error) => log?.debug({ err: err.message, queue }, 'demo shop could not queue a job');

	let depthTimer: ReturnType<typeof setTimeout> | undefined;
	const pollDepth = async () => {
		if (producer.status === 'ready') {
			const read = Promise.all(
				QUEUES.map(async (name) => {
					const counts = await queues[name].getJobCounts(...DEPTH_STATES);
					options.onDepth(name, Object.values(counts).reduce((a, b) => a + b, 0));
				})
			);
			// Redis gone mid-poll, or too slow: the gauges keep their last values.
			await within(read, DEPTH_TIMEOUT_MS);
		}
		if (!closed) depthTimer = setTimeout(() => void pollDepth(), DEPTH_INTERVAL_MS);
	};
	depthTimer = setTimeout(() => void pollDepth(), 0);

	return {
		addOrder(order) {
			if (canAdd()) orders.add('order', order).catch(addFailed('orders'));
		},
		addTicket(ticket) {
			if (!canAdd()) return;
			tickets.add('ticket', ticket).then((job) => options.onTicketQueued(ticket, job.timestamp), addFailed('tickets'));
		},
		async close() {
			if (closed) return;
			closed = true;
			clearTimeout(depthTimer);
			const all = Promise.allSettled([orderWorker.close(true), ticketWorker.close(true), orders.close(), tickets.close()]);
			if ((await within(all, CLOSE_TIMEOUT_MS)) === 'timeout') {
				// Not closed in time (Redis gone mid-command): drop the connections BullMQ owns outright.
				for (const worker of [orderWorker, ticketWorker]) void worker.disconnect().catch(() => undefined);
			}
			await Promise.all([closeClient(producer), closeClient(consumer)]);
		}
	};
}
