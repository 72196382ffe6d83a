/**
 * Kiosk links and the authenticated live feed, against a running `vigil`: a kiosk link shows the
 * wall and its feed and nothing else; revoked and expired links and ended sessions lose their
 * screens; no credential and other origins are refused; floods are dropped, counted and cut.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLive, refusalOf, until } from '../helpers/live-client';
import { createKiosk, vigilCli, type Kiosk } from '../helpers/kiosk';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { spawnSync } from 'node:child_process';
import { VIGIL_BIN } from '../helpers/vigil-process';

let redis: TestRedis;
let vigil: VigilProcess;
let kiosk: Kiosk;
const PASSWORD = 'a long enough password';

beforeAll(async () => {
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url });
	kiosk = createKiosk(vigil, redis.url, 'lobby');
	for (const [name, role] of [
		['root', 'admin'],
		['val', 'viewer']
	]) {
		const r = spawnSync(process.execPath, [VIGIL_BIN, 'users', 'add', name!, '--role', role!], {
			env: { ...process.env, REDIS_URL: redis.url, VIGIL_CONFIG: vigil.configFile },
			input: `${PASSWORD}\n`,
			encoding: 'utf8'
		});
		expect(r.status, r.stderr).toBe(0);
	}
});

afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

function cookieFrom(res: Response, name: string): string | undefined {
	return res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
}

/** Follows a kiosk link as a screen's browser does: the cookie it gets. */
async function kioskCookie(k: Kiosk): Promise<string> {
	const res = await fetch(k.url, { redirect: 'manual' });
	expect(res.status).toBe(303);
	const c = cookieFrom(res, 'vigil_kiosk');
	if (!c) throw new Error('no kiosk cookie');
	return c.split(';')[0]!;
}

async function login(username: string): Promise<{ cookie: string; csrf: string }> {
	const res = await fetch(`${vigil.url}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: vigil.url },
		body: new URLSearchParams({ username, password: PASSWORD }).toString()
	});
	expect(res.status).toBe(303);
	const cookie = cookieFrom(res, 'vigil_session')!.split(';')[0]!;
	const html = await (await fetch(`${vigil.url}/logout`, { headers: { cookie } })).text();
	return { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(html)![1]! };
}

async function metric(name: string): Promise<number> {
	const text = await (await fetch(`${vigil.url}/metrics`)).text();
	let sum = 0;
	for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))) sum += Number(m[1]);
	return sum;
}

describe('a kiosk link', () => {
	it('is traded for an HTTP-only cookie, leaves the URL, and shows /wall', async () => {
		const res = await fetch(kiosk.url, { redirect: 'manual' });
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/wall');
		const set = cookieFrom(res, 'vigil_kiosk')!;
		expect(set).toMatch(/HttpOnly/i);
		expect(set).toMatch(/SameSite=Lax/i);
		expect(set).toMatch(/Path=\//);
		const wall = await fetch(`${vigil.url}/wall`, { headers: { cookie: set.split(';')[0]! }, redirect: 'manual' });
		expect(wall.status).toBe(200);
		expect(await wall.text()).toContain('<title>Vigil wall</title>');
	});

	it('receives the live snapshot, by handshake token or by cookie', async () => {
		const byToken = await connectLive(vigil.url, { kiosk: kiosk.token });
		const byCookie = await connectLive(vigil.url, { cookie: await kioskCookie(kiosk), origin: vigil.url });
		try {
			expect(byToken.snapshots[0]!.redis).toBe('up');
			expect(byCookie.snapshots.length).toBeGreaterThan(0);
			await until(() => byToken.points.length > 0, 5000, 'points');
		} finally {
			byToken.close();
			byCookie.close();
		}
	});

	it('is refused by every API route (403), and for another board', async () => {
		const cookie = await kioskCookie(kiosk);
		const routes: Array<[string, string]> = [
			['POST', '/api/v1/push'],
			['POST', '/api/v1/reload'],
			['POST', '/api/v1/rules/backtest'],
			['GET', '/api/v1/audit'],
			['GET', '/api/v1/users'],
			['POST', '/api/v1/users'],
			['PATCH', '/api/v1/users/root'],
			['DELETE', '/api/v1/users/root'],
			['GET', '/api/v1/kiosk-tokens'],
			['POST', '/api/v1/kiosk-tokens'],
			['DELETE', `/api/v1/kiosk-tokens/${kiosk.id}`]
		];
		for (const [method, path] of routes) {
			const credentials: Array<Record<string, string>> = [{ authorization: `Bearer ${kiosk.token}` }, { cookie, origin: vigil.url }];
			for (const headers of credentials) {
				const res = await fetch(`${vigil.url}${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
				expect(res.status, `${method} ${path} with ${Object.keys(headers)[0]}`).toBe(403);
				expect(((await res.json()) as { error: string }).error).toContain('kiosk link may only show its board');
			}
		}
		expect((await refusalOf(vigil.url, { kiosk: kiosk.token, board: 'warehouse' }))?.reason).toBe('board');
		expect((await fetch(`${vigil.url}/wall?board=warehouse`, { headers: { cookie }, redirect: 'manual' })).status).toBe(404);
		// Other pages do not know it: it is nobody there.
		expect(await (await fetch(`${vigil.url}/`, { headers: { cookie } })).text()).toContain('href="/login"');
	});
});

