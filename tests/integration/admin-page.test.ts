/**
 * The admin page's form actions against a running `vigil`: each one refuses nobody (401), a
 * viewer (403) and a post without the session's CSRF token (403), and changes nothing then; an
 * admin's post works and is audited with the admin as actor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { cliFor } from '../helpers/cli';

let redis: TestRedis;
let vigil: VigilProcess;
const PASSWORD = 'a long enough password';
const config = `redis:
  prefix: "adminpage${process.pid}:"
collectors:
  - kind: demo
    name: one
    interval: 1s
`;

const cli = cliFor(() => ({ redisUrl: redis.url, configFile: vigil.configFile, timeoutMs: 20_000 }));

interface Browser {
	cookie: string;
	csrf: string;
}

function post(path: string, fields: Record<string, string>, cookie?: string): Promise<Response> {
	return fetch(`${vigil.url}${path}`, {
		method: 'POST',
		redirect: 'manual',
		headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: vigil.url, ...(cookie ? { cookie } : {}) },
		body: new URLSearchParams(fields).toString()
	});
}

async function login(username: string): Promise<Browser> {
	const res = await post('/login', { username, password: PASSWORD });
	expect(res.status).toBe(303);
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('vigil_session='))!.split(';')[0]!;
	const html = await (await fetch(`${vigil.url}/logout`, { headers: { cookie } })).text();
	return { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(html)![1]! };
}

let admin: Browser;
let viewer: Browser;
let kioskId: string;
let tokenId: string;

beforeAll(async () => {
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config, redisUrl: redis.url });
	for (const [name, role] of [['ada', 'admin'], ['vic', 'viewer']] as const) expect(cli(['users', 'add', name, '--role', role], `${PASSWORD}\n`).code).toBe(0);
	kioskId = /id (\w{8})/.exec(cli(['kiosk', 'create', '--name', 'hall', '--board', 'default']).out)?.[1] ?? '';
	tokenId = /id (\w{8})/.exec(cli(['token', 'create', '--name', 'ci', '--user', 'vic', '--scope', 'read']).out)?.[1] ?? '';
	expect(kioskId).toMatch(/^\w{8}$/);
	expect(tokenId).toMatch(/^\w{8}$/);
	admin = await login('ada');
	viewer = await login('vic');
}, 60_000);

afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

const ACTIONS: Array<[string, Record<string, string>]> = [
	['addUser', { name: 'mallory', role: 'admin', password: PASSWORD, confirm: PASSWORD }],
	['setRole', { name: 'vic', role: 'admin' }],
	['deleteUser', { name: 'ada' }],
	['createToken', { name: 'sneaky', owner: 'ada' }],
	['revokeToken', { id: 'TOKEN' }],
	['createKiosk', { name: 'sneaky', board: 'default' }],
	['revokeKiosk', { id: 'KIOSK' }]
];

function fieldsOf(fields: Record<string, string>): Record<string, string> {
	return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === 'TOKEN' ? tokenId : v === 'KIOSK' ? kioskId : v]));
}

async function api<T>(path: string): Promise<T> {
	const res = await fetch(`${vigil.url}/api/v1/${path}`, { headers: { cookie: admin.cookie } });
	expect(res.status).toBe(200);
	return (await res.json()) as T;
}

async function unchanged(): Promise<void> {
	const { users } = await api<{ users: Array<{ name: string; role: string }> }>('users');
	expect(users.map((u) => `${u.name}:${u.role}`)).toEqual(['ada:admin', 'vic:viewer']);
	const { tokens } = await api<{ tokens: Array<{ name: string; state: string }> }>('tokens');
	expect(tokens.map((t) => `${t.name}:${t.state}`)).toEqual(['ci:active']);
	const { kioskTokens } = await api<{ kioskTokens: Array<{ name: string; state: string }> }>('kiosk-tokens');
	expect(kioskTokens.map((k) => `${k.name}:${k.state}`)).toEqual(['hall:active']);
}

describe('the admin page', () => {
	it('sends nobody to the login page and refuses a viewer with 403', async () => {
		const anon = await fetch(`${vigil.url}/admin`, { redirect: 'manual' });
		expect(anon.status).toBe(303);
		expect(anon.headers.get('location')).toBe('/login?next=%2Fadmin');
		const asViewer = await fetch(`${vigil.url}/admin`, { headers: { cookie: viewer.cookie } });
		expect(asViewer.status).toBe(403);
		expect(await asViewer.text()).not.toContain('Add a user');
		expect((await fetch(`${vigil.url}/admin`, { headers: { cookie: admin.cookie } })).status).toBe(200);
	});

	it.each(ACTIONS)('?/%s refuses nobody (401), a viewer (403) and a post without the CSRF token (403)', async (action, fields) => {
		const f = fieldsOf(fields);
		expect((await post(`/admin?/${action}`, f)).status).toBe(401);
		expect((await post(`/admin?/${action}`, { ...f, csrf: viewer.csrf }, viewer.cookie)).status).toBe(403);
		expect((await post(`/admin?/${action}`, f, admin.cookie)).status).toBe(403);
		expect((await post(`/admin?/${action}`, { ...f, csrf: viewer.csrf }, admin.cookie)).status).toBe(403);
		await unchanged();
	});

	it("an admin's posts change users, tokens and kiosk links, in the audit log as the admin", async () => {
		// The password is asked twice: two that differ add nobody, and the refusal names the field.
		const differ = await post('/admin?/addUser', { name: 'bea', role: 'engineer', password: PASSWORD, confirm: `${PASSWORD}x`, csrf: admin.csrf }, admin.cookie);
		expect(differ.status).toBe(400);
		expect(await differ.text()).toContain('password: the two passwords differ');
		expect((await api<{ users: Array<{ name: string }> }>('users')).users.map((u) => u.name)).not.toContain('bea');
		const add = await post('/admin?/addUser', { name: 'bea', role: 'engineer', password: PASSWORD, confirm: PASSWORD, csrf: admin.csrf }, admin.cookie);
		expect(add.status).toBe(200);
		expect(await add.text()).toContain('added bea (engineer)');
		expect((await api<{ users: Array<{ name: string; role: string }> }>('users')).users).toContainEqual(expect.objectContaining({ name: 'bea', role: 'engineer' }));
		const bad = await post('/admin?/addUser', { name: '<b>x</b>', role: 'viewer', password: PASSWORD, confirm: PASSWORD, csrf: admin.csrf }, admin.cookie);
		expect(bad.status).toBe(400);
		expect(await bad.text()).not.toContain('<b>x</b>');
		expect((await post('/admin?/revokeKiosk', { id: kioskId, csrf: admin.csrf }, admin.cookie)).status).toBe(200);
		expect((await post('/admin?/revokeToken', { id: tokenId, csrf: admin.csrf }, admin.cookie)).status).toBe(200);
		expect((await post('/admin?/deleteUser', { name: 'ada', csrf: admin.csrf }, admin.cookie)).status).toBe(400);
		const { entries } = await api<{ entries: Array<{ actor: string; action: string; target: string }> }>('audit?limit=20');
		expect(entries).toContainEqual(expect.objectContaining({ actor: 'user:ada', action: 'user.create', target: 'bea' }));
		expect(entries).toContainEqual(expect.objectContaining({ actor: 'user:ada', action: 'kiosk.revoke', target: kioskId }));
		expect(entries).toContainEqual(expect.objectContaining({ actor: 'user:ada', action: 'token.revoke', target: tokenId }));
	});
});
