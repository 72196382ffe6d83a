/**
 * Runs the built `vigil` command line the way an operator would, against a Redis and a config
 * file: one helper for every test that adds users, makes tokens or loads rules through the CLI.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const VIGIL_BIN = join(import.meta.dirname, '..', '..', 'bin', 'vigil.js');

export interface CliTarget {
	redisUrl: string;
	configFile: string;
	/**
	 * The working directory (relative rule files are read from it).
	 * @defaultValue the test's own
	 */
	cwd?: string;
	/** More environment variables (e.g. VIGIL_SECRET_KEY). */
	env?: Record<string, string>;
	/**
	 * How long the command may run before it is killed.
	 * @defaultValue 60_000
	 */
	timeoutMs?: number;
}

export interface CliResult {
	/** The exit code; null when the command was killed. */
	code: number | null;
	out: string;
	err: string;
}

function envOf(target: CliTarget): NodeJS.ProcessEnv {
	return { ...process.env, REDIS_URL: target.redisUrl, VIGIL_CONFIG: target.configFile, ...target.env };
}

/** Runs `vigil <args>` to its end, with `input` on stdin. */
export function runCli(target: CliTarget, args: string[], input = ''): CliResult {
	const r = spawnSync(process.execPath, [VIGIL_BIN, ...args], { cwd: target.cwd, env: envOf(target), input, encoding: 'utf8', timeout: target.timeoutMs ?? 60_000 });
	return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * A `cli(args, input)` for a test file: the target is read at each call, so it may name a Redis
 * and a config that beforeAll starts later.
 */
export function cliFor(target: () => CliTarget): (args: string[], input?: string) => CliResult {
	return (args, input) => runCli(target(), args, input);
}

/** Starts `vigil <args>` without waiting: resolves when it exits, with its code, its stderr and the time it exited. */
export function spawnCli(target: CliTarget, args: string[], input = ''): Promise<{ code: number | null; err: string; at: number }> {
	const child = spawn(process.execPath, [VIGIL_BIN, ...args], { cwd: target.cwd, env: envOf(target) });
	let err = '';
	child.stderr.on('data', (d: Buffer) => (err += d.toString()));
	child.stdin.end(input);
	return new Promise((resolve) => child.once('exit', (code) => resolve({ code, err, at: Date.now() })));
}
