import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pingUrl, RedisNotFoundError } from '../../src/lib/server/redis/embedded';
import { resolveRedis } from '../../src/lib/server/redis/resolve';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server';

let redis: TestRedis;
let dataRoot: string;

beforeAll(async () => {
	redis = await startTestRedis();
	dataRoot = mkdtempSync(join(tmpdir(), 'vigil-embedded-'));
});
afterAll(async () => {
	await redis.stop();
	rmSync(dataRoot, { recursive: true, force: true });
});

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

describe('resolveRedis', () => {
	it('uses a configured URL as given, without probing', async () => {
		const r = await resolveRedis({ url: 'redis://10.255.255.1:6379', dataDir: dataRoot });
		expect(r).toEqual({ url: 'redis://10.255.255.1:6379', source: 'configured' });
	});

	it('uses the local Redis when it answers', async () => {
		const r = await resolveRedis({ localUrl: redis.url, dataDir: dataRoot });
		expect(r.source).toBe('local');
		expect(r.url).toBe(redis.url);
		expect(r.embedded).toBeUndefined();
	});

	it('starts an embedded redis-server with AOF on when nothing answers, and stops it', async () => {
		const silent = `redis://127.0.0.1:${await freePort()}`;
		const dir = join(dataRoot, 'a');
		const r = await resolveRedis({ localUrl: silent, dataDir: dir });
		expect(r.source).toBe('embedded');
		const embedded = r.embedded!;
		expect(embedded.reused).toBe(false);
		const client = new Redis(r.url);
		try {
			expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
			expect(await client.config('GET', 'dir')).toEqual(['dir', dir]);
			await client.set('k', 'v');
		} finally {
			client.disconnect();
		}
		expect(readdirSync(dir)).toEqual(expect.arrayContaining(['embedded.json', 'redis.log']));
		await embedded.stop();
		expect(alive(embedded.pid)).toBe(false);
		expect(existsSync(join(dir, 'embedded.json'))).toBe(false);
		// The data survives: AOF files are in the data directory.
		expect(readdirSync(dir).some((f) => f.startsWith('appendonly'))).toBe(true);
	});

	it('reuses an embedded server left running by an earlier process instead of starting a second', async () => {
		const silent = `redis://127.0.0.1:${await freePort()}`;
		const dir = join(dataRoot, 'b');
		const first = await resolveRedis({ localUrl: silent, dataDir: dir });
		// The first owner "dies" without stopping it; the next start finds it.
		const second = await resolveRedis({ localUrl: silent, dataDir: dir });
		try {
			expect(second.source).toBe('embedded');
			expect(second.embedded!.reused).toBe(true);
			expect(second.embedded!.pid).toBe(first.embedded!.pid);
			expect(second.url).toBe(first.url);
		} finally {
			await second.embedded!.stop();
		}
		expect(await pingUrl(first.url, 300)).toBe(false);
	});

	it('says how to install Redis or set REDIS_URL when there is no redis-server either', async () => {
		const silent = `redis://127.0.0.1:${await freePort()}`;
		const attempt = resolveRedis({ localUrl: silent, dataDir: join(dataRoot, 'c'), pathEnv: '/nonexistent' });
		await expect(attempt).rejects.toBeInstanceOf(RedisNotFoundError);
		await expect(attempt).rejects.toThrow(/no redis-server on PATH.*apt-get install redis-server.*REDIS_URL=redis:\/\/host:6379/s);
	});
});
