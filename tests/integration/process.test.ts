/**
 * The `vigil` command as operators run it: one process with every role, or the roles split across
 * processes that share only Redis; the operational endpoints; Redis outages; graceful stop; ports
 * in use, and the demo shop moved by one setting.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { sidOf } from '../../src/lib/server/tsdb/series-id';
import { createKiosk } from '../helpers/kiosk';
import { connectLive, until } from '../helpers/live-client';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, shippedDemoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
beforeAll(async () => {
	redis = await startTestRedis();
});
afterAll(async () => {
	await redis.stop();
});

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
	const res = await fetch(url);
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('one process with every role', () => {
	let vigil: VigilProcess;
	beforeAll(async () => {
		vigil = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url });
	});
	afterAll(async () => {
		await vigil?.stop();
	});

	it('answers /healthz and /readyz with each check', async () => {
		expect((await getJson(`${vigil.url}/healthz`)).status).toBe(200);
		const ready = await getJson(`${vigil.url}/readyz`);
		expect(ready.status).toBe(200);
		expect(ready.body).toMatchObject({
			status: 'ready',
			checks: { redis: { ok: true }, 'role:web': { ok: true }, 'role:collect': { ok: true }, 'role:alerts': { ok: true } }
		});
	});

	it('exposes default Node metrics and its own on /metrics', async () => {
		const res = await fetch(`${vigil.url}/metrics`);
		expect(res.headers.get('content-type')).toContain('text/plain');
		let text = await res.text();
		await until(async () => {
			text = await (await fetch(`${vigil.url}/metrics`)).text();
			return /^vigil_samples_written_total [1-9]/m.test(text);
		}, 5000, 'a sample written');
		expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
		expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
		expect(text).toMatch(/^vigil_redis_connected 1$/m);
		expect(text).toMatch(/^vigil_role_running\{role="collect"\} 1$/m);
		expect(text).toMatch(/^vigil_collector_runs_total\{collector="demo-shop",outcome="ok"\} [1-9]/m);
		expect(text).toMatch(/^vigil_samples_written_total [1-9]/m);
	});

	it('serves the wall page (to a screen with a kiosk link)', async () => {
		const link = await fetch(createKiosk(vigil, redis.url).url, { redirect: 'manual' });
		const cookie = link.headers.getSetCookie()[0]!.split(';')[0]!;
		const res = await fetch(`${vigil.url}/wall`, { headers: { cookie } });
		expect(res.status).toBe(200);
		expect(await res.text()).toContain('<title>Vigil wall</title>');
	});

	it('streams a snapshot, then points in sequence', async () => {
		const live = await connectLive(vigil.url, { kiosk: createKiosk(vigil, redis.url).token });
		try {
			const snap = live.snapshots[0]!;
			expect(snap.redis).toBe('up');
			const sid = sidOf('demo_orders_per_minute', { shop: 'demo', target: 'demo-shop' });
			const demo = () => live.points.flatMap((m) => m.points).filter((p) => p.id === sid);
			await until(() => demo().length >= 3, 5000, 'three points of the demo series');
			// The latest snapshot (a new series sends one) names the series and the others of the target.
			const names = live.snapshots.at(-1)!.series.map((x) => x.name);
			expect(names).toEqual(expect.arrayContaining(['demo_orders_per_minute', 'up', 'collect_duration_seconds']));
			expect(live.snapshots.at(-1)!.series.find((x) => x.id === sid)!.labels).toEqual({ shop: 'demo', target: 'demo-shop' });
			// Every message carries the next sequence number after the first snapshot.
			const after = live.seqs.slice(1);
			after.forEach((m, i) => expect(m.seq).toBe(snap.seq + i + 1));
			const ts = demo().map((p) => p.ts);
			expect([...ts].sort((a, b) => a - b)).toEqual(ts);
		} finally {
			live.close();
		}
	});
});

describe('roles split across processes', () => {
	let web: VigilProcess;
	let collect: VigilProcess;
	beforeAll(async () => {
		const config = demoConfig();
		[web, collect] = await Promise.all([
			startVigilProcess({ config, redisUrl: redis.url, roles: 'web' }),
			startVigilProcess({ config, redisUrl: redis.url, env: { VIGIL_ROLES: 'collect,alerts' } })
		]);
	});
	afterAll(async () => {
		await Promise.all([web?.stop(), collect?.stop()]);
	});

	it('the web process streams what the collect process writes, through Redis alone', async () => {
		const live = await connectLive(web.url, { kiosk: createKiosk(web, redis.url).token });
		try {
			await until(() => live.points.length >= 2, 5000, 'points from the other process');
			await until(() => live.statuses.some((s) => s.roles.collect === 1 && s.roles.web === 1 && s.roles.alerts === 1) || live.snapshots.some((s) => s.roles.collect === 1), 8000, 'roles seen');
		} finally {
			live.close();
		}
	});

	it('each process reports only its own roles as ready', async () => {
		const w = await getJson(`${web.url}/readyz`);
		expect(Object.keys(w.body.checks as object).sort()).toEqual(['redis', 'role:web']);
		const c = await getJson(`${collect.url}/readyz`);
		expect(Object.keys(c.body.checks as object).sort()).toEqual(['redis', 'role:alerts', 'role:collect']);
	});

	it('a process without the web role serves no pages', async () => {
		const res = await fetch(`${collect.url}/wall`);
		expect(res.status).toBe(404);
		expect(await res.text()).toContain('runs collect, alerts, not web');
	});
});

describe('a Redis outage', () => {
	it('does not crash Vigil: /readyz turns 503, and live values resume when Redis is back', async () => {
		const vigil = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url });
		const live = await connectLive(vigil.url, { kiosk: createKiosk(vigil, redis.url).token });
		try {
			await until(() => live.points.length >= 1, 5000, 'first point');
			await redis.kill();
			await until(async () => (await getJson(`${vigil.url}/readyz`)).status === 503, 5000, '/readyz 503');
			const down = await getJson(`${vigil.url}/readyz`);
			expect(down.body).toMatchObject({ status: 'not ready', checks: { redis: { ok: false } } });
			expect((await getJson(`${vigil.url}/healthz`)).status).toBe(200);
			await until(() => live.statuses.some((s) => s.redis === 'down'), 5000, 'a status saying Redis is down');

			const before = live.points.length;
			await redis.restart();
			await until(async () => (await getJson(`${vigil.url}/readyz`)).status === 200, 15_000, '/readyz 200 again');
			await until(() => live.points.length >= before + 2, 10_000, 'points after the restart');
			expect(live.socket.connected).toBe(true);
			expect(vigil.child.exitCode).toBeNull();
		} finally {
			live.close();
			const { code } = await vigil.stop();
			expect(code).toBe(0);
		}
	});
});

describe('stopping', () => {
	it.each(['SIGTERM', 'SIGINT'] as const)('on %s: disconnects screens, stops and exits 0 within 10 s', async (signal) => {
		const vigil = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url });
		const live = await connectLive(vigil.url, { kiosk: createKiosk(vigil, redis.url).token });
		let disconnected = false;
		live.socket.on('disconnect', () => (disconnected = true));
		const { code, ms } = await vigil.stop(signal);
		live.close();
		expect(code).toBe(0);
		expect(ms).toBeLessThan(10_000);
		expect(disconnected).toBe(true);
		expect(vigil.output()).toMatch(new RegExp(`"reason":"${signal}".*stopping Vigil`));
		expect(vigil.output()).toContain('Vigil stopped');
	});
});

describe('ports', () => {
	/** Something else listening on a free port. */
	async function occupy(): Promise<{ port: number; server: Server }> {
		const port = await freePort();
		const server = createServer();
		await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
		return { port, server };
	}
	const closeServer = (s: Server) => new Promise((r) => s.close(r));

	it("a busy demo shop port is blamed on the shop's setting, not on Vigil's PORT", async () => {
		const busy = await occupy();
		try {
			const start = startVigilProcess({ config: shippedDemoConfig(3100, `ports${process.pid}a:`), redisUrl: redis.url, env: { VIGIL_DEMO_SHOP_PORT: String(busy.port) } });
			const err = await start.then(
				() => new Error('vigil started although the shop port is taken'),
				(e: Error) => e
			);
			expect(err.message).toMatch(/^vigil exited \(1\)/);
			expect(err.message).toContain(`The demo shop cannot listen on 127.0.0.1:${busy.port}: port ${busy.port} is in use. Stop what uses it, or set demoShop.port (or VIGIL_DEMO_SHOP_PORT) to another port`);
			expect(err.message).not.toMatch(/set (server\.port|PORT)/);
		} finally {
			await closeServer(busy.server);
		}
	});

	it("a busy Vigil port is blamed on server.port / PORT", async () => {
		const busy = await occupy();
		try {
			const err = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url, env: { PORT: String(busy.port) } }).then(
				() => new Error('vigil started although its port is taken'),
				(e: Error) => e
			);
			expect(err.message).toMatch(/^vigil exited \(1\)/);
			expect(err.message).toContain(`Vigil cannot listen on 127.0.0.1:${busy.port}: port ${busy.port} is in use. Stop what uses it, or set server.port (or PORT) to another port`);
		} finally {
			await closeServer(busy.server);
		}
	});

	it('VIGIL_DEMO_SHOP_PORT moves the shop, and the demo collectors scrape it there', async () => {
		const shopPort = await freePort();
		const prefix = `ports${process.pid}b:`;
		// The shipped config as it is (3100 in the file), moved by the one variable.
		const vigil = await startVigilProcess({ config: shippedDemoConfig(3100, prefix), redisUrl: redis.url, env: { VIGIL_DEMO_SHOP_PORT: String(shopPort) } });
		const client = new Redis(redis.url);
		const store = new RedisStore(client, { prefix, liveKey: null });
		try {
			expect(vigil.output()).toContain(`http://127.0.0.1:${shopPort}`);
			const instance = `127.0.0.1:${shopPort}`;
			await until(async () => (await store.latest(`up{target="shop-metrics",instance="${instance}"}`))[0]?.value === 1, 15_000, 'the shop scraped on its new port');
			for (const target of ['storefront', 'search', 'checkout', 'payments']) {
				await until(async () => (await store.latest(`up{target="${target}"}`))[0]?.value === 1, 15_000, `${target} probed on the new port`);
			}
			expect((await fetch(`http://127.0.0.1:${shopPort}/storefront/health`)).status).toBe(200);
		} finally {
			await store.close();
			client.disconnect();
			await vigil.stop();
		}
	});
});
