/**
 * The wall's screens are watched: heartbeats (board, viewport, render time) become
 * wall_screen_up and wall_screen_render_seconds, and a screen silent past wall.screenDownAfter
 * raises the Vigil alert wall_screen_down (rules/vigil.rules.yml), against a running `vigil`.
 * Only real wall screens are watched, identified by the server: a kiosk link is one screen
 * whatever ids its clients make up; a logged-in tab only when its page names itself a screen; a
 * revoked link's screen is forgotten at once (its alert resolves).
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { currentAlerts } from '../../src/lib/server/alerting/state';
import { createKeys } from '../../src/lib/server/keys';
import { parseSelector } from '../../src/lib/server/tsdb/matchers';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { createKiosk, vigilCli } from '../helpers/kiosk';
import { connectLive, until } from '../helpers/live-client';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { addVigilUser, demoConfig, ROOT, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

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

async function screenSeries(): Promise<Array<{ labels: Record<string, string>; value: number | null }>> {
	return (await store.latest(parseSelector('wall_screen_up'))).filter((s) => !s.stale).map((s) => ({ labels: s.labels, value: s.value }));
}

async function firingScreens(): Promise<string[]> {
	return (await currentAlerts(client, createKeys(prefix))).filter((a) => a.ruleId.endsWith('wall_screen_down') && a.state === 'firing').map((a) => a.labels.screen!);
}

async function sessionCookie(user: string): Promise<string> {
	addVigilUser(vigil, redis.url, user, 'viewer', 'correct horse battery');
	const res = await fetch(`${vigil.url}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: vigil.url },
		body: new URLSearchParams({ username: user, password: 'correct horse battery' }).toString()
	});
	expect(res.status).toBe(303);
	return res.headers.getSetCookie().find((c) => c.startsWith('vigil_session='))!.split(';')[0]!;
}

it('a kiosk screen that stops sending heartbeats is reported down, wall_screen_down fires, and revoking its link resolves it at once', async () => {
	const kiosk = createKiosk(vigil, redis.url, 'lobby');
	const screen = await connectLive(vigil.url, { kiosk: kiosk.token });
	screen.socket.emit('heartbeat', { screen: 'lobby-1', at: Date.now(), board: 'default', viewport: { w: 1920, h: 1080 }, renderMs: 12 });
	// The screen is named after its link (what the client calls itself is not trusted).
	await until(async () => (await latest(`wall_screen_up{screen="lobby",link="${kiosk.id}",board="default"}`)) === 1, 10_000, 'lobby up');
	expect(await latest('wall_screen_render_seconds{screen="lobby"}')).toBeCloseTo(0.012);
	expect(await latest('wall_screen_up{screen="lobby-1"}')).toBeUndefined();
	expect(await firingScreens()).toEqual([]);

	screen.close();
	await until(async () => (await latest('wall_screen_up{screen="lobby"}')) === 0, 10_000, 'lobby down');
	await until(async () => (await firingScreens()).includes('lobby'), 40_000, 'wall_screen_down firing');
	const alert = (await currentAlerts(client, createKeys(prefix))).find((a) => a.labels.screen === 'lobby');
	expect(alert).toMatchObject({ labels: { alertname: 'wall_screen_down', screen: 'lobby', board: 'default', severity: 'warning' } });

	// Revoking the link forgets its screen: the series ends and the alert resolves, instead of firing for a day.
	const r = vigilCli(vigil, redis.url, ['kiosk', 'revoke', kiosk.id]);
	expect(r.code, r.err).toBe(0);
	await until(async () => (await client.hexists(createKeys(prefix).wallScreens, `kiosk:${kiosk.id}`)) === 0, 10_000, 'screen forgotten');
	expect((await screenSeries()).filter((s) => s.labels.screen === 'lobby')).toEqual([]);
	await until(async () => !(await firingScreens()).includes('lobby'), 40_000, 'wall_screen_down resolved');
}, 120_000);

it('made-up screen ids from one kiosk link are one screen', async () => {
	const kiosk = createKiosk(vigil, redis.url, 'hall');
	const screens = await Promise.all([0, 1, 2].map(() => connectLive(vigil.url, { kiosk: kiosk.token })));
	for (let i = 0; i < 30; i++) screens[i % 3]!.socket.emit('heartbeat', { screen: `fake-${i}`, at: Date.now(), board: 'default' });
	await until(async () => (await latest('wall_screen_up{screen="hall"}')) === 1, 10_000, 'hall up');
	const hall = (await screenSeries()).filter((s) => s.labels.link === kiosk.id);
	expect(hall).toHaveLength(1);
	expect((await screenSeries()).filter((s) => s.labels.screen?.startsWith('fake-'))).toEqual([]);
	for (const s of screens) s.close();
}, 60_000);

it("a logged-in tab is not a watched screen (closing it is no outage) unless its page names itself one", async () => {
	const cookie = await sessionCookie('opsa');
	const tab = await connectLive(vigil.url, { cookie, origin: vigil.url });
	tab.socket.emit('heartbeat', { screen: 'browser-tab', at: Date.now(), board: 'default' });
	const wall = await connectLive(vigil.url, { cookie, origin: vigil.url });
	wall.socket.emit('heartbeat', { screen: 'browser-tab-2', at: Date.now(), board: 'default', watch: 'ops-room' });
	await until(async () => (await latest('wall_screen_up{screen="ops-room",board="default"}')) === 1, 10_000, 'ops-room up');
	expect((await screenSeries()).filter((s) => s.labels.screen?.startsWith('browser-tab'))).toEqual([]);
	tab.close();
	wall.close();
	await until(async () => (await latest('wall_screen_up{screen="ops-room"}')) === 0, 10_000, 'ops-room down');

	// One user may declare a handful of screens, not thousands.
	const many = await connectLive(vigil.url, { cookie, origin: vigil.url });
	for (let i = 0; i < 20; i++) many.socket.emit('heartbeat', { screen: 'x', at: Date.now(), board: 'default', watch: `room-${i}` });
	await until(async () => (await screenSeries()).some((s) => s.labels.screen?.startsWith('room-')), 10_000, 'declared rooms');
	await new Promise((r) => setTimeout(r, 2000));
	expect((await screenSeries()).filter((s) => s.labels.screen?.startsWith('room-')).length).toBeLessThanOrEqual(5);
	many.close();
}, 60_000);
