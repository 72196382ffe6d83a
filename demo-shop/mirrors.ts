/**
 * Optional copies of the shop's orders to systems the demo also watches, when they are reachable:
 * rows in a PostgreSQL table (`vigil_demo_shop_orders`, for the sql source) and messages on a
 * RabbitMQ queue (`demo-shop.notifications`, drained by a simulated notification worker, for the
 * rabbitmq source). A mirror that cannot connect retries every 30 s and costs nothing meanwhile;
 * the shop never waits for one.
 */
import { connect, type Channel, type ChannelModel } from 'amqplib';
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
	const timers = new Set<NodeJS.Timeout>();
	let closed = false;
	const later = (fn: () => void, ms: number) => {
		if (closed) return;
		const t = setTimeout(() => {
			timers.delete(t);
			fn();
		}, ms);
		t.unref();
		timers.add(t);
	};

	// PostgreSQL: orders written in small batches; a day of them kept.
	let pool: pg.Pool | undefined;
	let pending: OrderJob[] = [];
	const pgConnect = async () => {
		if (!options.postgresUrl || closed) return;
		const p = new pg.Pool({ connectionString: options.postgresUrl, max: 2, connectionTimeoutMillis: 3000 });
		p.on('error', () => {});
		try {
			await p.query(`CREATE TABLE IF NOT EXISTS ${ORDERS_TABLE} (id text primary key, channel text not null, items int not null, total numeric(10,2) not null, created_at timestamptz not null default now())`);
			await p.query(`CREATE INDEX IF NOT EXISTS ${ORDERS_TABLE}_created ON ${ORDERS_TABLE} (created_at)`);
			pool = p;
			options.log?.info({ table: ORDERS_TABLE }, 'demo shop: copying orders to PostgreSQL');
		} catch (err) {
			await p.end().catch(() => {});
			options.log?.debug({ err: (err as Error).message }, 'demo shop: PostgreSQL not reachable; retrying later');
			later(() => void pgConnect(), RETRY_MS);
		}
	};
	const flush = async () => {
		if (pool && pending.length) {
			const batch = pending.splice(0, 500);
			const values = batch.map((_, i) => `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`).join(', ');
			try {
				await pool.query(`INSERT INTO ${ORDERS_TABLE} (id, channel, items, total) VALUES ${values} ON CONFLICT DO NOTHING`, batch.flatMap((o) => [o.orderId, o.channel, o.items, o.total]));
				if (Math.random() < 0.01) await pool.query(`DELETE FROM ${ORDERS_TABLE} WHERE created_at < now() - interval '1 day'`);
			} catch {
				// PostgreSQL went away: these orders are not copied; the shop goes on.
			}
		}
		later(() => void flush(), 1000);
	};

	// RabbitMQ: a message per order, acknowledged by a worker at a rate the scenario sets.
	let amqp: ChannelModel | undefined;
	let channel: Channel | undefined;
	const amqpConnect = async () => {
		if (!options.amqpUrl || closed) return;
		try {
			const c = await connect(options.amqpUrl, { timeout: 3000 });
			c.on('error', () => {});
			c.on('close', () => {
				amqp = undefined;
				channel = undefined;
				later(() => void amqpConnect(), RETRY_MS);
			});
			const ch = await c.createChannel();
			ch.on('error', () => {});
			await ch.assertQueue(NOTIFICATIONS_QUEUE, { durable: false, arguments: { 'x-max-length': 100_000 } });
			await ch.prefetch(1);
			await ch.consume(NOTIFICATIONS_QUEUE, (msg) => {
				if (!msg) return;
				// A notification takes ~50 ms at normal speed.
				later(() => {
					try {
						ch.ack(msg);
					} catch {
						// the channel closed meanwhile
					}
				}, 50 / Math.max(0.001, options.workerRate()));
			});
			amqp = c;
			channel = ch;
			options.log?.info({ queue: NOTIFICATIONS_QUEUE }, 'demo shop: publishing notifications to RabbitMQ');
		} catch (err) {
			options.log?.debug({ err: (err as Error).message }, 'demo shop: RabbitMQ not reachable; retrying later');
			later(() => void amqpConnect(), RETRY_MS);
		}
	};

	void pgConnect();
	void amqpConnect();
	later(() => void flush(), 1000);

	return {
		order(order) {
			if (pool && pending.length < 10_000) pending.push(order);
			if (channel) {
				try {
					channel.sendToQueue(NOTIFICATIONS_QUEUE, Buffer.from(JSON.stringify({ orderId: order.orderId, channel: order.channel })));
				} catch {
					// the channel closed: the order goes without a notification
				}
			}
		},
		async close() {
			closed = true;
			for (const t of timers) clearTimeout(t);
			timers.clear();
			const c = amqp;
			amqp = undefined;
			channel = undefined;
			await Promise.allSettled([c?.close(), pool?.end()]);
			pool = undefined;
		}
	};
}
