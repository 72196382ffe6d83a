/**
 * redis-queue: the backlog of queues kept in Redis.
 *
 * Config: `url` (default: Vigil's own Redis), `queues`: a list of
 *   { name, type: list, key }                 LLEN
 *   { name, type: stream, key, group? }       XLEN, or the consumer group's lag and pending count
 *   { name, type: zset, key }                 ZCARD
 *   { name, type: bullmq, queue, prefix? }    a BullMQ queue (prefix default "bull")
 * and `drainWindow` (default 5m) for the derived series.
 *
 * Series, each with `queue`: queue_backlog, queue_drain_rate, queue_time_to_drain_seconds; for
 * streams with a group, queue_pending; for BullMQ, queue_jobs{state=waiting|active|delayed|
 * failed|prioritized} and queue_oldest_waiting_age_seconds.
 */
import { Redis } from 'ioredis';
import { z } from 'zod';
import { zDuration } from '../../src/lib/shared/duration';
import type { Sample } from '../../src/lib/shared/series';
import { collectorBlock, targetOf } from '../common';
import { DrainTracker } from '../queues/drain';
import type { SourceDefinition } from '../types';

const queueName = z.string().min(1).max(200);

const queueSpec = z.discriminatedUnion('type', [
	z.strictObject({ name: queueName, type: z.literal('list'), key: z.string().min(1) }),
	z.strictObject({ name: queueName, type: z.literal('zset'), key: z.string().min(1) }),
	z.strictObject({ name: queueName, type: z.literal('stream'), key: z.string().min(1), group: z.string().min(1).optional() }),
	z.strictObject({ name: queueName, type: z.literal('bullmq'), queue: z.string().min(1), prefix: z.string().min(1).default('bull') })
]);

const schema = collectorBlock('redis-queue', {
	url: z
		.string()
		.regex(/^rediss?:\/\//, 'expected a URL like redis://host:6379')
		.optional(),
	queues: z
		.array(queueSpec)
		.min(1, 'name at least one queue')
		.refine((qs) => new Set(qs.map((q) => q.name)).size === qs.length, 'each queue name once'),
	drainWindow: zDuration({ min: 1000 }).default(300_000)
});

type QueueSpec = z.output<typeof queueSpec>;

/** XINFO GROUPS as a list of field maps. */
function groupsInfo(reply: unknown): Array<Record<string, unknown>> {
	if (!Array.isArray(reply)) return [];
	return reply.map((g) => {
		const out: Record<string, unknown> = {};
		const a = g as unknown[];
		for (let i = 0; i + 1 < a.length; i += 2) out[String(a[i])] = a[i + 1];
		return out;
	});
}

async function readQueue(redis: Redis, q: QueueSpec, now: number): Promise<{ backlog: number; extra: Sample[] }> {
	const labels = { queue: q.name };
	switch (q.type) {
		case 'list':
			return { backlog: await redis.llen(q.key), extra: [] };
		case 'zset':
			return { backlog: await redis.zcard(q.key), extra: [] };
		case 'stream': {
			const [len, groups] = await Promise.all([redis.xlen(q.key), q.group ? redis.xinfo('GROUPS', q.key) : Promise.resolve([])]);
			if (!q.group) return { backlog: len, extra: [] };
			const g = groupsInfo(groups).find((x) => x.name === q.group);
			if (!g) throw new Error(`stream ${q.key} has no consumer group ${JSON.stringify(q.group)}`);
			const pending = Number(g.pending ?? 0);
			// Redis 7 reports the group's lag; Redis 6.2 does not, so count the whole stream then.
			const lag = g.lag === null || g.lag === undefined ? len : Number(g.lag);
			return { backlog: lag, extra: [{ name: 'queue_pending', labels, ts: now, value: pending }] };
		}
		case 'bullmq': {
			const base = `${q.prefix}:${q.queue}`;
			const r = await redis
				.multi()
				.llen(`${base}:wait`)
				.llen(`${base}:active`)
				.zcard(`${base}:delayed`)
				.zcard(`${base}:failed`)
				.zcard(`${base}:prioritized`)
				.lindex(`${base}:wait`, -1)
				.exec();
			if (!r) throw new Error('Redis transaction aborted');
			const [waiting, active, delayed, failed, prioritized, oldestId] = r.map(([err, v]) => {
				if (err) throw err;
				return v;
			}) as [number, number, number, number, number, string | null];
			const extra: Sample[] = (
				[
					['waiting', waiting],
					['active', active],
					['delayed', delayed],
					['failed', failed],
					['prioritized', prioritized]
				] as const
			).map(([state, value]) => ({ name: 'queue_jobs', labels: { ...labels, state }, ts: now, value }));
			let age = 0;
			if (oldestId) {
				const created = Number(await redis.hget(`${base}:${oldestId}`, 'timestamp'));
				if (Number.isFinite(created) && created > 0) age = Math.max(0, (now - created) / 1000);
			}
			extra.push({ name: 'queue_oldest_waiting_age_seconds', labels, ts: now, value: Math.round(age * 1000) / 1000 });
			return { backlog: waiting + prioritized, extra };
		}
	}
}

export const redisQueueSource: SourceDefinition<typeof schema> = {
	kind: 'redis-queue',
	summary: 'backlog of lists, streams (and consumer-group lag), sorted sets and BullMQ queues in Redis',
	schema,
	create(config, deps) {
		const url = config.url ?? deps.redisUrl;
		if (!url) throw new Error(`collector ${config.name}: no url, and Vigil's own Redis is not known here`);
		let redis: Redis | undefined;
		const drain = new DrainTracker(config.drainWindow);
		const connect = () => {
			if (!redis) {
				redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5000, lazyConnect: true, connectionName: `vigil:queue:${config.name}` });
				redis.on('error', () => {});
			}
			return redis;
		};
		return targetOf(
			config,
			async ({ now }) => {
				const r = connect();
				if (r.status === 'wait' || r.status === 'end') await r.connect();
				const samples: Sample[] = [];
				const errors: string[] = [];
				for (const q of config.queues) {
					try {
						const { backlog, extra } = await readQueue(r, q, now);
						const labels = { queue: q.name };
						samples.push({ name: 'queue_backlog', labels, ts: now, value: backlog }, ...extra, ...drain.observe(q.name, labels, now, backlog));
					} catch (err) {
						errors.push(`${q.name}: ${(err as Error).message}`);
					}
				}
				if (errors.length === config.queues.length) throw new Error(errors.join('; '));
				return errors.length ? { samples, up: false, error: errors.join('; ') } : { samples };
			},
			{
				async close() {
					redis?.disconnect();
					redis = undefined;
				}
			}
		);
	}
};
