/**
 * Starting Vigil with no Redis URL and nothing answering on the default address: it starts its own
 * redis-server (AOF on, data in ./data/redis under the working directory), runs on it, and stops it
 * on exit. The default address probed is a silent port here, never the shared 6379.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../runtime/config';
import { startVigil } from '../../runtime/start';
import { createLogger } from '../../src/lib/server/log';
import { pingUrl } from '../../src/lib/server/redis/embedded';
import { until } from '../helpers/live-client';
import { freePort } from '../helpers/redis-server';

const cwd = mkdtempSync(join(tmpdir(), 'vigil-embedded-start-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

describe('vigil start without a Redis', () => {
	it('starts an embedded redis-server with AOF on in ./data/redis, says so, runs on it, and stops it on exit', async () => {
		const port = await freePort();
		const parsed = parseConfig(
			`server:\n  port: ${port}\nroles: [web, collect]\ncollectors:\n  - kind: demo\n    name: demo-shop\n    interval: 500ms\n`
		);
		if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
		expect(parsed.value.redis.url).toBeUndefined();
		let logged = '';
		const destination = new Writable({
			write(chunk, _enc, done) {
				logged += chunk.toString();
				done();
			}
		});
		const vigil = await startVigil({
			config: parsed.value,
			log: createLogger({ level: 'info', pretty: false, destination }),
			version: 'test',
			http: { mode: 'listen' },
			cwd,
			localRedisUrl: `redis://127.0.0.1:${await freePort()}`
		});
		const dataDir = join(cwd, 'data', 'redis');
		let pid: number | undefined;
		try {
			expect(vigil.redis.source).toBe('embedded');
			pid = vigil.redis.embedded!.pid;
			expect(logged).toContain('nothing answers on the default address; starting an embedded redis-server');

			const client = new Redis(vigil.redis.url);
			try {
				expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
				expect(await client.config('GET', 'dir')).toEqual(['dir', dataDir]);
			} finally {
				client.disconnect();
			}
			const ready = await fetch(`${vigil.url}/readyz`);
			expect(ready.status).toBe(200);
			// The demo collector's samples land in the embedded Redis.
			await until(async () => /^vigil_samples_written_total [1-9]/m.test(await (await fetch(`${vigil.url}/metrics`)).text()), 5000, 'a sample written');
		} finally {
			await vigil.stop('test done');
		}
		expect(alive(pid!)).toBe(false);
		expect(await pingUrl(vigil.redis.url, 300)).toBe(false);
		expect(existsSync(join(dataDir, 'embedded.json'))).toBe(false);
		expect(readdirSync(dataDir).some((f) => f.startsWith('appendonly'))).toBe(true);
	});
});
