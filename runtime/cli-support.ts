/** What every CLI command shares: its I/O, reading the config, and a Redis connection. */
import { resolve } from 'node:path';
import { checkRedisMode, closeClient, createRedisClient, waitReady, type Redis, resolveRedis } from '../src/lib/server/redis';
import { formatProblem } from '../src/lib/shared/problems';
import { loadConfig, resolveConfigPath, type VigilConfig } from './config';

export interface CliIO {
	out: (text: string) => void;
	err: (text: string) => void;
	/** Writes to the terminal (stderr) when there is one; absent when stderr is not a terminal. */
	terminal?: (text: string) => void;
	env: NodeJS.ProcessEnv;
	cwd: string;
	/** Resolves when the process is told to stop (SIGTERM/SIGINT). */
	stopSignal: Promise<string>;
	/** Ends the process; used when a stop overruns the shutdown timeout. */
	exit: (code: number) => void;
	/** Standard input (passwords of `vigil users`); a terminal has isTTY and setRawMode. */
	stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
	/** Registers what to do on a reload signal (SIGHUP). */
	onReloadSignal?: (handler: () => void) => void;
}

export async function readConfig(
	file: string,
	io: CliIO,
	roles?: string
): Promise<{ ok: true; config: VigilConfig } | { ok: false; report: string }> {
	const result = await loadConfig(file, { env: io.env, roles });
	if (result.ok) return { ok: true, config: result.value };
	const lines = result.problems.map((p) => `  ${formatProblem(p)}`);
	const noun = result.problems.length === 1 ? 'problem' : 'problems';
	return { ok: false, report: `${file}: ${result.problems.length} ${noun}\n${lines.join('\n')}` };
}

/** Runs `fn` with a Redis client for the configured Redis (found the way `vigil start` finds it). */
export async function withRedis<T>(
	io: CliIO,
	root: string,
	fn: (redis: Redis, config: VigilConfig, url: string) => Promise<T>,
	/** `--config`, when the command takes one. */
	configFlag?: string
): Promise<T | number> {
	const file = resolveConfigPath(configFlag, io.env, io.cwd, root);
	const r = await readConfig(file, io);
	if (!r.ok) {
		io.err(r.report);
		return 2;
	}
	let resolved;
	try {
		resolved = await resolveRedis({
			url: r.config.redis.url,
			clusterNodes: r.config.redis.cluster?.nodes,
			clusterAuth: r.config.redis.cluster,
			dataDir: resolve(io.cwd, r.config.redis.embedded.dataDir),
			binary: r.config.redis.embedded.binary
		});
	} catch (err) {
		io.err((err as Error).message);
		return 1;
	}
	try {
		await checkRedisMode(resolved.url);
	} catch (err) {
		io.err((err as Error).message);
		if (resolved.embedded && !resolved.embedded.reused) await resolved.embedded.stop();
		return 1;
	}
	const redis = createRedisClient(resolved.url, { name: 'cli' });
	try {
		await waitReady(redis, 5000);
		return await fn(redis, r.config, resolved.url);
	} finally {
		await closeClient(redis);
		if (resolved.embedded && !resolved.embedded.reused) await resolved.embedded.stop();
	}
}

