/**
 * Runs the built `vigil` command as a separate process, the way an operator would, with a
 * temporary config file, and gives tests its output, its URL and its exit code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli, VIGIL_BIN } from './cli';
import { freePort } from './redis-server';

export const ROOT = resolve(import.meta.dirname, '../..');
export { VIGIL_BIN };

export interface VigilProcess {
	url: string;
	port: number;
	child: ChildProcess;
	/** The config file the process was started with (rewrite it to test reloads). */
	configFile: string;
	output(): string;
	/** Resolves when a line matching the pattern has been printed. */
	waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
	/** Sends a signal and resolves with the exit code and how long the exit took. */
	stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

export interface VigilProcessOptions {
	/** YAML config text. */
	config: string;
	redisUrl: string;
	roles?: string;
	env?: Record<string, string>;
}

export async function startVigilProcess(options: VigilProcessOptions): Promise<VigilProcess> {
	const dir = mkdtempSync(join(tmpdir(), 'vigil-proc-'));
	const configFile = join(dir, 'vigil.config.yaml');
	writeFileSync(configFile, options.config);
	const port = await freePort();
	const args = [VIGIL_BIN, 'start', '--config', configFile];
	if (options.roles) args.push('--roles', options.roles);
	const child = spawn(process.execPath, args, {
		cwd: dir,
		env: { ...process.env, REDIS_URL: options.redisUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'debug', ...options.env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	const waiters: Array<() => void> = [];
	const onData = (d: Buffer) => {
		out += d.toString();
		for (const w of waiters.splice(0)) w();
	};
	child.stdout!.on('data', onData);
	child.stderr!.on('data', onData);
	const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
	// A process that exits without printing more wakes the waiters too (once its output is all read).
	child.once('close', () => {
		for (const w of waiters.splice(0)) w();
	});

	const waitForOutput = (pattern: RegExp, timeoutMs = 20_000) =>
		new Promise<string>((resolveWait, reject) => {
			const timer = setTimeout(() => reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms; output:\n${out}`)), timeoutMs);
			const check = () => {
				const m = out.match(pattern);
				if (m) {
					clearTimeout(timer);
					resolveWait(m[0]);
				} else if (child.exitCode !== null) {
					clearTimeout(timer);
					reject(new Error(`vigil exited (${child.exitCode}) before printing ${pattern}; output:\n${out}`));
				} else waiters.push(check);
			};
			check();
		});

	const proc: VigilProcess = {
		url: `http://127.0.0.1:${port}`,
		port,
		child,
		configFile,
		output: () => out,
		waitForOutput,
		async stop(signal = 'SIGTERM') {
			const t0 = Date.now();
			if (child.exitCode === null) child.kill(signal);
			const code = await exited;
			rmSync(dir, { recursive: true, force: true });
			return { code, ms: Date.now() - t0 };
		}
	};
	try {
		await waitForOutput(/Vigil is running/);
	} catch (err) {
		await proc.stop('SIGKILL');
		throw err;
	}
	return proc;
}

/** A config for tests: the demo collector at a fast interval, under a unique key prefix. */
export function demoConfig(extra = ''): string {
	return `redis:
  prefix: "test${Math.random().toString(36).slice(2, 8)}:"
log:
  level: debug
collectors:
  - kind: demo
    name: demo-shop
    interval: 500ms
${extra}`;
}

/**
 * Adds a user with `vigil users add` (the password on stdin), against the Redis and config of a
 * running process; throws with the command's error output if it fails.
 */
export function addVigilUser(vigil: VigilProcess, redisUrl: string, name: string, role: string, password: string): void {
	const r = runCli({ redisUrl, configFile: vigil.configFile }, ['users', 'add', name, '--role', role], `${password}\n`);
	if (r.code !== 0) throw new Error(`vigil users add ${name} exited ${r.code}: ${r.err}`);
}

/**
 * The shipped `vigil.config.yaml`, as `npm start` runs it, with the demo shop on `shopPort` (its
 * collectors follow, through `${demoShop.url}`), a private key prefix, no SQL or AMQP sources,
 * and the rule files found from wherever the test writes the config. `speed` multiplies the
 * shop's traffic (at night the shop may see no checkout for a while).
 */
export function shippedDemoConfig(shopPort: number, prefix: string, speed = 1): string {
	return readFileSync(join(ROOT, 'vigil.config.yaml'), 'utf8')
		.replace('port: 3100', speed === 1 ? `port: ${shopPort}` : `port: ${shopPort}\n  speed: ${speed}`)
		.replace('prefix: "vigil:"', `prefix: "${prefix}"`)
		.replace(/\n {2}postgresUrl: .*\n/, '\n')
		.replace(/\n {2}amqpUrl: .*\n/, '\n')
		.replace(/ruleFiles: \[[^\]]*\]/, (files) => files.replaceAll('rules/', `${join(ROOT, 'rules')}/`));
}
