/**
 * Which Redis to use: a Redis Cluster when seed nodes are configured (REDIS_CLUSTER_NODES or
 * redis.cluster.nodes); else REDIS_URL (or redis.url in the config) when set; otherwise a Redis on
 * 127.0.0.1:6379 if one answers; otherwise an embedded redis-server started from PATH.
 */
import type { Logger } from '../log';
import { clusterUrl, isClusterUrl, redactClusterUrl, type ClusterAuth } from './cluster';
import { pingUrl, startEmbeddedRedis, type EmbeddedRedis } from './embedded';

export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

export type RedisSource = 'configured' | 'local' | 'embedded';

export interface ResolvedRedis {
	url: string;
	source: RedisSource;
	embedded?: EmbeddedRedis;
}

export interface ResolveOptions {
	/** An explicit URL (REDIS_URL or redis.url): used as is, even if it does not answer yet. */
	url?: string;
	/** Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES or redis.cluster.nodes): a cluster client is used. */
	clusterNodes?: readonly string[];
	/** How to sign in to the cluster's nodes (redis.cluster.username/password/tls). */
	clusterAuth?: ClusterAuth;
	/**
	 * Tried when no URL is given. Default redis://127.0.0.1:6379.
	 * @defaultValue LOCAL_REDIS_URL
	 */
	localUrl?: string;
	dataDir: string;
	binary?: string;
	pathEnv?: string;
	log?: Logger;
}

/** Hides the password of a Redis URL for logs. */
export function redactUrl(url: string): string {
	if (isClusterUrl(url)) return redactClusterUrl(url);
	try {
		const u = new URL(url);
		if (u.password) u.password = '***';
		return u.toString();
	} catch {
		return '(unparsable URL)';
	}
}

export async function resolveRedis(options: ResolveOptions): Promise<ResolvedRedis> {
	const log = options.log;
	if (options.clusterNodes?.length) {
		const url = clusterUrl(options.clusterNodes, options.clusterAuth);
		log?.info({ nodes: options.clusterNodes }, 'using the configured Redis Cluster');
		return { url, source: 'configured' };
	}
	if (options.url) {
		log?.info({ url: redactUrl(options.url) }, 'using the configured Redis');
		return { url: options.url, source: 'configured' };
	}
	const localUrl = options.localUrl ?? LOCAL_REDIS_URL;
	if (await pingUrl(localUrl, 1000)) {
		log?.info({ url: localUrl }, 'no REDIS_URL set; using the Redis answering on the default address');
		return { url: localUrl, source: 'local' };
	}
	log?.info({ tried: localUrl }, 'no REDIS_URL set and nothing answers on the default address; starting an embedded redis-server');
	const embedded = await startEmbeddedRedis({
		dataDir: options.dataDir,
		binary: options.binary,
		pathEnv: options.pathEnv,
		log
	});
	return { url: embedded.url, source: 'embedded', embedded };
}
