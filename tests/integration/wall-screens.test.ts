/**
 * The wall's screens are watched: heartbeats (board, viewport, render time) become
 * wall_screen_up and wall_screen_render_seconds, and a screen silent past wall.screenDownAfter
 * raises the Vigil alert wall_screen_down (rules/vigil.rules.yml), against a running `vigil`.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { currentAlerts } from '../../src/lib/server/alerting/current-alerts';
import { createKeys } from '../../src/lib/server/keys';
import { parseSelector } from '../../src/lib/server/tsdb/matchers';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { createKiosk } from '../helpers/kiosk';
import { connectLive, until } from '../helpers/live-client';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, ROOT, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
let vigil: VigilProcess;
let client: Redis;
let store: RedisStore;
let prefix: string;

beforeAll(async () => {
	redis = await startTestRedis();
	const config = demoConfig(`alerts:
  ruleFiles: [${join(ROOT, 'rules', 'vigil.rules.yml')}]
wall:
  screenDownAfter: 3s
`);
	prefix = /prefix: "([^"]+)"/.exec(config)![1]!;
	vigil = await startVigilProcess({ config, redisUrl: redis.url });
	client = new Redis(redis.url);
	store = new RedisStore(client, { prefix, liveKey: null });
}, 60_000);

afterAll(async () => {
	await vigil?.stop();
	client?.disconnect();
	await redis?.stop();
});

async function latest(selector: string): Promise<number | undefined> {
	return (await store.latest(parseSelector(selector)))[0]?.value;
}

it('a screen that stops sending heartbeats is reported down, and wall_screen_down fires', async () => {
	const kiosk = createKiosk(vigil, redis.url, 'lobby');
	const screen = await connectLive(vigil.url, { kiosk: kiosk.token });
	screen.socket.emit('heartbeat', { screen: 'lobby-1', at: Date.now(), board: 'default', viewport: { w: 1920, h: 1080 }, renderMs: 12 });
	await until(async () => (await latest('wall_screen_up{screen="lobby-1",board="default"}')) === 1, 10_000, 'lobby-1 up');
	expect(await latest('wall_screen_render_seconds{screen="lobby-1"}')).toBeCloseTo(0.012);
	expect(await currentAlerts(client, createKeys(prefix).alerts)).toEqual([]);

	screen.close();
	await until(async () => (await latest('wall_screen_up{screen="lobby-1"}')) === 0, 10_000, 'lobby-1 down');
	await until(
		async () => (await currentAlerts(client, createKeys(prefix).alerts)).some((a) => a.ruleId.endsWith('wall_screen_down') && a.state === 'firing' && a.labels.screen === 'lobby-1'),
		40_000,
		'wall_screen_down firing'
	);
	const [alert] = await currentAlerts(client, createKeys(prefix).alerts);
	expect(alert).toMatchObject({ labels: { alertname: 'wall_screen_down', screen: 'lobby-1', board: 'default', severity: 'warning' } });
}, 90_000);
