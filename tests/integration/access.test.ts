/**
 * Access control against a running `vigil`: the first-start setup link (never in the log), logins
 * and their limits (nobody can lock another person out), each role against each state-changing
 * endpoint, tokens of users, revocation, CSRF (also with an Authorization header), one's own
 * password over the API, and the security headers.
 */
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { cliFor } from '../helpers/cli';

let redis: TestRedis;
let vigil: VigilProcess;
const dir = mkdtempSync(join(tmpdir(), 'vigil-access-'));
const configFile = join(dir, 'vigil.config.yaml');
const config = `redis:
  prefix: "access${process.pid}:"
collectors:
  - kind: demo
    name: one
    interval: 1s
`;

const cli = cliFor(() => ({ redisUrl: redis.url, configFile, timeoutMs: 20_000 }));

interface Browser {
	cookie: string;
	csrf: string;
}

/** A form post as a browser sends it (same origin unless told). */
function form(path: string, fields: Record<string, string>, options: { cookie?: string; origin?: string } = {}): Promise<Response> {
	return fetch(`${vigil.url}${path}`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			accept: 'text/html',
			'content-type': 'application/x-www-form-urlencoded',
			origin: options.origin ?? vigil.url,
			...(options.cookie ? { cookie: options.cookie } : {})
		},
		body: new URLSearchParams(fields).toString()
	});
}

/**
 * A form post from another client address: the connection is made from `localAddress` (127.0.0.x;
 * the whole of 127.0.0.0/8 is this machine), which Vigil sees as the client's address.
 */
function formFrom(localAddress: string, path: string, fields: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
	const body = new URLSearchParams(fields).toString();
	return new Promise((resolve, reject) => {
		const req = httpRequest(
			`${vigil.url}${path}`,
			{ method: 'POST', localAddress, headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: vigil.url, 'content-length': Buffer.byteLength(body) } },
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (c: string) => (text += c));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
			}
		);
		req.on('error', reject);
		req.end(body);
	});
}

function sessionCookie(res: Response): string {
	const c = res.headers.getSetCookie().find((x) => x.startsWith('vigil_session='));
	if (!c) throw new Error(`no session cookie (status ${res.status})`);
	return c.split(';')[0]!;
}

async function csrfOf(cookie: string): Promise<string> {
	const html = await (await fetch(`${vigil.url}/logout`, { headers: { cookie } })).text();
	const m = /name="csrf" value="([^"]+)"/.exec(html);
	if (!m) throw new Error('no CSRF token on the page');
	return m[1]!;
}

async function login(username: string, password: string): Promise<Browser> {
	const res = await form('/login', { username, password });
	expect(res.status, await res.clone().text()).toBe(303);
	const cookie = sessionCookie(res);
	return { cookie, csrf: await csrfOf(cookie) };
}

type Auth = Browser | string | undefined;

