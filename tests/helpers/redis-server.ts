/**
 * A private redis-server for one test file: on a free port, in a temporary directory, never the
 * shared instance on 6379. It can be killed and restarted on the same port to test outages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../src/lib/server/redis/embedded';

export { freePort };

export interface TestRedis {
	url: string;
	port: number;
	dir: string;
	/** A client for assertions; closed by stop(). */
	client(): Redis;
	/** Kills the server at once (SIGKILL), as a crash would. */
	kill(): Promise<void>;
	/** Freezes the server (SIGSTOP): connections stay open, nothing answers, as a hung Redis. */
	pause(): void;
	/** Lets a frozen server go on (SIGCONT). */
	resume(): void;
	/** Starts it again on the same port and directory. */
	restart(): Promise<void>;
	stop(): Promise<void>;
}

async function waitForPing(url: string, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const c = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
		c.on('error', () => {});
		try {
			await c.connect();
			if ((await c.ping()) === 'PONG') return;
		} catch {
			// not yet
		} finally {
			c.disconnect();
		}
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error(`redis-server at ${url} did not answer within ${timeoutMs} ms`);
}

export async function startTestRedis(options: { appendonly?: boolean; appendfsync?: 'always' | 'everysec' } = {}): Promise<TestRedis> {
	// VIGIL_TEST_REDIS=cluster runs a test file against a local Redis Cluster instead (./redis-cluster).
	if (process.env.VIGIL_TEST_REDIS === 'cluster') return (await import('./redis-cluster')).startClusterAsTestRedis();
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), 'vigil-redis-'));
	const url = `redis://127.0.0.1:${port}`;
	let child: ChildProcess | undefined;
	const clients: Redis[] = [];

	const launch = async () => {
		child = spawn(
			'redis-server',
			[
				'--port', String(port),
				'--bind', '127.0.0.1',
				'--dir', dir,
				'--save', '',
				'--appendonly', options.appendonly ? 'yes' : 'no',
				'--appendfsync', options.appendfsync ?? 'everysec'
			],
			{ stdio: 'ignore' }
		);
		await waitForPing(url);
	};
	const kill = async () => {
		const c = child;
		// A killed process has a signalCode, not an exitCode.
		if (!c || c.exitCode !== null || c.signalCode !== null) return;
		await new Promise<void>((resolve) => {
			c.once('exit', () => resolve());
			c.kill('SIGKILL');
		});
	};
	await launch();
	return {
		url,
		port,
		dir,
		client() {
			const c = new Redis(url, { maxRetriesPerRequest: 1 });
			c.on('error', () => {});
			clients.push(c);
			return c;
		},
		kill,
		pause: () => void child?.kill('SIGSTOP'),
		resume: () => void child?.kill('SIGCONT'),
		restart: launch,
		async stop() {
			for (const c of clients) c.disconnect();
			child?.kill('SIGCONT');
			await kill();
			rmSync(dir, { recursive: true, force: true });
		}
	};
}
