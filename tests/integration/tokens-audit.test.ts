/**
 * The tokens API and audit paging, against a running `vigil`: tokens are made (shown once, stored
 * without secrets), listed, revoked and expire; their role is their user's or narrower and scopes
 * narrow them further; no token can make a token broader than itself. The audit log pages back
 * with `?before=` (API) and the "Older" link (/admin): pages are disjoint and together complete.
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { demoConfig, startVigilProcess, VIGIL_BIN, type VigilProcess } from '../helpers/vigil-process';
import { cliFor } from '../helpers/cli';

const PASSWORD = 'a long enough password';
let redis: TestRedis;
let vigil: VigilProcess;
let admin: { cookie: string; csrf: string };

interface TokenInfo {
	id: string;
	name: string;
	user?: string;
	role?: string;
	scopes?: string[];
	expiresAt?: number;
	state?: string;
}
interface AuditEntry {
	id: string;
	actor: string;
	action: string;
	target: string;
}

const cli = cliFor(() => ({ redisUrl: redis.url, configFile: vigil.configFile, timeoutMs: 20_000 }));

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

type Auth = { cookie: string; csrf: string } | string | undefined;

function call(method: string, path: string, auth: Auth, body?: unknown): Promise<Response> {
	const headers: Record<string, string> = {};
	if (typeof auth === 'string') headers.authorization = `Bearer ${auth}`;
	else if (auth) Object.assign(headers, { cookie: auth.cookie, 'x-csrf-token': auth.csrf, origin: vigil.url });
	if (body !== undefined) headers['content-type'] = 'application/json';
	return fetch(`${vigil.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** Makes a token through the API; the answer's body. */
async function mint(auth: Auth, body: Record<string, unknown>): Promise<{ status: number; token?: TokenInfo; secret?: string; error?: string }> {
	const res = await call('POST', '/api/v1/tokens', auth, body);
	return { status: res.status, ...((await res.json()) as object) };
}

async function tokens(): Promise<TokenInfo[]> {
	const res = await call('GET', '/api/v1/tokens', admin);
	expect(res.status).toBe(200);
	return ((await res.json()) as { tokens: TokenInfo[] }).tokens;
}

/** What a token may do, probed on real endpoints: push (engineer), backtest (viewer), users (admin). */
async function may(secret: string): Promise<{ push: number; read: number; users: number }> {
	const push = (await call('POST', '/api/v1/push', secret, [])).status;
	const read = (await call('POST', '/api/v1/rules/backtest', secret, { rule: 'none/Nothing', from: 1_700_000_000, to: 1_700_000_600 })).status;
	const users = (await call('GET', '/api/v1/users', secret)).status;
	return { push, read, users };
}
const allowed = (status: number) => status !== 401 && status !== 403;

beforeAll(async () => {
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url });
	for (const [name, role] of [
		['root', 'admin'],
		['boss', 'admin'],
		['eng', 'engineer'],
		['val', 'viewer']
	] as const) {
		const r = cli(['users', 'add', name, '--role', role], `${PASSWORD}\n`);
		expect(r.code, r.err).toBe(0);
	}
	admin = await login('root');
});

afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

