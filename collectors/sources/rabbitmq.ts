/**
 * rabbitmq: queue depth and consumer count over AMQP, with a passive declare (`checkQueue`), which
 * never creates a queue.
 *
 * Config: `url` (amqp:// or amqps://, default amqp://guest:guest@127.0.0.1:5672), `queues` (names),
 * `drainWindow` (default 5m). Series, each with `queue`: queue_backlog (messages ready),
 * queue_consumers, queue_drain_rate, queue_time_to_drain_seconds.
 */
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { z } from 'zod';
import { zDuration } from '../../src/lib/shared/duration';
import type { Sample } from '../../src/lib/shared/series';
import { collectorBlock, targetOf } from '../common';
import { DrainTracker } from '../queues/drain';
import type { SourceDefinition } from '../types';

const schema = collectorBlock('rabbitmq', {
	url: z
		.string()
		.regex(/^amqps?:\/\//, 'expected a URL like amqp://user:password@host:5672/vhost')
		.default('amqp://guest:guest@127.0.0.1:5672'),
	queues: z
		.array(z.string().min(1).max(255))
		.min(1, 'name at least one queue')
		.refine((q) => new Set(q).size === q.length, 'each queue once'),
	drainWindow: zDuration({ min: 1000 }).default(300_000)
});

/** The URL without its password, for messages. */
function redact(url: string): string {
	return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

export const rabbitmqSource: SourceDefinition<typeof schema> = {
	kind: 'rabbitmq',
	summary: 'queue depth and consumers of RabbitMQ queues over AMQP (passive declare)',
	schema,
	create(config) {
		let conn: ChannelModel | undefined;
		let connecting: Promise<ChannelModel> | undefined;
		const drain = new DrainTracker(config.drainWindow);
		const connection = async (signal: AbortSignal): Promise<ChannelModel> => {
			if (conn) return conn;
			connecting ??= connect(config.url, { timeout: 5000 })
				.then((c) => {
					c.on('error', () => {});
					c.on('close', () => {
						if (conn === c) conn = undefined;
					});
					conn = c;
					return c;
				})
				.catch((err: Error) => {
					throw new Error(`cannot connect to ${redact(config.url)}: ${err.message}`);
				})
				.finally(() => (connecting = undefined));
			signal.throwIfAborted();
			return connecting;
		};
		return targetOf(
			config,
			async ({ now, signal }) => {
				const c = await connection(signal);
				const samples: Sample[] = [];
				const errors: string[] = [];
				let channel: Channel | undefined;
				for (const queue of config.queues) {
					// A failed passive declare closes the channel: open a fresh one after a failure.
					channel ??= await c.createChannel();
					channel.on('error', () => {});
					try {
						const q = await channel.checkQueue(queue);
						const labels = { queue };
						samples.push(
							{ name: 'queue_backlog', labels, ts: now, value: q.messageCount },
							{ name: 'queue_consumers', labels, ts: now, value: q.consumerCount },
							...drain.observe(queue, labels, now, q.messageCount)
						);
					} catch (err) {
						const msg = (err as Error).message;
						errors.push(/NOT_FOUND|404/.test(msg) ? `queue ${JSON.stringify(queue)} does not exist` : `${queue}: ${msg}`);
						channel = undefined;
					}
				}
				await channel?.close().catch(() => {});
				if (errors.length === config.queues.length) throw new Error(errors.join('; '));
				return errors.length ? { samples, up: false, error: errors.join('; ') } : { samples };
			},
			{
				async close() {
					const c = conn ?? (await connecting?.catch(() => undefined));
					conn = undefined;
					await c?.close().catch(() => {});
				}
			}
		);
	}
};
