/**
 * A private Redis Cluster for one test file: 6 `redis-server` processes on free ports (3 masters,
 * one replica each, made by `redis-cli --cluster create`), in temporary directories, never the
 * shared instance on 6379. Single nodes can be killed (a crash) to test failover.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
	/** Kills one node at once (SIGKILL), as a crash would. */
	kill(port: number): Promise<void>;
	/** Resolves when `cluster info` says ok on every live node and each slot has a live master. */
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
				'--cluster-node-timeout', String(options.nodeTimeoutMs ?? 2000)
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
