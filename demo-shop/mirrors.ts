/**
 * Optional copies of the shop's orders to systems the demo also watches, when they are reachable:
 * rows in a PostgreSQL table (`vigil_demo_shop_orders`, for the sql source) and messages on a
 * RabbitMQ queue (`demo-shop.notifications`, drained by a simulated notification worker, for the
 * rabbitmq source). A mirror that cannot connect retries every 30 s and costs nothing meanwhile;
 * the shop never waits for one.
 */
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import pg from 'pg';
import type { Logger } from '../src/lib/server/log';
import type { OrderJob } from './model';

export const ORDERS_TABLE = 'vigil_demo_shop_orders';
export const NOTIFICATIONS_QUEUE = 'demo-shop.notifications';

export interface MirrorOptions {
	postgresUrl?: string;
	amqpUrl?: string;
	/** How fast the notification worker works, 1 = normal (scenarios slow it). */
	workerRate: () => number;
	log?: Logger;
}

export interface Mirrors {
	order(order: OrderJob): void;
	close(): Promise<void>;
}

const RETRY_MS = 30_000;

export function startMirrors(options: MirrorOptions): Mirrors {
	const mirrors = new OrderMirrors(options);
	mirrors.start();
	return mirrors;
}

class OrderMirrors implements Mirrors {
	private readonly timers = new Set<NodeJS.Timeout>();
	private closed = false;
	// PostgreSQL: orders written in small batches; a day of them kept.
	private pool: pg.Pool | undefined;
	private readonly pending: OrderJob[] = [];
	// RabbitMQ: a message per order, acknowledged by a worker at a rate the scenario sets.
	private amqp: ChannelModel | undefined;
	private channel: Channel | undefined;

	constructor(private readonly options: MirrorOptions) {}

	start(): void {
		void this.pgConnect();
		void this.amqpConnect();
		this.later(() => void this.flush(), 1000);
	}

	order(order: OrderJob): void {
		if (this.pool && this.pending.length < 10_000) this.pending.push(order);
		if (this.channel) {
			try {
				this.channel.sendToQueue(NOTIFICATIONS_QUEUE, Buffer.from(JSON.stringify({ orderId: order.orderId, channel: order.channel })));
			} catch {
				// the channel closed: the order goes without a notification
			}
		}
	}

	async close(): Promise<void> {
		this.closed = true;
		for (const t of this.timers) clearTimeout(t);
		this.timers.clear();
		const c = this.amqp;
		this.amqp = undefined;
		this.channel = undefined;
		await Promise.allSettled([c?.close(), this.pool?.end()]);
		this.pool = undefined;
	}

	private later(fn: () => void, ms: number): void {
		if (this.closed) return;
		const t = setTimeout(() => {
			this.timers.delete(t);
			fn();
		}, ms);
		t.unref();
		this.timers.add(t);
	}

	private async pgConnect(): Promise<void> {
		const { postgresUrl, log } = this.options;
		if (!postgresUrl || this.closed) return;
		const p = new pg.Pool({ connectionString: postgresUrl, max: 2, connectionTimeoutMillis: 3000 });
		p.on('error', () => {});
		try {
			await p.query(`CREATE TABLE IF NOT EXISTS ${ORDERS_TABLE} (id text primary key, channel text not null, items int not null, total numeric(10,2) not null, created_at timestamptz not null default now())`);
			await p.query(`CREATE INDEX IF NOT EXISTS ${ORDERS_TABLE}_created ON ${ORDERS_TABLE} (created_at)`);
			this.pool = p;
			log?.info({ table: ORDERS_TABLE }, 'demo shop: copying orders to PostgreSQL');
		} catch (err) {
			await p.end().catch(() => {});
			log?.debug({ err: (err as Error).message }, 'demo shop: PostgreSQL not reachable; retrying later');
			this.later(() => void this.pgConnect(), RETRY_MS);
		}
	}

	private async flush(): Promise<void> {
		const pool = this.pool;
		if (pool && this.pending.length) {
			const batch = this.pending.splice(0, 500);
			const values = batch.map((_, i) => `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`).join(', ');
			try {
				await pool.query(`INSERT INTO ${ORDERS_TABLE} (id, channel, items, total) VALUES ${values} ON CONFLICT DO NOTHING`, batch.flatMap((o) => [o.orderId, o.channel, o.items, o.total]));
				if (Math.random() < 0.01) await pool.query(`DELETE FROM ${ORDERS_TABLE} WHERE created_at < now() - interval '1 day'`);
			} catch {
				// PostgreSQL went away: these orders are not copied; the shop goes on.
			}
		}
		this.later(() => void this.flush(), 1000);
	}

	private async amqpConnect(): Promise<void> {
		const { amqpUrl, log } = this.options;
		if (!amqpUrl || this.closed) return;
		try {
			const c = await connect(amqpUrl, { timeout: 3000 });
			c.on('error', () => {});
			c.on('close', () => {
				this.amqp = undefined;
				this.channel = undefined;
				this.later(() => void this.amqpConnect(), RETRY_MS);
			});
			const ch = await c.createChannel();
			ch.on('error', () => {});
			await ch.assertQueue(NOTIFICATIONS_QUEUE, { durable: false, arguments: { 'x-max-length': 100_000 } });
			await ch.prefetch(1);
			await ch.consume(NOTIFICATIONS_QUEUE, (msg) => {
				if (msg) this.acknowledgeLater(ch, msg);
			});
			this.amqp = c;
			this.channel = ch;
			log?.info({ queue: NOTIFICATIONS_QUEUE }, 'demo shop: publishing notifications to RabbitMQ');
		} catch (err) {
			log?.debug({ err: (err as Error).message }, 'demo shop: RabbitMQ not reachable; retrying later');
			this.later(() => void this.amqpConnect(), RETRY_MS);
		}
	}

	/** The simulated notification worker: a notification takes ~50 ms at normal speed. */
	private acknowledgeLater(ch: Channel, msg: ConsumeMessage): void {
		this.later(() => {
			try {
				ch.ack(msg);
			} catch {
				// the channel closed meanwhile
			}
		}, 50 / Math.max(0.001, this.options.workerRate()));
	}
}
