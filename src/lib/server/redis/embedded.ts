/**
 * The embedded Redis: a `redis-server` from PATH that Vigil starts for itself when no other Redis
 * answers, with AOF on and its data under one directory, and stops on exit. It runs in its own
 * process group so that Ctrl-C reaches Vigil first and Vigil can flush before Redis stops. A server
 * left running by a process that died is found through its state file and reused, never doubled.
 */
import { spawn } from 'node:child_process';
import { access, constants, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from '../log';

export interface EmbeddedRedis {
	url: string;
	port: number;
	pid: number;
	dataDir: string;
	/** True when a server left by an earlier run was adopted instead of started. */
	reused: boolean;
	stop(): Promise<void>;
}

export class RedisNotFoundError extends Error {
	override name = 'RedisNotFoundError';
}

/** The absolute path of an executable found on PATH, or undefined. */
export async function findExecutable(name: string, pathEnv = process.env.PATH ?? ''): Promise<string | undefined> {
	if (name.includes('/')) {
		try {
			await access(name, constants.X_OK);
			return resolve(name);
		} catch {
			return undefined;
		}
	}
	for (const dir of pathEnv.split(delimiter)) {
		if (!dir) continue;
		const candidate = join(dir, name);
		try {
			await access(candidate, constants.X_OK);
			return candidate;
		} catch {
			// keep looking
		}
	}
	return undefined;
}

export function freePort(): Promise<number> {
	return new Promise((resolvePort, reject) => {
		const srv = createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const addr = srv.address();
			srv.close(() => (typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port'))));
		});
	});
}

/** PING a Redis URL once; true if it answers within the timeout. */
export async function pingUrl(url: string, timeoutMs = 1000): Promise<boolean> {
	const client = new Redis(url, {
		lazyConnect: true,
		enableOfflineQueue: false,
		maxRetriesPerRequest: 0,
		connectTimeout: timeoutMs,
		retryStrategy: () => null
	});
	client.on('error', () => {});
	try {
		await client.connect();
		return (await client.ping()) === 'PONG';
	} catch {
		return false;
	} finally {
		client.disconnect();
	}
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check()) return true;
		await new Promise((r) => setTimeout(r, stepMs));
	}
	return check();
}

interface StateFile {
	pid: number;
	port: number;
}

export interface StartEmbeddedOptions {
	dataDir: string;
	/** @defaultValue 'redis-server' */
	binary?: string;
	log?: Logger;
	/**
	 * PATH to search.
	 * @defaultValue the process's PATH
	 */
	pathEnv?: string;
}

export async function startEmbeddedRedis(options: StartEmbeddedOptions): Promise<EmbeddedRedis> {
	const dataDir = resolve(options.dataDir);
	const stateFile = join(dataDir, 'embedded.json');
	const log = options.log;

	const stopProcess = (pid: number) => async () => {
		if (!alive(pid)) return;
		try {
			process.kill(pid, 'SIGTERM'); // redis-server fsyncs the AOF and exits
		} catch {
			return;
		}
		if (!(await waitUntil(() => !alive(pid), 5000))) process.kill(pid, 'SIGKILL');
		await rm(stateFile, { force: true });
	};

	// A server left by an earlier run that did not stop it (killed with SIGKILL, say).
	try {
		const state = JSON.parse(await readFile(stateFile, 'utf8')) as StateFile;
		const url = `redis://127.0.0.1:${state.port}`;
		if (alive(state.pid) && (await pingUrl(url))) {
			log?.info({ redisPid: state.pid, port: state.port, dataDir }, 'reusing the embedded redis-server left running by an earlier run');
			return { url, port: state.port, pid: state.pid, dataDir, reused: true, stop: stopProcess(state.pid) };
		}
	} catch {
		// no state file, or a stale one
	}

	const binary = await findExecutable(options.binary ?? 'redis-server', options.pathEnv);
	if (!binary) {
		throw new RedisNotFoundError(
			'No Redis found: nothing answers on 127.0.0.1:6379 and there is no redis-server on PATH. ' +
				'Install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) ' +
				'or point Vigil at one with REDIS_URL=redis://host:6379.'
		);
	}
	await mkdir(dataDir, { recursive: true });
	const port = await freePort();
	const args = [
		'--port', String(port),
		'--bind', '127.0.0.1',
		'--dir', dataDir,
		'--appendonly', 'yes',
		'--appendfsync', 'everysec',
		'--save', '',
		'--daemonize', 'no',
		'--logfile', join(dataDir, 'redis.log')
	];
	const child = spawn(binary, args, { detached: true, stdio: 'ignore' });
	child.unref();
	const pid = child.pid;
	if (pid === undefined) throw new Error(`could not start ${binary}`);
	let exited = false;
	child.once('exit', () => (exited = true));
	const url = `redis://127.0.0.1:${port}`;
	const up = await waitUntil(async () => exited || (await pingUrl(url, 200)), 10_000, 100);
	if (exited || !up) {
		let tail = '';
		try {
			tail = (await readFile(join(dataDir, 'redis.log'), 'utf8')).trim().split('\n').slice(-5).join('\n');
		} catch {
			// no log
		}
		if (!exited) process.kill(pid, 'SIGKILL');
		throw new Error(`${binary} did not start on port ${port}${tail ? `; its log ends:\n${tail}` : ''}`);
	}
	await writeFile(stateFile, JSON.stringify({ pid, port } satisfies StateFile));
	log?.info({ redisPid: pid, port, dataDir, binary }, 'started an embedded redis-server (AOF on)');
	return { url, port, pid, dataDir, reused: false, stop: stopProcess(pid) };
}
