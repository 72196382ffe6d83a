/**
 * Redis clients that never give up: reconnect forever with capped, jittered backoff, and fail
 * commands fast while disconnected (callers buffer or retry; nothing queues without bound).
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log';
import { createClusterClient, isClusterUrl } from './cluster';

export type { Redis };

export interface ClientOptions {
	/** Names the connection in logs and in `CLIENT LIST`. */
	name: string;
	log?: Logger;
	/**
	 * Longest wait between reconnection attempts, ms.
	 * @defaultValue 5000
	 */
	maxBackoffMs?: number;
}

export function reconnectDelay(attempt: number, maxBackoffMs = 5000): number {
	const base = Math.min(maxBackoffMs, 100 * 2 ** Math.min(attempt, 16));
	return Math.round(base / 2 + Math.random() * (base / 2));
}

/** A client for a Redis URL, or for a Redis Cluster given as `redis-cluster://host:port,…` (see ./cluster). */
export function createRedisClient(url: string, options: ClientOptions): Redis {
	const log = options.log?.child({ redis: options.name });
	if (isClusterUrl(url)) {
		const cluster = createClusterClient(url, {
			connectionName: `vigil:${options.name}`,
			retryDelay: (attempt) => reconnectDelay(attempt, options.maxBackoffMs)
		});
		watchNodes(cluster, log);
		return watch(cluster, log);
	}
	const redisOptions: RedisOptions = {
		connectionName: `vigil:${options.name}`,
		enableOfflineQueue: false,
		maxRetriesPerRequest: 1,
		connectTimeout: 5000,
		retryStrategy: (attempt) => reconnectDelay(attempt, options.maxBackoffMs),
		reconnectOnError: (err) => err.message.startsWith('READONLY')
	};
	return watch(new Redis(url, redisOptions), log);
}

function watch(client: Redis, log: Logger | undefined): Redis {
	let down = false;
	client.on('ready', () => {
		if (down) log?.info('Redis connection is back');
		down = false;
	});
	client.on('error', (err: Error) => {
		if (!down) log?.warn({ err: err.message }, 'Redis connection lost; reconnecting with backoff');
		down = true;
	});
	client.on('end', () => log?.debug('Redis connection closed'));
	return client;
}

/** How often one cluster node's errors are logged: a failover makes dozens of them a second. */
const NODE_ERROR_LOG_MS = 60_000;

/**
 * Logs a cluster node's errors once a minute per node, with how many were left out: during a
 * failover the client retries, refreshes its slot map and reconnects several times a second (the
 * cluster as a whole stays ready, so watch() says nothing).
 */
function watchNodes(cluster: Redis, log: Logger | undefined): void {
	const last = new Map<string, { at: number; suppressed: number }>();
	cluster.on('node error', (err: Error, node: string) => {
		const now = Date.now();
		const seen = last.get(node);
		if (seen && now - seen.at < NODE_ERROR_LOG_MS) {
			seen.suppressed++;
			return;
		}
		log?.warn(
			{ node, err: err.message, suppressed: seen?.suppressed ?? 0 },
			'Redis Cluster node unreachable; commands for its slots are retried as the cluster fails over'
		);
		last.set(node, { at: now, suppressed: 0 });
	});
}

/** Resolves when the client is ready, or rejects after `timeoutMs`. */
export function waitReady(client: Redis, timeoutMs: number): Promise<void> {
	if (client.status === 'ready') return Promise.resolve();
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			client.off('ready', onReady);
			reject(new Error(`Redis not ready after ${timeoutMs} ms`));
		}, timeoutMs);
		const onReady = () => {
			clearTimeout(timer);
			resolve();
		};
		client.once('ready', onReady);
	});
}

/** Closes a client without waiting on a dead server. */
export async function closeClient(client: Redis): Promise<void> {
	if (client.status === 'end') return;
	if (client.status === 'ready') {
		try {
			await Promise.race([client.quit(), new Promise((r) => setTimeout(r, 1000))]);
		} catch {
			// fall through to disconnect
		}
	}
	client.disconnect(false);
}
