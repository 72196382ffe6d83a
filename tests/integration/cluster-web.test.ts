/**
 * Any number of web processes on a Redis Cluster: a browser signed in on one web process is
 * signed in on another; the query API there answers from the samples a collect process wrote to
 * the cluster; a live screen on the second process gets its snapshot and live points; logging out
 * on the first closes the screen on the second within 2 s and its cookie stops working there. A
 * reload asked on a web process reaches the collect process and is counted right.
 * Skipped without redis-server and redis-cli.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { connectLive, until, type LiveClient } from '../helpers/live-client';
import { clusterAvailable, startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster';
import { demoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

const available = await clusterAvailable();
if (!available) console.warn('cluster web test skipped: redis-server and redis-cli are needed on PATH');

const PASSWORD = 'a long enough password';
let cluster: TestRedisCluster;
const procs: VigilProcess[] = [];
const screens: LiveClient[] = [];

beforeAll(async () => {
	if (available) cluster = await startTestRedisCluster();
}, 60_000);
afterAll(async () => {
	for (const s of screens) s.close();
	for (const p of procs) await p.stop('SIGKILL').catch(() => {});
	await cluster?.stop();
});

async function login(web: VigilProcess, username: string): Promise<{ cookie: string; csrf: string }> {
	const res = await fetch(`${web.url}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: web.url },
		body: new URLSearchParams({ username, password: PASSWORD }).toString()
	});
	expect(res.status).toBe(303);
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('vigil_session='))!.split(';')[0]!;
	const html = await (await fetch(`${web.url}/logout`, { headers: { cookie } })).text();
	return { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(html)![1]! };
}

describe.skipIf(!available)('web processes on a Redis Cluster', () => {
	it('share sessions, answer queries from the cluster, feed screens and hear revocations', async () => {
		const config = demoConfig();
		const env = { REDIS_CLUSTER_NODES: cluster.env };
		procs.push(await startVigilProcess({ config, redisUrl: '', roles: 'collect,alerts', env }));
		const [a, b] = await Promise.all([startVigilProcess({ config, redisUrl: '', roles: 'web', env }), startVigilProcess({ config, redisUrl: '', roles: 'web', env })]);
		procs.push(a!, b!);
		const added = runCli({ redisUrl: '', configFile: a!.configFile, env }, ['users', 'add', 'ops', '--role', 'admin'], `${PASSWORD}\n`);
		expect(added.code, added.err).toBe(0);

		const session = await login(a!, 'ops');
		// The query API on the other process answers from what the collect process wrote.
		await expect
			.poll(async () => {
				const res = await fetch(`${b!.url}/api/v1/query?query=${encodeURIComponent('demo_orders_per_minute')}`, { headers: { cookie: session.cookie } });
				const body = (await res.json()) as { status: string; data?: { result: unknown[] } };
				return `${res.status} ${body.status} ${(body.data?.result.length ?? 0) > 0}`;
			}, { timeout: 20_000, interval: 250 })
			.toBe('200 success true');
		const names = (await (await fetch(`${b!.url}/api/v1/label/__name__/values`, { headers: { cookie: session.cookie } })).json()) as { data: string[] };
		expect(names.data).toContain('demo_orders_per_minute');

		// A reload asked on one web process is heard by the collect process, and counted right
		// (PUBLISH alone counts the subscribers of one node of the cluster).
		const reload = await fetch(`${b!.url}/api/v1/reload`, { method: 'POST', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, origin: b!.url } });
		expect(reload.status).toBe(200);
		expect(await reload.json()).toEqual({ requested: true, processes: 1 });
		await procs[0]!.waitForOutput(/reload/i, 10_000);

		// A screen on the other process gets its snapshot and then live points.
		const screen = await connectLive(b!.url, { cookie: session.cookie, origin: b!.url });
		screens.push(screen);
		await until(() => screen.points.length > 0, 15_000, 'live points on the second web process');
		const denied = new Promise<number>((resolve) => screen.socket.once('denied', () => resolve(Date.now())));

		// Logging out on the first process closes the screen on the second.
		const loggedOutAt = Date.now();
		const out = await fetch(`${a!.url}/logout`, {
			method: 'POST',
			redirect: 'manual',
			headers: { accept: 'text/html', cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: a!.url },
			body: `csrf=${encodeURIComponent(session.csrf)}`
		});
		expect(out.status).toBe(303);
		const at = await Promise.race([denied, new Promise<number>((_, reject) => setTimeout(() => reject(new Error('the screen was not closed within 2 s')), 2000))]);
		expect(at - loggedOutAt).toBeLessThan(2000);
		const after = await fetch(`${b!.url}/api/v1/query?query=up`, { headers: { cookie: session.cookie } });
		expect(after.status).toBe(401);
	}, 120_000);
});
