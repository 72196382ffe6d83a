/**
 * A hung Redis (SIGSTOP: its connections stay open, nothing answers) is down on the wall, as on
 * /readyz: the live hub judges Redis by its answers, not by the connection's state. Screens are told
 * within a few seconds, and told again when it answers (SIGCONT).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKiosk } from '../helpers/kiosk';
import { connectLive, until, type LiveClient } from '../helpers/live-client';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
let vigil: VigilProcess;
let screen: LiveClient | undefined;

beforeAll(async () => {
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url });
});

afterAll(async () => {
	screen?.close();
	redis?.resume();
	await vigil?.stop();
	await redis?.stop();
});

const readyz = async () => (await fetch(`${vigil.url}/readyz`)).status;

describe('a hung Redis', () => {
	it('is down for the screens while it does not answer, up again once it does', async () => {
		screen = await connectLive(vigil.url, { kiosk: createKiosk(vigil, redis.url, 'hang').token });
		const c = screen;
		expect(c.snapshots[0]!.redis).toBe('up');
		expect(await readyz()).toBe(200);

		redis.pause();
		try {
			await until(() => c.statuses.some((s) => s.redis === 'down'), 8000, 'a status saying Redis is down');
			expect(await readyz()).toBe(503);
			// A screen that asks now is told the same.
			c.socket.emit('snapshot:request', { reason: 'manual' });
			await until(() => c.snapshots.length > 1, 5000, 'a new snapshot');
			expect(c.snapshots.at(-1)!.redis).toBe('down');
		} finally {
			redis.resume();
		}
		const downAt = c.statuses.findLastIndex((s) => s.redis === 'down');
		await until(() => c.statuses.slice(downAt + 1).some((s) => s.redis === 'up'), 8000, 'a status saying Redis is up again');
		expect(await readyz()).toBe(200);
	});
});
