/**
 * Revocations reach open screens at once, against a running `vigil`: when a user is deleted, gets
 * a new password or role, or logs out, and when a kiosk link is revoked, the announcement on the
 * control channel makes the live hub check the matching connections again and close them, well
 * before the periodic check (30 s) and without the screen sending anything. Other screens stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKiosk } from '../helpers/kiosk';
import { connectLive, type LiveClient } from '../helpers/live-client';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { spawnCli } from '../helpers/cli';

const PASSWORD = 'a long enough password';
/** How soon after the change the screen must be told and closed. */
const PROMPTLY_MS = 2000;
let redis: TestRedis;
let vigil: VigilProcess;
const open: LiveClient[] = [];

/** Runs `vigil` without blocking this process (the screens keep receiving); resolves when it exits. */
const cli = (args: string[], input = '') => spawnCli({ redisUrl: redis.url, configFile: vigil.configFile }, args, input);

async function addUser(name: string, role = 'viewer'): Promise<void> {
	const r = await cli(['users', 'add', name, '--role', role], `${PASSWORD}\n`);
	expect(r.code, r.err).toBe(0);
}

async function login(username: string): Promise<{ cookie: string; csrf: string }> {
	const res = await fetch(`${vigil.url}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: vigil.url },
		body: new URLSearchParams({ username, password: PASSWORD }).toString()
	});
	expect(res.status).toBe(303);
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('vigil_session='))!.split(';')[0]!;
	const html = await (await fetch(`${vigil.url}/logout`, { headers: { cookie } })).text();
	return { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(html)![1]! };
}

async function screenOf(auth: { cookie?: string; kiosk?: string }): Promise<LiveClient & { denied: Promise<{ reason: string; at: number }> }> {
	const c = await connectLive(vigil.url, { ...auth, origin: vigil.url });
	open.push(c);
	const denied = new Promise<{ reason: string; at: number }>((resolve) => c.socket.once('denied', (m) => resolve({ reason: m.reason, at: Date.now() })));
	return Object.assign(c, { denied });
}

/** The refusal the screen got, or a failure when none came within PROMPTLY_MS of `since`. */
async function deniedPromptly(s: { denied: Promise<{ reason: string; at: number }> }, since: number): Promise<string> {
	const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not disconnected within ${PROMPTLY_MS} ms`)), Math.max(0, since + PROMPTLY_MS - Date.now())));
	const d = await Promise.race([s.denied, timeout]);
	expect(d.at - since).toBeLessThan(PROMPTLY_MS);
	return d.reason;
}

beforeAll(async () => {
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url });
	for (const name of ['del', 'pwd', 'rol', 'out', 'bystander']) await addUser(name);
	await addUser('root', 'admin');
});

afterAll(async () => {
	for (const c of open.splice(0)) c.close();
	await vigil?.stop();
	await redis?.stop();
});

describe('revocations reach open screens at once', () => {
	it('`vigil users delete`, `passwd` and `set-role` close that user\'s screens within 2 s; others stay', async () => {
		const bystander = await screenOf({ cookie: (await login('bystander')).cookie });
		const cases: Array<[string, string[], string]> = [
			['del', ['users', 'delete', 'del'], ''],
			['pwd', ['users', 'passwd', 'pwd'], 'another long password\n'],
			['rol', ['users', 'set-role', 'rol', 'engineer'], '']
		];
		for (const [user, args, input] of cases) {
			const s = await screenOf({ cookie: (await login(user)).cookie });
			const r = await cli(args, input);
			expect(r.code, r.err).toBe(0);
			expect(await deniedPromptly(s, r.at), user).toBe('session');
			expect(s.socket.connected).toBe(false);
		}
		expect(bystander.socket.connected).toBe(true);
	});

	it('logging out closes that session\'s screens, not the same user\'s other sessions', async () => {
		const a = await login('out');
		const b = await login('out');
		const [sa, sb] = [await screenOf({ cookie: a.cookie }), await screenOf({ cookie: b.cookie })];
		const res = await fetch(`${vigil.url}/logout`, {
			method: 'POST',
			redirect: 'manual',
			headers: { accept: 'text/html', cookie: a.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: vigil.url },
			body: `csrf=${encodeURIComponent(a.csrf)}`
		});
		expect(res.status).toBe(303);
		expect(await deniedPromptly(sa, Date.now())).toBe('session');
		await new Promise((r) => setTimeout(r, 300));
		expect(sb.socket.connected).toBe(true);
	});

	it('`vigil kiosk revoke` and DELETE /api/v1/kiosk-tokens/ID close the link\'s screens within 2 s; other links stay', async () => {
		const [k1, k2, keep] = [createKiosk(vigil, redis.url, 'r1'), createKiosk(vigil, redis.url, 'r2'), createKiosk(vigil, redis.url, 'keep')];
		const [s1, s1b, s2, sk] = [await screenOf({ kiosk: k1.token }), await screenOf({ kiosk: k1.token }), await screenOf({ kiosk: k2.token }), await screenOf({ kiosk: keep.token })];
		const r = await cli(['kiosk', 'revoke', k1.id]);
		expect(r.code, r.err).toBe(0);
		expect(await Promise.all([deniedPromptly(s1, r.at), deniedPromptly(s1b, r.at)])).toEqual(['kiosk', 'kiosk']);

		const admin = await login('root');
		const del = await fetch(`${vigil.url}/api/v1/kiosk-tokens/${k2.id}`, { method: 'DELETE', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, origin: vigil.url } });
		expect(del.status).toBe(200);
		expect(await deniedPromptly(s2, Date.now())).toBe('kiosk');
		await new Promise((r) => setTimeout(r, 300));
		expect(sk.socket.connected).toBe(true);
	});
});
