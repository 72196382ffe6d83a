/**
 * Redis Cluster: seed nodes from `redis.cluster.nodes` (or REDIS_CLUSTER_NODES), ioredis' cluster
 * client with the same philosophy as the single-server client (reconnect forever with capped,
 * jittered backoff; fail fast while disconnected instead of queueing without bound), and the check
 * at start that the configured mode matches the server's.
 *
 * Inside Vigil a cluster travels as one address string, `redis-cluster://host:port,host:port`, so
 * that everything handed "the Redis URL" (the query workers, the CLI, every client of a role)
 * connects to the cluster without knowing about it: createRedisClient() picks the client by scheme.
 */
import { Cluster, Redis } from 'ioredis';

export const CLUSTER_SCHEME = 'redis-cluster://';

export interface SeedNode {
	host: string;
	port: number;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** Parses `host:port` (or `[v6]:port`); undefined when it is not one. */
export function parseSeed(text: string): SeedNode | undefined {
	const m = HOST_PORT.exec(text.trim());
	if (!m) return undefined;
	const port = Number(m[2]);
	if (port < 1 || port > 65_535) return undefined;
	return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** The comma-separated list of REDIS_CLUSTER_NODES. */
export function splitSeeds(text: string): string[] {
	return text
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
}

/** How to sign in to every node of a cluster (ACL user or `requirepass`), and whether over TLS. */
export interface ClusterAuth {
	username?: string;
	password?: string;
	tls?: boolean;
}

/**
 * The address of a cluster: `redis-cluster://[user:password@]host:port,host:port[?tls=true]`, the
 * user and password URL-encoded.
 */
export function clusterUrl(nodes: readonly string[], auth: ClusterAuth = {}): string {
	const user = auth.username ? encodeURIComponent(auth.username) : '';
	const cred = auth.password !== undefined ? `${user}:${encodeURIComponent(auth.password)}@` : user ? `${user}@` : '';
	return CLUSTER_SCHEME + cred + nodes.join(',') + (auth.tls ? '?tls=true' : '');
}

export function isClusterUrl(url: string): boolean {
	return url.startsWith(CLUSTER_SCHEME);
}

/** The parts of a `redis-cluster://` address: credentials, node list, options. */
function partsOf(url: string): { cred: string; nodes: string; query: string } {
	const rest = url.slice(CLUSTER_SCHEME.length);
	const at = rest.lastIndexOf('@');
	const cred = at >= 0 ? rest.slice(0, at) : '';
	const tail = at >= 0 ? rest.slice(at + 1) : rest;
	const q = tail.indexOf('?');
	return { cred, nodes: q >= 0 ? tail.slice(0, q) : tail, query: q >= 0 ? tail.slice(q + 1) : '' };
}

/** The seed nodes of a `redis-cluster://` address. */
export function seedsOf(url: string): SeedNode[] {
	return splitSeeds(partsOf(url).nodes).flatMap((s) => parseSeed(s) ?? []);
}

/** The credentials and TLS setting of a `redis-cluster://` address. */
export function clusterAuthOf(url: string): ClusterAuth {
	const { cred, query } = partsOf(url);
	const auth: ClusterAuth = {};
	if (cred) {
		const colon = cred.indexOf(':');
		const user = colon >= 0 ? cred.slice(0, colon) : cred;
		if (user) auth.username = decodeURIComponent(user);
		if (colon >= 0) auth.password = decodeURIComponent(cred.slice(colon + 1));
	}
	if (new URLSearchParams(query).get('tls') === 'true') auth.tls = true;
	return auth;
}

/** A cluster address with its password hidden, for logs. */
export function redactClusterUrl(url: string): string {
	const auth = clusterAuthOf(url);
	return auth.password === undefined ? url : clusterUrl(partsOf(url).nodes.split(','), { ...auth, password: '***' });
}

export interface ClusterClientOptions {
	connectionName: string;
	retryDelay: (attempt: number) => number;
}

/**
 * A cluster client. It is typed as a `Redis`: ioredis' Cluster answers the same commands (each sent
 * to the master of its key's slot), which is all Vigil's stores use; multi-key calls must keep
 * their keys in one slot (hash tags), or they fail with CROSSSLOT.
 */
export function createClusterClient(url: string, options: ClusterClientOptions): Redis {
	const auth = clusterAuthOf(url);
	const cluster = new Cluster(seedsOf(url), {
		enableOfflineQueue: false,
		clusterRetryStrategy: (attempt) => options.retryDelay(attempt),
		// Follow MOVED/ASK during a failover or resharding instead of failing at once.
		maxRedirections: 16,
		retryDelayOnFailover: 200,
		retryDelayOnClusterDown: 200,
		// Ask the cluster for its slot map every 2 s, not only after an error. A master that dies
		// closes its connection, and the "Connection is closed." that follows makes the client
		// refresh and retry; a master that hangs (a frozen host, a partition) answers nothing, so
		// without this the client would wait on it forever after its replica took over. The
		// refresh drops the old master from the pool, which fails its pending commands with
		// "Connection is closed.", and those are retried on the new master. A refresh costs one
		// short-lived connection and a CLUSTER SLOTS; a node that does not answer it within 1 s
		// is skipped for the next.
		slotsRefreshTimeout: 1000,
		slotsRefreshInterval: 2000,
		redisOptions: {
			connectionName: options.connectionName,
			...(auth.username !== undefined ? { username: auth.username } : {}),
			...(auth.password !== undefined ? { password: auth.password } : {}),
			...(auth.tls ? { tls: {} } : {}),
			maxRetriesPerRequest: 1,
			connectTimeout: 5000,
			// During a failover, one command sent to a live master while the cluster was down was
			// never answered in 4 of 35 test runs (docs/cluster.md, Known gaps): without a limit its
			// caller waits forever. 10 s is above the longest blocking read Vigil makes (the live
			// tail's XREAD BLOCK 5000).
			commandTimeout: 10_000,
			reconnectOnError: (err) => err.message.startsWith('READONLY')
		}
	});
	return cluster as unknown as Redis;
}

/** Vigil was pointed at a Redis whose mode (cluster or not) is not the configured one. */
export class RedisModeError extends Error {
	override name = 'RedisModeError';
}

async function clusterEnabled(host: string, port: number, password?: string, username?: string, tls = false): Promise<boolean | undefined> {
	const probe = new Redis({
		host,
		port,
		password,
		username,
		tls: tls ? {} : undefined,
		lazyConnect: true,
		enableOfflineQueue: false,
		maxRetriesPerRequest: 0,
		connectTimeout: 1000,
		retryStrategy: () => null
	});
	probe.on('error', () => {});
	try {
		await probe.connect();
		const info = String(await probe.info('cluster'));
		return /cluster_enabled:1/.test(info);
	} catch (err) {
		// A server that answers but refuses INFO (ACL) cannot tell; one that is down cannot either.
		if (/MOVED|CLUSTERDOWN/.test((err as Error).message)) return true;
		return undefined;
	} finally {
		probe.disconnect();
	}
}

/**
 * Stops a start pointed at the wrong kind of Redis, with one error naming the setting: a cluster
 * given as a single server (every key command would fail with MOVED), or seed nodes that are not a
 * cluster. Says nothing when no node answers (the caller's reconnect logic reports that).
 */
export async function checkRedisMode(url: string): Promise<void> {
	if (isClusterUrl(url)) {
		const auth = clusterAuthOf(url);
		for (const seed of seedsOf(url)) {
			const enabled = await clusterEnabled(seed.host, seed.port, auth.password, auth.username, auth.tls);
			if (enabled === undefined) continue;
			if (!enabled) {
				throw new RedisModeError(
					`redis.cluster.nodes (REDIS_CLUSTER_NODES) names ${seed.host}:${seed.port}, which is a single Redis without cluster mode ` +
						'(cluster_enabled:0). Point redis.cluster.nodes at the nodes of a Redis Cluster, or use redis.url (REDIS_URL) for a single Redis.'
				);
			}
			return;
		}
		return;
	}
	let u: URL;
	try {
		u = new URL(url);
	} catch {
		return;
	}
	const enabled = await clusterEnabled(
		u.hostname.replace(/^\[|\]$/g, ''),
		Number(u.port || 6379),
		u.password ? decodeURIComponent(u.password) : undefined,
		u.username ? decodeURIComponent(u.username) : undefined,
		u.protocol === 'rediss:'
	);
	if (enabled) {
		throw new RedisModeError(
			`The Redis at ${u.hostname}:${u.port || 6379} is a Redis Cluster node (cluster_enabled:1), but Vigil is configured for a single Redis ` +
				'(redis.url / REDIS_URL): every key would answer MOVED. Set redis.cluster.nodes in the config (or REDIS_CLUSTER_NODES=host:port,host:port) ' +
				'to the cluster\'s nodes instead.'
		);
	}
}

/**
 * A new connection like `redis` (for WATCH, or a subscriber), on a single Redis or a cluster alike:
 * a cluster's duplicate() takes its seed nodes first.
 */
export function duplicateClient(redis: Redis, options: { enableOfflineQueue?: boolean } = {}): Redis {
	if (redis instanceof Cluster) return (redis as Cluster).duplicate([], options) as unknown as Redis;
	return redis.duplicate(options);
}