describe('revoked and expired links, ended sessions', () => {
	it('the page refuses them, and their open sockets are disconnected', async () => {
		const revoked = createKiosk(vigil, redis.url, 'to-revoke');
		const expiring = createKiosk(vigil, redis.url, 'short', ['--expires', '3s']);
		const revokedCookie = await kioskCookie(revoked);
		const viewer = await login('val');
		const screens = await Promise.all([
			connectLive(vigil.url, { kiosk: revoked.token }),
			connectLive(vigil.url, { kiosk: expiring.token }),
			connectLive(vigil.url, { cookie: viewer.cookie, origin: vigil.url })
		]);
		const denied = screens.map((s) => new Promise<string>((resolve) => s.socket.on('denied', (m) => resolve(m.reason))));
		const gone = screens.map((s) => new Promise<void>((resolve) => s.socket.on('disconnect', () => resolve())));

		expect(vigilCli(vigil, redis.url, ['kiosk', 'revoke', revoked.id]).code).toBe(0);
		const out = await fetch(`${vigil.url}/logout`, {
			method: 'POST',
			redirect: 'manual',
			headers: { accept: 'text/html', cookie: viewer.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: vigil.url },
			body: `csrf=${encodeURIComponent(viewer.csrf)}`
		});
		expect(out.status).toBe(303);
		// Credentials are checked again on a screen's next message once its last check is 5 s old.
		await new Promise((r) => setTimeout(r, 5500));
		for (const s of screens) s.socket.emit('heartbeat', { screen: 'test', at: Date.now() });
		expect(await Promise.all(denied)).toEqual(['kiosk', 'kiosk', 'session']);
		await Promise.all(gone);
		for (const s of screens) s.close();

		for (const k of [revoked, expiring]) {
			const page = await fetch(k.url, { redirect: 'manual' });
			expect(page.status).toBe(303);
			expect(page.headers.get('location')).toBe('/login?next=%2Fwall&why=kiosk');
			expect((await refusalOf(vigil.url, { kiosk: k.token }))?.message).toBe("This screen's kiosk link was revoked or expired");
		}
		const withCookie = await fetch(`${vigil.url}/wall`, { headers: { cookie: revokedCookie }, redirect: 'manual' });
		expect(withCookie.headers.get('location')).toBe('/login?next=%2Fwall&why=kiosk');
		expect(cookieFrom(withCookie, 'vigil_kiosk')).toMatch(/Max-Age=0/);
		const hint = await (await fetch(`${vigil.url}/login?next=%2Fwall&why=kiosk`)).text();
		expect(hint).toContain('kiosk link was revoked or expired');
	}, 20_000);
});

describe('without credentials', () => {
	it('/wall redirects to /login with a hint, and the live feed refuses the connection', async () => {
		const res = await fetch(`${vigil.url}/wall`, { redirect: 'manual' });
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/login?next=%2Fwall&why=wall');
		expect(await (await fetch(`${vigil.url}/login?next=%2Fwall&why=wall`)).text()).toContain('The wall needs a login or a kiosk link');
		const refusal = await refusalOf(vigil.url, {});
		expect(refusal).toEqual({ reason: 'unauthenticated', message: 'log in or use a kiosk link to see the wall', retry: false });
		expect((await refusalOf(vigil.url, { kiosk: 'vgk_AAAAAAAA_' + 'x'.repeat(32) }))?.reason).toBe('kiosk');
		expect((await refusalOf(vigil.url, { cookie: 'vigil_session=' + 'x'.repeat(43) }))?.reason).toBe('session');
	});

	it('a cross-origin handshake is refused, even with a valid credential', async () => {
		expect((await refusalOf(vigil.url, { kiosk: kiosk.token, origin: 'https://evil.example' }))?.reason).toBe('origin');
		expect((await refusalOf(vigil.url, { kiosk: kiosk.token, origin: `http://localhost:${vigil.port}` }))?.reason).toBe('origin');
		expect(await refusalOf(vigil.url, { kiosk: kiosk.token, origin: vigil.url })).toBeNull();
	});
});

