/**
 * A private Redis Cluster for one test file: 6 `redis-server` processes on free ports (3 masters,
 * one replica each, made by `redis-cli --cluster create`), in temporary directories, never the
 * shared instance on 6379. Single nodes can be killed (a crash) to test failover.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { clusterUrl } from '../../src/lib/server/redis/cluster';
import { findExecutable, freePort } from '../../src/lib/server/redis/embedded';
import type { TestRedis } from './redis-server';

export interface TestRedisCluster {
	/** Seed addresses, `127.0.0.1:port`, one per node. */
	nodes: string[];
	/** REDIS_CLUSTER_NODES as a process would be given it. */
	env: string;
	ports: number[];
	/** A cluster client for assertions; closed by stop(). */
	client(): Cluster;
	/** The ports of the current masters, by asking a live node. */
	masters(): Promise<number[]>;
	/** Kills one node at once (SIGKILL), as a crash would. Its log stays in `log(port)` until stop(). */
	kill(port: number): Promise<void>;
	/** Freezes one node (SIGSTOP), as a hung host or a network partition would look; resume() undoes it. */
	pause(port: number): void;
	resume(port: number): void;
	/** The node's redis-server log (empty when there is none). */
	log(port: number): string;
	/**
	 * Resolves when `cluster info` says ok on every live node, three masters are live and every live
	 * replica's link to its master is up (its first sync done, so it can take over).
	 */
	waitHealthy(timeoutMs?: number): Promise<void>;
	stop(): Promise<void>;
}

/** Whether this machine can start a cluster (redis-server and redis-cli on PATH). */
export async function clusterAvailable(): Promise<boolean> {
	return Boolean((await findExecutable('redis-server')) && (await findExecutable('redis-cli')));
}

async function clusterState(port: number): Promise<string | undefined> {
	const c = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 500 });
	c.on('error', () => {});
	try {
		await c.connect();
		const info = String(await c.call('CLUSTER', 'INFO'));
		return /cluster_state:(\w+)/.exec(info)?.[1];
	} catch {
		return undefined;
	} finally {
		c.disconnect();
	}
}

/** Whether a node is a replica whose link to its master is up (undefined: not a replica, or no answer). */
async function replicaLinkUp(port: number): Promise<boolean | undefined> {
	const c = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 500 });
	c.on('error', () => {});
	try {
		await c.connect();
		const info = String(await c.info('replication'));
		if (!/role:slave/.test(info)) return undefined;
		return /master_link_status:up/.test(info);
	} catch {
		return undefined;
	} finally {
		c.disconnect();
	}
}

/** How many replicas, not failing, a node's `CLUSTER NODES` lists (undefined: no answer). */
async function liveReplicasSeenBy(port: number): Promise<number | undefined> {
	const c = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 500 });
	c.on('error', () => {});
	try {
		await c.connect();
		const rows = String(await c.call('CLUSTER', 'NODES')).split('\n');
		return rows.filter((l) => {
			const flags = (l.split(' ')[2] ?? '').split(',');
			return flags.includes('slave') && !flags.some((x) => x.startsWith('fail'));
		}).length;
	} catch {
		return undefined;
	} finally {
		c.disconnect();
	}
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check()) return;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`Redis Cluster: ${what} not within ${timeoutMs} ms`);
}