function call(method: string, path: string, auth: Auth, body?: unknown): Promise<Response> {
	const headers: Record<string, string> = {};
	if (typeof auth === 'string') headers.authorization = `Bearer ${auth}`;
	else if (auth) Object.assign(headers, { cookie: auth.cookie, 'x-csrf-token': auth.csrf, origin: vigil.url });
	if (body !== undefined) headers['content-type'] = 'application/json';
	return fetch(`${vigil.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

const PASSWORD = 'a long enough password';
let setupToken: string;
let setupFile: string;

beforeAll(async () => {
	redis = await startTestRedis();
	writeFileSync(configFile, config);
	vigil = await startVigilProcess({ config, redisUrl: redis.url });
	// No terminal here: the link is in a file readable by Vigil's user only; the log names the file.
	const line = await vigil.waitForOutput(/"file":"[^"]+setup-link\.txt"/);
	setupFile = JSON.parse(`{${line}}`).file as string;
	setupToken = /\/setup\?token=([A-Za-z0-9_-]+)/.exec(readFileSync(setupFile, 'utf8'))![1]!;
});

afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

describe('first start', () => {
	it('prints a setup link that makes the first admin once, and never a default password', async () => {
		expect(vigil.output()).toContain('no user exists yet');
		// The token is nowhere in the log (stdout and stderr): only in the file, mode 0600.
		expect(setupToken.length).toBeGreaterThan(20);
		expect(vigil.output()).not.toContain(setupToken);
		expect(statSync(setupFile).mode & 0o777).toBe(0o600);
		expect(cli(['users', 'list']).out).toContain('no users');
		const page = await fetch(`${vigil.url}/setup?token=${setupToken}`);
		expect(await page.text()).toContain('Make the admin');
		expect(await (await fetch(`${vigil.url}/setup?token=wrong`)).text()).toContain('used up or has expired');

		const mismatch = await form(`/setup?token=${setupToken}`, { token: setupToken, username: 'root', password: PASSWORD, password2: 'something else' });
		expect(mismatch.status).toBe(400);
		expect(await mismatch.text()).toContain('the two passwords differ');

		const res = await form(`/setup?token=${setupToken}`, { token: setupToken, username: 'root', password: PASSWORD, password2: PASSWORD });
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/');
		const cookie = sessionCookie(res);
		expect(res.headers.getSetCookie()[0]).toMatch(/HttpOnly/i);
		expect(res.headers.getSetCookie()[0]).toMatch(/SameSite=Lax/i);
		expect(await (await fetch(vigil.url, { headers: { cookie } })).text()).toMatch(/Logged in as <strong>root<\/strong>/);

		const again = await form(`/setup?token=${setupToken}`, { token: setupToken, username: 'root2', password: PASSWORD, password2: PASSWORD });
		expect(again.status).toBe(409);
		expect(await (await fetch(`${vigil.url}/setup?token=${setupToken}`)).text()).toContain('Vigil is set up');
		expect(cli(['users', 'list']).out).toMatch(/^root {2}admin/m);
	});
});

const roles = ['viewer', 'engineer', 'manager', 'admin'] as const;
const sessions: Record<string, Browser> = {};
const tokens: Record<string, string> = {};

describe('users from the command line', () => {
	// A dozen runs of the CLI: slow on a busy machine.
	it('adds users with the password from stdin, and tokens for them', { timeout: 90_000 }, async () => {
		for (const role of roles) {
			const r = cli(['users', 'add', `${role}-user`, '--role', role], `${PASSWORD}\n`);
			expect(r.code, r.err).toBe(0);
			sessions[role] = await login(`${role}-user`, PASSWORD);
			const t = cli(['token', 'create', '--name', `${role}-token`, '--user', `${role}-user`]);
			expect(t.code, t.err).toBe(0);
			tokens[role] = t.out.split('\n')[0]!.trim();
		}
		expect(cli(['users', 'add', 'x', '--role', 'viewer'], 'short\n').err).toContain('at least 10 characters');
		expect(cli(['token', 'create', '--name', 'orphan', '--scope', 'push']).err).toContain('--user is required once users exist');
		expect(cli(['token', 'create', '--name', 'too-much', '--user', 'viewer-user', '--role', 'admin']).err).toContain('may not do more than its user');
		expect(cli(['token', 'list']).out).toMatch(/engineer-token {2}\* {2}active {2}user engineer-user \(engineer\)/);
	});
});

describe('each role against each endpoint', () => {
	const backtest = { rule: 'none/Nothing', from: 1_700_000_000, to: 1_700_000_600 };
	const cases: Array<{ name: string; method: string; path: string; body?: () => unknown; allowed: ReadonlyArray<(typeof roles)[number]> }> = [
		{ name: 'push', method: 'POST', path: '/api/v1/push', body: () => [], allowed: ['engineer', 'admin'] },
		{ name: 'reload', method: 'POST', path: '/api/v1/reload', allowed: ['engineer', 'admin'] },
		{ name: 'backtest', method: 'POST', path: '/api/v1/rules/backtest', body: () => backtest, allowed: ['viewer', 'engineer', 'manager', 'admin'] },
		{ name: 'audit', method: 'GET', path: '/api/v1/audit?limit=5', allowed: ['admin'] },
		{ name: 'list users', method: 'GET', path: '/api/v1/users', allowed: ['admin'] },
		{ name: 'add a user', method: 'POST', path: '/api/v1/users', body: () => ({ name: `new-${Math.random().toString(36).slice(2, 8)}`, role: 'viewer', password: PASSWORD }), allowed: ['admin'] },
		{ name: 'change a user', method: 'PATCH', path: '/api/v1/users/viewer-user', body: () => ({ role: 'viewer' }), allowed: ['admin'] },
		{ name: 'make a silence', method: 'POST', path: '/api/v1/silences', body: () => ({ matchers: '{service="x"}', duration: '1h', comment: 'test' }), allowed: ['engineer', 'admin'] },
		{
			name: 'make a maintenance window',
			method: 'POST',
			path: '/api/v1/maintenance-windows',
			body: () => ({ name: 'w', matchers: '{service="x"}', timeZone: 'UTC', schedule: { kind: 'weekly', days: ['sun'], start: '02:00', end: '03:00' } }),
			allowed: ['engineer', 'admin']
		},
		{ name: 'make a channel', method: 'POST', path: '/api/v1/channels', body: () => ({ name: `c-${Math.random().toString(36).slice(2, 8)}`, type: 'log' }), allowed: ['admin'] },
		{ name: 'acknowledge an incident', method: 'POST', path: '/api/v1/incidents/INC-999/acknowledge', allowed: ['engineer', 'admin'] },
		{ name: 'resolve an incident', method: 'POST', path: '/api/v1/incidents/INC-999/resolve', allowed: ['engineer', 'admin'] },
		{ name: 'add an incident note', method: 'POST', path: '/api/v1/incidents/INC-999/notes', body: () => ({ text: 'looked' }), allowed: ['engineer', 'manager', 'admin'] },
		{ name: 'read the notification log', method: 'GET', path: '/api/v1/notifications', allowed: ['viewer', 'engineer', 'manager', 'admin'] },
		{ name: 'read the rules overview', method: 'GET', path: '/api/v1/rules/overview', allowed: ['viewer', 'engineer', 'manager', 'admin'] },
		{ name: 'read a rule', method: 'GET', path: '/api/v1/rules/none/Nothing', allowed: ['viewer', 'engineer', 'manager', 'admin'] },
		{ name: 'validate a rule', method: 'POST', path: '/api/v1/rules/validate', body: () => ({ yaml: 'alert: Nothing\nexpr: vector(1)\n' }), allowed: ['viewer', 'engineer', 'manager', 'admin'] },
		{ name: 'save a rule', method: 'PUT', path: '/api/v1/rules/none/Nothing', body: () => ({ yaml: 'alert: Nothing\nexpr: vector(1)\n' }), allowed: ['engineer', 'admin'] },
		{ name: 'roll a rule back', method: 'POST', path: '/api/v1/rules/none/Nothing/rollback', body: () => ({ version: 1 }), allowed: ['engineer', 'admin'] },
		{ name: 'disable a rule', method: 'POST', path: '/api/v1/rules/none/Nothing/enabled', body: () => ({ enabled: false }), allowed: ['engineer', 'admin'] },
		{ name: 'export a rule test', method: 'GET', path: '/api/v1/rules/none/Nothing/test-export?from=1700000000&to=1700000600', allowed: ['viewer', 'engineer', 'manager', 'admin'] }
	];
	for (const c of cases) {
		it(`${c.name}: ${c.allowed.join(', ')} only, by session or token; 401 for nobody`, async () => {
			for (const role of roles) {
				for (const [how, auth] of [
					['token', tokens[role]],
					['session', sessions[role]]
				] as const) {
					// A role change ends sessions: log the viewer in again after the PATCH case.
					if (how === 'session' && role === 'viewer' && c.method === 'PATCH') sessions.viewer = await login('viewer-user', PASSWORD);
					const res = await call(c.method, c.path, how === 'session' ? sessions[role] : auth, c.body?.());
					const body = (await res.json()) as { error?: string };
					if (c.allowed.includes(role)) expect([401, 403], `${role} by ${how}: ${body.error}`).not.toContain(res.status);
					else {
						expect(res.status, `${role} by ${how}`).toBe(403);
						expect(body.error).toMatch(/role \((viewer|engineer|manager)\) may not/);
					}
				}
			}
			sessions.viewer = await login('viewer-user', PASSWORD);
			const none = await call(c.method, c.path, undefined, c.body?.());
			expect(none.status).toBe(401);
			expect(((await none.json()) as { error: string }).error).toContain('log in, or send an API token');
		});
	}

	it('an admin reads the audit log as JSON and CSV, with secrets masked', async () => {
		const res = await call('GET', '/api/v1/audit?limit=100', sessions.admin);
		const { entries } = (await res.json()) as { entries: Array<{ action: string; actor: string; target: string }> };
		expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['user.create', 'token.create']));
		expect(entries.find((e) => e.action === 'user.create' && e.target === 'root')?.actor).toBe('setup');
		const csv = await call('GET', '/api/v1/audit?format=csv&limit=100', sessions.admin);
		expect(csv.headers.get('content-type')).toContain('text/csv');
		const text = await csv.text();
		expect(text.split('\r\n')[0]).toBe('id,time,actor,action,target,ip,before,after');
		expect(text).not.toMatch(/scrypt\$/);
		expect((await call('GET', '/api/v1/audit?limit=0', sessions.admin)).status).toBe(400);
		const cliAudit = cli(['audit', '--limit', '3', '--json']);
		expect(cliAudit.out.trim().split('\n')).toHaveLength(3);
	});
});

describe('revocation', () => {
	it('a revoked token stops at once', async () => {
		const t = cli(['token', 'create', '--name', 'short-lived', '--user', 'engineer-user', '--scope', 'push']).out.split('\n')[0]!.trim();
		expect((await call('POST', '/api/v1/push', t, [])).status).toBe(200);
		expect(cli(['token', 'revoke', t.split('_')[1]!]).code).toBe(0);
		const res = await call('POST', '/api/v1/push', t, []);
		expect(res.status).toBe(401);
		expect(await res.json()).toEqual({ error: 'the API token was revoked' });
	});

	it('a session ends when its user\'s password changes, and the new password logs in', async () => {
		const s = await login('engineer-user', PASSWORD);
		expect((await call('POST', '/api/v1/push', s, [])).status).toBe(200);
		const r = cli(['users', 'passwd', 'engineer-user'], 'a brand new password\n');
		expect(r.code, r.err).toBe(0);
		expect((await call('POST', '/api/v1/push', s, [])).status).toBe(401);
		const home = await fetch(vigil.url, { headers: { cookie: s.cookie } });
		expect(await home.text()).toContain('href="/login"');
		await login('engineer-user', 'a brand new password');
	});

	it('a lowered role caps the user\'s tokens, and a deleted user\'s tokens stop', async () => {
		const a = cli(['users', 'add', 'temp-user', '--role', 'engineer'], `${PASSWORD}\n`);
		expect(a.code, a.err).toBe(0);
		const t = cli(['token', 'create', '--name', 'temp', '--user', 'temp-user']).out.split('\n')[0]!.trim();
		expect((await call('POST', '/api/v1/push', t, [])).status).toBe(200);
		expect(cli(['users', 'set-role', 'temp-user', 'viewer']).code).toBe(0);
		expect((await call('POST', '/api/v1/push', t, [])).status).toBe(403);
		expect(cli(['users', 'delete', 'temp-user']).code).toBe(0);
		expect((await call('POST', '/api/v1/push', t, [])).status).toBe(401);
	});
});

describe('CSRF', () => {
	it('refuses a cross-site form post, and a session post without the token', async () => {
		const s = await login('admin-user', PASSWORD);
		const crossSite = await form('/logout', { csrf: s.csrf }, { cookie: s.cookie, origin: 'https://evil.example' });
		expect(crossSite.status).toBe(403);
		const noToken = await form('/logout', {}, { cookie: s.cookie });
		expect(noToken.status).toBe(403);
		expect(await noToken.text()).toContain('CSRF token');
		const api = await fetch(`${vigil.url}/api/v1/reload`, { method: 'POST', headers: { cookie: s.cookie, origin: vigil.url } });
		expect(api.status).toBe(403);
		expect(((await api.json()) as { error: string }).error).toContain('CSRF token');
		// A Bearer token without a session cookie: no CSRF token needed.
		expect((await call('POST', '/api/v1/reload', tokens.admin)).status).toBe(200);
		// With the token, the session still works, and logging out ends it.
		expect((await call('POST', '/api/v1/reload', s)).status).toBe(200);
		const out = await form('/logout', { csrf: s.csrf }, { cookie: s.cookie });
		expect(out.status).toBe(303);
		expect((await call('POST', '/api/v1/reload', s)).status).toBe(401);
	});
});

describe('CSRF with an Authorization header', () => {
	it('a session cookie is checked even when the request also carries a (junk) Authorization header', async () => {
		const s = await login('admin-user', PASSWORD);
		// Cross-site, to an API route: refused for the missing CSRF token, not let through to the token check.
		const api = await fetch(`${vigil.url}/api/v1/reload`, { method: 'POST', headers: { cookie: s.cookie, origin: 'https://evil.example', authorization: 'Bearer junk', 'content-type': 'application/json' }, body: '{}' });
		expect(api.status).toBe(403);
		expect(((await api.json()) as { error: string }).error).toContain('CSRF token');
		// Cross-site form posts are refused too (SvelteKit's origin check is first).
		const crossSite = await fetch(`${vigil.url}/logout`, {
			method: 'POST',
			redirect: 'manual',
			headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', cookie: s.cookie, authorization: 'Bearer junk' },
			body: ''
		});
		expect(crossSite.status).toBe(403);
		// A form action acts as the session: without the CSRF token it does nothing, Authorization or not.
		for (const authorization of ['Bearer junk', `Bearer ${tokens.admin}`, 'Basic eDp5']) {
			const noToken = await fetch(`${vigil.url}/logout`, {
				method: 'POST',
				redirect: 'manual',
				headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: vigil.url, cookie: s.cookie, authorization },
				body: ''
			});
			expect(noToken.status, authorization).toBe(403);
			expect(await noToken.text()).toContain('CSRF token');
		}
		// The session was not logged out by any of them.
		expect((await call('POST', '/api/v1/reload', s)).status).toBe(200);
	});
});

describe('login', () => {
	it('says when the password is wrong, and limits failures per user and address with Retry-After', async () => {
		const wrong = await form('/login', { username: 'manager-user', password: 'not the password' });
		expect(wrong.status).toBe(400);
		expect(await wrong.text()).toContain('wrong user name or password');
		for (let i = 0; i < 4; i++) expect((await form('/login', { username: 'manager-user', password: `guess ${i}` })).status).toBe(400);
		const limited = await form('/login', { username: 'manager-user', password: PASSWORD });
		expect(limited.status).toBe(429);
		const retry = Number(limited.headers.get('retry-after'));
		expect(retry).toBeGreaterThan(800);
		expect(retry).toBeLessThanOrEqual(900);
		expect(await limited.text()).toContain(`too many attempts: try again in ${retry} s`);
		// Other users are not held up by one user's limit.
		await login('viewer-user', PASSWORD);
	});

	it('an attacker hammering an account from other addresses cannot lock the real user out', async () => {
		const r = cli(['users', 'add', 'victim', '--role', 'viewer'], `${PASSWORD}\n`);
		expect(r.code, r.err).toBe(0);
		for (const attacker of ['127.0.0.2', '127.0.0.3']) {
			for (let i = 0; i < 5; i++) expect((await formFrom(attacker, '/login', { username: 'victim', password: `guess ${i}` })).status, `${attacker} guess ${i}`).toBe(400);
			// That address is done with this user for the window, even with the right password.
			const limited = await formFrom(attacker, '/login', { username: 'victim', password: PASSWORD });
			expect(limited.status).toBe(429);
			expect(Number(limited.headers['retry-after'])).toBeGreaterThan(800);
		}
		// The real user, from their own address and from a new one, still logs in (slowed, not locked).
		for (const own of ['127.0.0.1', '127.0.0.4']) {
			const res = await formFrom(own, '/login', { username: 'victim', password: PASSWORD });
			expect(res.status, `${own}: ${res.text.slice(0, 200)}`).toBe(303);
			expect(String(res.headers['set-cookie'])).toContain('vigil_session=');
		}
		// An address that guessed wrong is still held to its own limit.
		expect((await formFrom('127.0.0.2', '/login', { username: 'victim', password: PASSWORD })).status).toBe(429);
	});
});

describe('security headers', () => {
	it('pages carry a strict CSP and the framing, sniffing and referrer headers; API and ops responses too where cheap', async () => {
		const viewer = sessions.viewer!.cookie;
		for (const path of ['/', '/login', '/wall']) {
			// The wall needs a login (or a kiosk link).
			const res = await fetch(`${vigil.url}${path}`, { headers: path === '/wall' ? { cookie: viewer } : {} });
			expect(res.status).toBe(200);
			const csp = res.headers.get('content-security-policy') ?? '';
			for (const d of ["default-src 'self'", "object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'", "img-src 'self' data:", "connect-src 'self'"]) expect(csp).toContain(d);
			expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'/);
			expect(res.headers.get('x-frame-options')).toBe('DENY');
			expect(res.headers.get('x-content-type-options')).toBe('nosniff');
			expect(res.headers.get('referrer-policy')).toBe('same-origin');
		}
		const api = await call('POST', '/api/v1/push', undefined, []);
		expect(api.headers.get('x-content-type-options')).toBe('nosniff');
		const ops = await fetch(`${vigil.url}/healthz`);
		expect(ops.headers.get('x-content-type-options')).toBe('nosniff');
	});
});

describe('passwords over the API', () => {
	it("one's own password needs the current one, also for an admin; another user's does not, and is audited", async () => {
		expect(cli(['users', 'add', 'boss', '--role', 'admin'], `${PASSWORD}\n`).code).toBe(0);
		expect(cli(['users', 'add', 'pw-user', '--role', 'viewer'], `${PASSWORD}\n`).code).toBe(0);
		const t = cli(['token', 'create', '--name', 'boss-token', '--user', 'boss']);
		expect(t.code, t.err).toBe(0);
		const token = t.out.split('\n')[0]!.trim();
		const NEW = 'another long password';

		for (const auth of [token, await login('boss', PASSWORD)]) {
			const bare = await call('PATCH', '/api/v1/users/boss', auth, { password: NEW });
			expect(bare.status).toBe(400);
			expect(((await bare.json()) as { error: string }).error).toBe('currentPassword: changing your own password needs your current password');
			const wrong = await call('PATCH', '/api/v1/users/BOSS', auth, { password: NEW, currentPassword: 'not it at all' });
			expect(wrong.status).toBe(403);
			expect(((await wrong.json()) as { error: string }).error).toBe('currentPassword: that is not your current password');
		}
		// The password did not change.
		await login('boss', PASSWORD);
		const right = await call('PATCH', '/api/v1/users/boss', token, { password: NEW, currentPassword: PASSWORD });
		expect(right.status).toBe(200);
		await login('boss', NEW);

		// Another user's password: no current password asked; the audit log names who set it.
		const other = await call('PATCH', '/api/v1/users/pw-user', token, { password: NEW });
		expect(other.status).toBe(200);
		await login('pw-user', NEW);
		const { entries } = (await (await call('GET', '/api/v1/audit?limit=50', token)).json()) as { entries: Array<{ action: string; actor: string; target: string; after: unknown }> };
		const set = entries.filter((e) => e.action === 'user.password');
		expect(set.find((e) => e.target === 'pw-user')?.actor).toMatch(/^token:\S+ \(boss\)$/);
		expect(set.find((e) => e.target === 'boss')?.actor).toMatch(/^token:\S+ \(boss\)$/);
		expect(JSON.stringify(set)).not.toContain(NEW);
	});
});