describe('the tokens API', () => {
	it('makes a token with its user\'s role, shows the secret once, lists it without secrets, and the token works', async () => {
		const made = await mint(admin, { name: 'ci deploys', user: 'eng' });
		expect(made.status).toBe(201);
		expect(made.secret).toMatch(/^vgl_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{32}$/);
		expect(made.token).toMatchObject({ name: 'ci deploys', user: 'eng', role: 'engineer' });
		expect(made.secret!.split('_')[1]).toBe(made.token!.id);
		const listed = (await tokens()).find((t) => t.id === made.token!.id)!;
		expect(listed).toMatchObject({ name: 'ci deploys', user: 'eng', role: 'engineer', state: 'active' });
		const list = JSON.stringify(await tokens());
		expect(list).not.toContain(made.secret!.split('_')[2]);
		expect(list).not.toMatch(/"hash"|vgl_/);
		const can = await may(made.secret!);
		expect(allowed(can.push) && allowed(can.read)).toBe(true);
		expect(can.users).toBe(403);
	});

	it('narrows by role and by scopes, and never above the user', async () => {
		const viewerOfEng = await mint(admin, { name: 'read only', user: 'eng', role: 'viewer' });
		expect(viewerOfEng.token?.role).toBe('viewer');
		const v = await may(viewerOfEng.secret!);
		expect(allowed(v.read)).toBe(true);
		expect([v.push, v.users]).toEqual([403, 403]);
		const err = (await call('POST', '/api/v1/push', viewerOfEng.secret, [])).json();
		expect(((await err) as { error: string }).error).toBe("the API token's role (viewer) may not samples:push");

		const pushOnly = await mint(admin, { name: 'pusher', user: 'root', scopes: ['push'] });
		expect(pushOnly.token).toMatchObject({ role: 'admin', scopes: ['push'] });
		const p = await may(pushOnly.secret!);
		expect(allowed(p.push)).toBe(true);
		expect([p.read, p.users]).toEqual([403, 403]);

		const above = await mint(admin, { name: 'sneaky', user: 'val', role: 'admin' });
		expect(above.status).toBe(400);
		expect(above.error).toBe('role: val is viewer; a token may not do more than its user (admin)');
		// Sideways is above too: a manager's rights are not an engineer's.
		expect((await mint(admin, { name: 'sideways', user: 'eng', role: 'manager' })).status).toBe(400);
	});

	it('refuses malformed requests with 400 and says why', async () => {
		const cases: Array<[Record<string, unknown>, RegExp]> = [
			[{ name: 'x', user: 'nobody' }, /no user named "nobody"/],
			[{ name: 'x', user: 'eng', scopes: ['everything'] }, /scopes/],
			[{ name: 'x', user: 'eng', scopes: [] }, /scopes: name at least one/],
			[{ name: '  ', user: 'eng' }, /name: expected 1 to 100 characters/],
			[{ name: 'x', user: 'eng', expires: 'soon' }, /expires: expected a duration/],
			[{ name: 'x', user: 'eng', expires: '0s' }, /expires: expected a duration/],
			[{ name: 'x', user: 'eng', role: 'root' }, /role/],
			[{ name: 'x', user: 'eng', owner: 'root' }, /owner/]
		];
		for (const [body, message] of cases) {
			const r = await mint(admin, body);
			expect(r.status, JSON.stringify(body)).toBe(400);
			expect(r.error, JSON.stringify(body)).toMatch(message);
		}
	});

	it('expires tokens: 401 once past their expiry, listed as expired', async () => {
		const short = await mint(admin, { name: 'short', user: 'eng', expires: '1s' });
		expect(short.status).toBe(201);
		expect(short.token!.expiresAt! - Date.now()).toBeLessThanOrEqual(1000);
		expect(allowed((await call('POST', '/api/v1/push', short.secret, [])).status)).toBe(true);
		await new Promise((r) => setTimeout(r, 1100));
		const res = await call('POST', '/api/v1/push', short.secret, []);
		expect(res.status).toBe(401);
		expect(((await res.json()) as { error: string }).error).toBe('the API token has expired');
		expect((await tokens()).find((t) => t.id === short.token!.id)?.state).toBe('expired');
	});

	it('revokes tokens at once; an unknown id is 404', async () => {
		const t = await mint(admin, { name: 'to revoke', user: 'eng' });
		expect(allowed((await call('POST', '/api/v1/push', t.secret, [])).status)).toBe(true);
		const del = await call('DELETE', `/api/v1/tokens/${t.token!.id}`, admin);
		expect(del.status).toBe(200);
		expect(await del.json()).toEqual({ revoked: t.token!.id });
		const res = await call('POST', '/api/v1/push', t.secret, []);
		expect(res.status).toBe(401);
		expect(((await res.json()) as { error: string }).error).toBe('the API token was revoked');
		expect((await tokens()).find((x) => x.id === t.token!.id)?.state).toBe('revoked');
		expect((await call('DELETE', '/api/v1/tokens/nope1234', admin)).status).toBe(404);
	});

	it('is for admins: other roles 403 by session or token, nobody 401', async () => {
		const eng = await login('eng');
		const engToken = (await mint(admin, { name: 'eng full', user: 'eng' })).secret!;
		for (const auth of [eng, engToken, await login('val')]) {
			expect((await call('GET', '/api/v1/tokens', auth)).status).toBe(403);
			expect((await mint(auth, { name: 'mine', user: 'eng' })).status).toBe(403);
			expect((await call('DELETE', `/api/v1/tokens/${engToken.split('_')[1]}`, auth)).status).toBe(403);
		}
		expect((await call('GET', '/api/v1/tokens', undefined)).status).toBe(401);
		expect(allowed((await call('POST', '/api/v1/push', engToken, [])).status)).toBe(true);
	});

	it('a token cannot mint a broader one: narrowed, scoped and capped admin tokens are refused; a full one stays under the owner\'s role', async () => {
		const narrowed = (await mint(admin, { name: 'admin as engineer', user: 'root', role: 'engineer' })).secret!;
		const scoped = (await mint(admin, { name: 'admin read scope', user: 'root', scopes: ['read', 'push', 'reload', 'rules'] })).secret!;
		for (const secret of [narrowed, scoped]) {
			const r = await mint(secret, { name: 'escalate', user: 'root' });
			expect(r.status).toBe(403);
			expect(r.error).toMatch(/may not tokens:admin/);
		}
		// An admin's full token is capped when its user is demoted.
		const boss = (await mint(admin, { name: 'boss full', user: 'boss' })).secret!;
		const before = await mint(boss, { name: 'made by a token', user: 'eng', role: 'viewer' });
		expect(before.status).toBe(201);
		expect(cli(['users', 'set-role', 'boss', 'engineer']).code).toBe(0);
		const after = await mint(boss, { name: 'after demotion', user: 'boss' });
		expect(after.status).toBe(403);
		expect(after.error).toBe("the API token's role (engineer) may not tokens:admin");
		// A full admin token still cannot give a user more than the user's role.
		const full = (await mint(admin, { name: 'root full', user: 'root' })).secret!;
		expect((await mint(full, { name: 'up', user: 'val', role: 'engineer' })).status).toBe(400);
		// Who made what is in the audit log: the token, and its user.
		const audit = ((await (await call('GET', '/api/v1/audit?limit=200', admin)).json()) as { entries: AuditEntry[] }).entries;
		const made = audit.find((e) => e.action === 'token.create' && e.target === before.token!.id)!;
		expect(made.actor).toBe(`token:${boss.split('_')[1]} (boss)`);
		expect(JSON.stringify(audit)).not.toMatch(/vgl_|"hash":"[0-9a-f]/);
	});
});

describe('audit paging', () => {
	/** Enough entries for several pages: kiosk links made and revoked through the API. */
	beforeAll(async () => {
		for (let i = 0; i < 60; i++) {
			const res = await call('POST', '/api/v1/kiosk-tokens', admin, { name: `screen ${i}`, board: 'default' });
			expect(res.status).toBe(201);
			const id = ((await res.json()) as { kioskToken: { id: string } }).kioskToken.id;
			expect((await call('DELETE', `/api/v1/kiosk-tokens/${id}`, admin)).status).toBe(200);
		}
	});

	async function all(): Promise<AuditEntry[]> {
		return ((await (await call('GET', '/api/v1/audit?limit=10000', admin)).json()) as { entries: AuditEntry[] }).entries;
	}

	it('/api/v1/audit?before= pages back through everything, newest first, no entry twice or left out', async () => {
		const everything = await all();
		expect(everything.length).toBeGreaterThan(120);
		for (const limit of [7, 50, everything.length]) {
			const seen: AuditEntry[] = [];
			let before: string | null = null;
			let pages = 0;
			do {
				const res = await call('GET', `/api/v1/audit?limit=${limit}${before ? `&before=${encodeURIComponent(before)}` : ''}`, admin);
				expect(res.status).toBe(200);
				const page = (await res.json()) as { entries: AuditEntry[]; next: string | null };
				expect(page.entries.length).toBeLessThanOrEqual(limit);
				if (page.next) expect(page.next).toBe(page.entries.at(-1)!.id);
				seen.push(...page.entries);
				before = page.next;
				pages++;
			} while (before);
			expect(pages, `limit ${limit}`).toBeGreaterThanOrEqual(Math.ceil(everything.length / limit));
			expect(seen.map((e) => e.id)).toEqual(everything.map((e) => e.id));
		}
		for (const bad of ['yesterday', '1-2-3', '<script>']) expect((await call('GET', `/api/v1/audit?before=${encodeURIComponent(bad)}`, admin)).status).toBe(400);
	});

	it('/admin shows 100 entries and an "Older" link to the next page; the pages are disjoint and complete', async () => {
		const everything = await all();
		const rows = (html: string) =>
			[...html.matchAll(/<tr data-testid="audit-row"[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!.replace(/<!--[^>]*-->/g, '').trim()));
		const seen: string[][] = [];
		let path: string | null = '/admin';
		let pages = 0;
		while (path) {
			const res: Response = await fetch(`${vigil.url}${path}`, { headers: { cookie: admin.cookie } });
			expect(res.status).toBe(200);
			const html: string = await res.text();
			const page = rows(html);
			expect(page.length).toBeLessThanOrEqual(100);
			if (pages > 0) expect(html).toContain('href="/admin#audit"');
			seen.push(...page);
			const older: string | undefined = /<a href="([^"]+)" data-testid="audit-older"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
			if (older) expect(page.length).toBe(100);
			path = older ? older.replace(/#.*$/, '') : null;
			pages++;
		}
		// A last full page links to an empty one.
		expect(pages).toBe(Math.floor(everything.length / 100) + 1);
		// Actor, action and target of every entry, in order (the page shows no ids).
		expect(seen.map((r) => r.slice(1, 4))).toEqual(everything.map((e) => [e.actor, e.action, e.target]));
	});
});

describe('the access commands take --config', () => {
	it('token, users, audit and kiosk read the file --config names (not $VIGIL_CONFIG or ./vigil.config.yaml), and a --config without a file is refused', { timeout: 90_000 }, () => {
		const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: redis.url };
		delete env.VIGIL_CONFIG;
		const run = (args: string[]) => {
			const r = spawnSync(process.execPath, [VIGIL_BIN, ...args], { env, input: '', encoding: 'utf8', timeout: 20_000, cwd: tmpdir() });
			return { code: r.status, out: r.stdout, err: r.stderr };
		};
		const made = run(['token', 'create', '--name', 'by-config-flag', '--user', 'root', '--config', vigil.configFile]);
		expect(made.code, made.err).toBe(0);
		expect(made.out).toMatch(/vgl_/);
		// Written under the config's prefix: the running Vigil lists it.
		expect(cli(['token', 'list']).out).toContain('by-config-flag');
		expect(run(['token', 'list', `--config=${vigil.configFile}`]).out).toContain('by-config-flag');
		expect(run(['users', 'list', '--config', vigil.configFile]).out).toContain('root');
		expect(run(['audit', '--limit', '5', '--config', vigil.configFile]).out).toContain('token.create');
		const kiosk = run(['kiosk', 'create', '--board', 'default', '--name', 'config-flag-screen', '--config', vigil.configFile]);
		expect(kiosk.code, kiosk.err).toBe(0);
		expect(cli(['kiosk', 'list']).out).toContain('config-flag-screen');
		const bare = run(['token', 'list', '--config']);
		expect(bare.code).toBe(2);
		expect(bare.err).toContain('--config takes a file');
		const missing = run(['token', 'list', '--config', '/nonexistent/vigil.yaml']);
		expect(missing.code).not.toBe(0);
		expect(missing.err).toContain('/nonexistent/vigil.yaml');
	});
});