describe('rate limit', () => {
	it('drops a flood over the limit (counted), closes a persistent flooder, and keeps serving others', async () => {
		const good = await connectLive(vigil.url, { kiosk: kiosk.token });
		const flooder = await connectLive(vigil.url, { kiosk: kiosk.token });
		try {
			const before = await metric('vigil_live_dropped_messages_total');
			const denied = new Promise<string>((resolve) => flooder.socket.on('denied', (m) => resolve(m.reason)));
			const snapshots = flooder.snapshots.length;
			const floodAt = performance.now();
			for (let i = 0; i < 1000; i++) flooder.socket.emit('snapshot:request', { reason: 'manual' });
			expect(await denied).toBe('flood');
			const floodMs = performance.now() - floodAt;
			await until(() => !flooder.socket.connected, 5000, 'the flooder disconnected');
			// Only the burst (40) was served, and what the bucket refilled (20/s) while the flood lasted.
			expect(flooder.snapshots.length - snapshots).toBeLessThanOrEqual(40 + Math.ceil((20 * floodMs) / 1000));
			expect((await metric('vigil_live_dropped_messages_total')) - before).toBeGreaterThan(100);
			expect(await metric('vigil_live_refused_total')).toBeGreaterThan(0);
			const seen = good.points.length;
			await until(() => good.points.length > seen, 5000, 'points on the other screen');
			expect(good.socket.connected).toBe(true);
		} finally {
			good.close();
			flooder.close();
		}
	});
});

describe('kiosk list and the admin API', () => {
	it('lists the last time and IP a screen was seen', async () => {
		const r = vigilCli(vigil, redis.url, ['kiosk', 'list']);
		expect(r.code, r.err).toBe(0);
		const line = r.out.split('\n').find((l) => l.startsWith(kiosk.id))!;
		expect(line).toMatch(/ lobby {2}board default {2}created \d{4}-.*expires never {2}last seen \d{4}-\d\d-\d\dT[^ ]+ {2}ip [^ ]*127\.0\.0\.1 {2}active$/);
		expect(r.out).toMatch(/to-revoke .* revoked$/m);
		expect(r.out).toMatch(/short .* expired$/m);
	});

	it('an admin lists, makes and revokes kiosk links; the audit log never holds the secret', async () => {
		const admin = await login('root');
		const viewer = await login('val');
		const h = (s: { cookie: string; csrf: string }) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf, origin: vigil.url, 'content-type': 'application/json' });
		expect((await fetch(`${vigil.url}/api/v1/kiosk-tokens`, { headers: h(viewer) })).status).toBe(403);
		const made = await fetch(`${vigil.url}/api/v1/kiosk-tokens`, { method: 'POST', headers: h(admin), body: JSON.stringify({ name: 'ops-room', board: 'default', expires: '30d' }) });
		expect(made.status).toBe(201);
		const body = (await made.json()) as { url: string; kioskToken: { id: string; board: string; expiresAt: number } };
		expect(body.url).toMatch(/\/wall\?token=vgk_/);
		expect(body.kioskToken.board).toBe('default');
		expect((await fetch(`${vigil.url}/api/v1/kiosk-tokens`, { method: 'POST', headers: h(admin), body: JSON.stringify({ name: 'x', board: 'warehouse' }) })).status).toBe(400);
		// No two live links share a name (it names the watched screen), letter case aside; the CLI says so too.
		const twin = await fetch(`${vigil.url}/api/v1/kiosk-tokens`, { method: 'POST', headers: h(admin), body: JSON.stringify({ name: 'OPS-room', board: 'default' }) });
		expect(twin.status).toBe(400);
		expect(((await twin.json()) as { error: string }).error).toBe(`name: the kiosk link ${body.kioskToken.id} is already named "OPS-room"; give each screen its own name (or revoke that link first)`);
		const cliTwin = vigilCli(vigil, redis.url, ['kiosk', 'create', '--board', 'default', '--name', 'lobby']);
		expect(cliTwin.code).not.toBe(0);
		expect(cliTwin.err).toContain(`name: the kiosk link ${kiosk.id} is already named "lobby"`);
		const list = (await (await fetch(`${vigil.url}/api/v1/kiosk-tokens`, { headers: h(admin) })).json()) as { kioskTokens: Array<{ id: string; state: string; lastIp?: string }> };
		expect(list.kioskTokens.find((k) => k.id === kiosk.id)?.lastIp).toContain('127.0.0.1');
		expect(JSON.stringify(list)).not.toMatch(/vgk_|hash/);
		const del = await fetch(`${vigil.url}/api/v1/kiosk-tokens/${body.kioskToken.id}`, { method: 'DELETE', headers: h(admin) });
		expect(del.status).toBe(200);
		// Revoked, its name is free again.
		expect((await fetch(`${vigil.url}/api/v1/kiosk-tokens`, { method: 'POST', headers: h(admin), body: JSON.stringify({ name: 'ops-room', board: 'default' }) })).status).toBe(201);
		expect((await fetch(`${vigil.url}/api/v1/kiosk-tokens/nope1234`, { method: 'DELETE', headers: h(admin) })).status).toBe(404);
		expect((await refusalOf(vigil.url, { kiosk: new URL(body.url).searchParams.get('token')! }))?.reason).toBe('kiosk');
		const audit = vigilCli(vigil, redis.url, ['audit', '--limit', '50', '--json']).out;
		expect(audit).toContain('"action":"kiosk.create"');
		expect(audit).toContain('"action":"kiosk.revoke"');
		expect(audit).toContain('"actor":"user:root"');
		expect(audit).not.toMatch(/vgk_|"hash"/);
	});
});
