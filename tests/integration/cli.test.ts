import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startTestRedis } from '../helpers/redis-server';
import { ROOT, VIGIL_BIN } from '../helpers/vigil-process';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function vigil(args: string[], env: Record<string, string> = {}) {
	const r = spawnSync(process.execPath, [VIGIL_BIN, ...args], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000 });
	return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, text: string): string {
	const p = join(dir, name);
	writeFileSync(p, text);
	return p;
}

const THREE_MISTAKES = `server:
  port: 70000
roles: [web, collector]
collectors:
  - kind: demo
    name: a
  - kind: demo
    name: b
  - kind: demo
    name: c
    interval: often
`;

describe('vigil config check', () => {
	it('accepts the shipped demo config', () => {
		const r = vigil(['config', 'check', join(ROOT, 'vigil.config.yaml')]);
		expect(r.code).toBe(0);
		expect(r.out).toContain('vigil.config.yaml: OK');
		expect(r.out).toMatch(/collectors: http:storefront, .*prometheus:shop-metrics, redis-queue:shop-queues, rabbitmq:shop-notifications, sql:shop-db/);
	});

	it('lists every problem with its path and exits 2', () => {
		const r = vigil(['config', 'check', file('bad.yaml', THREE_MISTAKES)]);
		expect(r.code).toBe(2);
		expect(r.err).toContain('bad.yaml: 3 problems');
		expect(r.err).toContain('server.port (line 2, column 9): expected a port number from 1 to 65535, got 70000');
		expect(r.err).toContain('roles[1] (line 3, column 14): expected one of "web", "collect", "alerts", got "collector"');
		expect(r.err).toContain('collectors[2].interval (line 11, column 15): expected a duration like "15s", got "often"');
	});

	it('says so when the file does not exist', () => {
		const r = vigil(['config', 'check', join(dir, 'missing.yaml')]);
		expect(r.code).toBe(2);
		expect(r.err).toMatch(/file not found: .*missing\.yaml/);
	});

	it('reads VIGIL_CONFIG when no file is named', () => {
		const r = vigil(['config', 'check'], { VIGIL_CONFIG: file('env.yaml', 'roles: [web]\n') });
		expect(r.code).toBe(0);
		expect(r.out).toContain('roles: web');
	});
});

describe('vigil start', () => {
	it('refuses an invalid config with every problem and exit code 2, before touching Redis', () => {
		const r = vigil(['start', '--config', file('bad2.yaml', THREE_MISTAKES)], { REDIS_URL: 'redis://127.0.0.1:1' });
		expect(r.code).toBe(2);
		expect(r.err).toContain('Vigil did not start: the config has problems.');
		expect(r.err.match(/^ {2}\S.*: /gm)).toHaveLength(3);
	});

	it('refuses an environment override that is not valid, naming the variable', () => {
		const r = vigil(['start', '--config', file('ok.yaml', '')], { PORT: 'http', REDIS_URL: 'redis://127.0.0.1:1' });
		expect(r.code).toBe(2);
		expect(r.err).toContain('server.port: expected a port number from 1 to 65535, got "http" (set by PORT)');
	});

	it('refuses an unknown role given with --roles', () => {
		const r = vigil(['start', '--config', file('ok2.yaml', ''), '--roles', 'web,pager']);
		expect(r.code).toBe(2);
		expect(r.err).toContain('roles[1]: expected one of "web", "collect", "alerts", got "pager" (set by --roles)');
	});
});

describe('vigil demo-shop', () => {
	it('starts the shop in the scenario --scenario names, switchable with POST /scenario, and stops on SIGTERM', async () => {
		const redis = await startTestRedis();
		const port = await freePort();
		const child = spawn(process.execPath, [VIGIL_BIN, 'demo-shop', '--port', String(port), '--scenario', 'payment-outage'], {
			cwd: dir,
			env: { ...process.env, REDIS_URL: redis.url, LOG_LEVEL: 'info' },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let output = '';
		child.stdout.on('data', (d) => (output += d));
		child.stderr.on('data', (d) => (output += d));
		const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
		try {
			const deadline = Date.now() + 20_000;
			while (!output.includes('demo shop running') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
			expect(output).toContain('demo shop running');
			const url = `http://127.0.0.1:${port}`;
			expect(await (await fetch(`${url}/scenario`)).json()).toMatchObject({ scenario: 'payment-outage' });
			expect((await fetch(`${url}/payments/health`)).status).toBe(503);
			expect((await fetch(`${url}/storefront/health`)).status).toBe(200);
			const switched = await fetch(`${url}/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'normal' }) });
			expect(switched.status).toBe(200);
			expect((await fetch(`${url}/payments/health`)).status).toBe(200);
			child.kill('SIGTERM');
			expect(await exited).toBe(0);
		} finally {
			child.kill('SIGKILL');
			await redis.stop();
		}
	});

	it('refuses an unknown scenario, naming the ones there are', () => {
		const r = vigil(['demo-shop', '--scenario', 'meltdown']);
		expect(r.code).toBe(2);
		expect(r.err).toContain('demo-shop: --scenario must be one of normal, latency-spike, payment-outage, queue-backlog, checkout-down, flash-sale, got "meltdown"');
	});
});

describe('usage', () => {
	it('prints help and the version', () => {
		expect(vigil(['help']).out).toContain('Usage: vigil <command>');
		expect(vigil(['version']).out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
	});

	it('refuses an unknown command or option with exit code 2', () => {
		const a = vigil(['frobnicate']);
		expect(a.code).toBe(2);
		expect(a.err).toContain('unknown command: frobnicate');
		const b = vigil(['start', '--colour']);
		expect(b.code).toBe(2);
		expect(b.err).toMatch(/Unknown option '--colour'/);
	});
});
