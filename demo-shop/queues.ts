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
	return new BullShopQueues(options);
}

/**
 * The producer connection fails fast while Redis is down (nothing queues in memory); the workers'
 * connection waits (BullMQ needs maxRetriesPerRequest null; its blocking connections are duplicates of it).
 */
function connections(redisUrl: string, log: Logger | undefined): { producer: Redis; consumer: Redis } {
	const producer = createRedisClient(redisUrl, { name: 'demo-shop', log, maxBackoffMs: 2000 });
	const consumer = new Redis(redisUrl, {
		connectionName: 'vigil:demo-shop-workers',
		maxRetriesPerRequest: null,
		connectTimeout: 5000,
		retryStrategy: (attempt) => reconnectDelay(attempt, 2000)
	});
	consumer.on('error', () => {
		// The producer connection logs outages; this one only retries.
	});
	return { producer, consumer };
}

class BullShopQueues implements ShopQueues {
	private closed = false;
	private readonly producer: Redis;
	private readonly consumer: Redis;
	private readonly orders: Queue<OrderJob>;
	private readonly tickets: Queue<TicketJob>;
	private readonly orderWorker: Worker<OrderJob>;
	private readonly ticketWorker: Worker<TicketJob>;
	private depthTimer: ReturnType<typeof setTimeout> | undefined;

	constructor(private readonly options: ShopQueuesOptions) {
		const { producer, consumer } = connections(options.redisUrl, options.log);
		this.producer = producer;
		this.consumer = consumer;
		const queueOptions = {
			connection: this.producer,
			prefix: options.prefix,
			streams: { events: { maxLen: EVENTS_MAX_LEN } },
			defaultJobOptions: { removeOnComplete: { count: KEEP_FINISHED }, removeOnFail: { count: KEEP_FINISHED }, attempts: 1 }
		};
		this.orders = new Queue<OrderJob>('orders', queueOptions);
		this.tickets = new Queue<TicketJob>('tickets', queueOptions);
		this.orderWorker = this.orderWorkers();
		this.ticketWorker = this.ticketWorkers();
		const onError = (err: Error) => options.log?.debug({ err: err.message }, 'demo shop queue error');
		this.orders.on('error', onError);
		this.tickets.on('error', onError);
		this.orderWorker.on('error', onError);
		this.ticketWorker.on('error', onError);
		this.depthTimer = setTimeout(() => void this.pollDepth(), 0);
	}

	addOrder(order: OrderJob): void {
		if (this.canAdd()) this.orders.add('order', order).catch(this.addFailed('orders'));
	}

	addTicket(ticket: TicketJob): void {
		if (!this.canAdd()) return;
		this.tickets.add('ticket', ticket).then((job) => this.options.onTicketQueued(ticket, job.timestamp), this.addFailed('tickets'));
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		clearTimeout(this.depthTimer);
		const { orderWorker, ticketWorker } = this;
		const all = Promise.allSettled([orderWorker.close(true), ticketWorker.close(true), this.orders.close(), this.tickets.close()]);
		if ((await within(all, CLOSE_TIMEOUT_MS)) === 'timeout') {
			// Not closed in time (Redis gone mid-command): drop the connections BullMQ owns outright.
			for (const worker of [orderWorker, ticketWorker]) void worker.disconnect().catch(() => undefined);
		}
		await Promise.all([closeClient(this.producer), closeClient(this.consumer)]);
	}

	private workerOptions(concurrency: number) {
		const keep = { count: KEEP_FINISHED };
		return { connection: this.consumer, prefix: this.options.prefix, removeOnComplete: keep, removeOnFail: keep, concurrency };
	}

	private orderWorkers(): Worker<OrderJob> {
		const { random, speed } = this.options;
		return new Worker<OrderJob>(
			'orders',
			async () => {
				await this.work(jittered(ORDER_WORK_MS * this.options.effects().orderWork, random, 0.4) / speed);
			},
			this.workerOptions(ORDER_CONCURRENCY)
		);
	}

	private ticketWorkers(): Worker<TicketJob> {
		const { random, speed } = this.options;
		return new Worker<TicketJob>(
			'tickets',
			async (job: Job<TicketJob>) => {
				await this.work(jittered(TICKET_WORK_MS, random, 0.6) / speed);
				if (!this.closed) this.options.onTicketAnswered(job.data, job.timestamp);
			},
			this.workerOptions(TICKET_CONCURRENCY)
		);
	}

	/** Simulated work that follows the scenario while it runs: a crawl in a backlog, normal again after. */
	private async work(ms: number): Promise<void> {
		const { sleeper } = this.options;
		let done = 0;
		while (done < ms && !this.closed && !sleeper.cancelled) {
			const rate = Math.max(this.options.effects().workerRate, 1e-6);
			const step = Math.max(1, Math.min(WORK_STEP_MS, (ms - done) / rate));
			await sleeper.sleep(step);
			done += step * rate;
		}
	}

	private canAdd(): boolean {
		return !this.closed && this.producer.status === 'ready';
	}

	private addFailed(queue: QueueName) {
		return (err: Error) => this.options.log?.debug({ err: err.message, queue }, 'demo shop could not queue a job');
	}

	private async pollDepth(): Promise<void> {
		if (this.producer.status === 'ready') {
			const queues: Record<QueueName, Queue> = { orders: this.orders, tickets: this.tickets };
			const read = Promise.all(
				QUEUES.map(async (name) => {
					const counts = await queues[name].getJobCounts(...DEPTH_STATES);
					this.options.onDepth(name, Object.values(counts).reduce((a, b) => a + b, 0));
				})
			);
			// Redis gone mid-poll, or too slow: the gauges keep their last values.
			await within(read, DEPTH_TIMEOUT_MS);
		}
		if (!this.closed) this.depthTimer = setTimeout(() => void this.pollDepth(), DEPTH_INTERVAL_MS);
	}
}