export async function startTestRedisCluster(options: { nodeTimeoutMs?: number } = {}): Promise<TestRedisCluster> {
	const count = 6;
	const ports: number[] = [];
	while (ports.length < count) {
		const p = await freePort();
		// A cluster node also listens on port + 10000 (the bus).
		if (!ports.includes(p) && p + 10_000 < 65_536) ports.push(p);
	}
	const root = mkdtempSync(join(tmpdir(), 'vigil-cluster-'));
	const children = new Map<number, ChildProcess>();
	const dead = new Set<number>();
	const clients: Cluster[] = [];

	const launch = (port: number) => {
		const dir = join(root, String(port));
		spawnSync('mkdir', ['-p', dir]);
		const child = spawn(
			'redis-server',
			[
				'--port', String(port),
				'--bind', '127.0.0.1',
				'--dir', dir,
				'--save', '',
				'--appendonly', 'no',
				'--cluster-enabled', 'yes',
				'--cluster-config-file', join(dir, 'nodes.conf'),
				'--cluster-node-timeout', String(options.nodeTimeoutMs ?? 2000),
				// A replica's first sync starts at once instead of after Redis' default 5 s wait for
				// more replicas: until that sync is done, the replica refuses to take over (its data
				// counts as too old, cluster-replica-validity-factor), and a master killed then leaves
				// its slots down for good.
				'--repl-diskless-sync-delay', '0',
				'--logfile', join(dir, 'redis.log')
			],
			{ stdio: 'ignore' }
		);
		children.set(port, child);
	};

	const kill = async (port: number) => {
		const c = children.get(port);
		dead.add(port);
		if (!c || c.exitCode !== null || c.signalCode !== null) return;
		await new Promise<void>((resolve) => {
			c.once('exit', () => resolve());
			c.kill('SIGKILL');
		});
	};

	const stop = async () => {
		for (const c of clients) c.disconnect();
		await Promise.all(ports.map(kill));
		rmSync(root, { recursive: true, force: true });
	};

	try {
		for (const p of ports) launch(p);
		await until(async () => (await Promise.all(ports.map(clusterState))).every((s) => s !== undefined), 10_000, 'every node answering');
		const created = await new Promise<{ code: number | null; out: string }>((resolve) => {
			const cli = spawn('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], {
				stdio: ['ignore', 'pipe', 'pipe']
			});
			let out = '';
			cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
			cli.stderr.on('data', (d: Buffer) => (out += d.toString()));
			cli.on('exit', (code) => resolve({ code, out }));
		});
		if (created.code !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.out.slice(-2000)}`);
	} catch (err) {
		await stop();
		throw err;
	}

	const live = () => ports.filter((p) => !dead.has(p));
	const masters = async (): Promise<number[]> => {
		for (const p of live()) {
			const c = new Redis(p, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
			c.on('error', () => {});
			try {
				await c.connect();
				const text = String(await c.call('CLUSTER', 'NODES'));
				// <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slots...>
				return text
					.split('\n')
					.map((l) => l.split(' '))
					.filter((f) => f.length >= 9)
					.filter((f) => {
						const flags = f[2]!.split(',');
						return flags.includes('master') && !flags.some((x) => x.startsWith('fail')) && f[7] === 'connected';
					})
					.map((f) => Number(/:(\d+)@/.exec(f[1]!)?.[1]))
					.filter((n) => n > 0);
			} catch {
				// try the next
			} finally {
				c.disconnect();
			}
		}
		return [];
	};
	const waitHealthy = async (timeoutMs = 20_000) => {
		await until(async () => (await Promise.all(live().map(clusterState))).every((s) => s === 'ok'), timeoutMs, 'cluster_state:ok on every node');
		await until(async () => (await masters()).length >= 3, timeoutMs, 'three live masters');
		// A replica can take over only once it has synced with its master (until then a kill is
		// not a failover test but a lost shard), and the roles must have spread by gossip so that
		// every node's view is the settled one.
		await until(
			async () => {
				const serving = await masters();
				const others = live().filter((p) => !serving.includes(p));
				const linked = await Promise.all(others.map(replicaLinkUp));
				const known = await Promise.all(live().map((p) => liveReplicasSeenBy(p)));
				return linked.every((up) => up === true) && known.every((n) => n === others.length);
			},
			timeoutMs,
			'every other node a replica in sync with its master, known as one by every node'
		);
	};
	try {
		await waitHealthy();
	} catch (err) {
		await stop();
		throw err;
	}

	const nodes = ports.map((p) => `127.0.0.1:${p}`);
	return {
		nodes,
		env: nodes.join(','),
		ports,
		client() {
			const c = new Cluster(
				ports.map((port) => ({ host: '127.0.0.1', port })),
				{ redisOptions: { maxRetriesPerRequest: 1 }, clusterRetryStrategy: (n) => Math.min(100 * n, 1000) }
			);
			c.on('error', () => {});
			clients.push(c);
			return c;
		},
		masters,
		kill,
		pause(port) {
			children.get(port)?.kill('SIGSTOP');
		},
		resume(port) {
			children.get(port)?.kill('SIGCONT');
		},
		log(port) {
			try {
				return readFileSync(join(root, String(port), 'redis.log'), 'utf8');
			} catch {
				return '';
			}
		},
		waitHealthy,
		stop
	};
}

/**
 * A cluster behind the single-server helper's interface (VIGIL_TEST_REDIS=cluster): `url` is the
 * `redis-cluster://` address Vigil's clients accept, `client()` a cluster client. Killing, pausing
 * and restarting "the" server have no meaning here and throw.
 */
export async function startClusterAsTestRedis(): Promise<TestRedis> {
	const cluster = await startTestRedisCluster();
	const unsupported = () => {
		throw new Error('not on a cluster: this test kills or pauses a single Redis');
	};
	return {
		url: clusterUrl(cluster.nodes),
		port: cluster.ports[0]!,
		dir: '',
		client: () => cluster.client() as unknown as Redis,
		kill: async () => unsupported(),
		pause: unsupported,
		resume: unsupported,
		restart: async () => unsupported(),
		stop: () => cluster.stop()
	};
}
