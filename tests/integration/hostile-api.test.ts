/**
 * Hostile requests to the API routes of a running `vigil`: the known payloads and generated JSON
 * in push bodies, malformed and huge bodies, wrong content types, odd query strings, methods the
 * routes do not serve, and backtest drafts that used to crash the route. Every answer must be a
 * 2xx or 4xx JSON (never a 500, never a stack trace), and no answer may carry markup in HTML.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { deepJsonArray, deepJsonObject, HOSTILE_STRINGS, HOSTILE_VALUES, hostileJson, MEGABYTE, reflectsMarkup } from '../helpers/hostile';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, VIGIL_BIN, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
let vigil: VigilProcess;
let client: Redis;
let store: RedisStore;
let token: string;
const dir = mkdtempSync(join(tmpdir(), 'vigil-hostile-api-'));
const configFile = join(dir, 'vigil.config.yaml');
const prefix = `hostile${process.pid}:`;
const config = `redis:\n  prefix: "${prefix}"\npush:\n  maxBodyBytes: 1048576\ncollectors: []\n`;

function vigilCli(args: string[]): { code: number | null; out: string; err: string } {
	const r = spawnSync(process.execPath, [VIGIL_BIN, ...args], { env: { ...process.env, REDIS_URL: redis.url, VIGIL_CONFIG: configFile }, encoding: 'utf8', timeout: 20_000 });
	return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
	redis = await startTestRedis();
	writeFileSync(configFile, config);
	writeFileSync(join(dir, 'shop.yml'), 'groups:\n- name: shop\n  rules:\n  - alert: Down\n    expr: up == 0\n');
	vigil = await startVigilProcess({ config, redisUrl: redis.url });
	const created = vigilCli(['token', 'create', '--name', 'hostile', '--scope', 'push,reload,read']);
	expect(created.code, created.err).toBe(0);
	token = created.out.split('\n')[0]!.trim();
	const imported = vigilCli(['rules', 'import', join(dir, 'shop.yml')]);
	expect(imported.code, imported.err).toBe(0);
	client = new Redis(redis.url);
	store = new RedisStore(client, { prefix, liveKey: null });
});

afterAll(async () => {
	await vigil?.stop();
	client?.disconnect();
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

interface Answer {
	status: number;
	type: string;
	text: string;
	body: { error?: unknown; refused?: Array<{ index: number; field: string; message: string }> } | undefined;
}

async function send(path: string, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> } = {}): Promise<Answer> {
	const res = await fetch(`${vigil.url}${path}`, {
		method: 'POST',
		...init,
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers }
	});
	const text = await res.text();
	const type = res.headers.get('content-type') ?? '';
	let body: Answer['body'];
	try {
		body = JSON.parse(text) as Answer['body'];
	} catch {
		body = undefined;
	}
	return { status: res.status, type, text, body };
}

/** The rules every answer obeys. */
function expectSafe(a: Answer, what: string): void {
	expect(a.status, `${what}: ${a.text.slice(0, 300)}`).toBeLessThan(500);
	expect(a.text, what).not.toMatch(/\bat .+\.(js|ts):\d+:\d+|Internal Error/);
	if (/html/i.test(a.type)) expect(reflectsMarkup(a.text), what).toBe(false);
	if (a.status >= 400 && a.status !== 431) {
		expect(a.type, what).toMatch(/^application\/json/);
		const named = typeof a.body?.error === 'string' || (Array.isArray(a.body?.refused) && a.body.refused.length > 0);
		expect(named, `${what}: ${a.text.slice(0, 300)}`).toBe(true);
	}
}

const push = (body: string, headers: Record<string, string> = {}) => send('/api/v1/push', { body, headers });

describe('POST /api/v1/push with hostile bodies', () => {
	it('answers 2xx or 4xx JSON for every known value in every field, naming the field', async () => {
		let n = 0;
		for (const v of HOSTILE_VALUES) {
			for (const field of ['metric', 'labels', 'value', 'ts']) {
				const a = await push(JSON.stringify([{ metric: 'hostile_m', value: 1, [field]: v }]));
				expectSafe(a, `${field}=${JSON.stringify(v).slice(0, 60)}`);
				if (a.status === 400 && a.body?.refused) expect(a.body.refused[0]!.field.split('.')[0]).toBe(field);
				n++;
			}
			expectSafe(await push(JSON.stringify(v)), `body ${JSON.stringify(v).slice(0, 60)}`);
			n++;
		}
		for (const s of HOSTILE_STRINGS) {
			expectSafe(await push(s), `raw ${s.slice(0, 40)}`);
			n++;
		}
		expect(n).toBeGreaterThan(450);
	});

	it('answers 2xx or 4xx JSON for generated bodies', async () => {
		await fc.assert(
			fc.asyncProperty(fc.oneof(hostileJson, fc.array(fc.dictionary(fc.constantFrom('metric', 'labels', 'value', 'ts', '__proto__'), hostileJson), { maxLength: 4 })), async (body) => {
				expectSafe(await push(JSON.stringify(body) ?? 'null'), JSON.stringify(body)?.slice(0, 100) ?? '');
			}),
			{ numRuns: 150 }
		);
	});

	it('stores markup in labels as text, and answers it only as JSON', async () => {
		const value = '<img src=x onerror=alert(1)>"><script>alert(1)</script>';
		const a = await push(JSON.stringify([{ metric: 'hostile_markup', labels: { page: value }, value: 1 }]));
		expect(a.status).toBe(200);
		expect(a.type).toMatch(/^application\/json/);
		const [series] = await store.latest('hostile_markup');
		expect(series!.labels.page).toBe(value);
	});

	it('refuses prototype keys, NaN strings and deep nesting with the field named', async () => {
		const proto = await push('[{"metric":"m","value":1,"labels":{"__proto__":{"x":"1"}}},{"metric":"m","value":"nan"},{"metric":"m","value":1,"constructor":{}}]');
		expect(proto.status).toBe(400);
		expect(proto.body?.refused?.map((r) => r.field)).toEqual(['labels.__proto__', 'value', 'constructor']);
		for (const body of [deepJsonArray(100_000), `[${deepJsonObject(50_000)}]`, `[{"metric":"m","value":1,"labels":${deepJsonObject(10_000)}}]`]) {
			const a = await push(body);
			expect(a.status).toBe(400);
			expectSafe(a, body.slice(0, 30));
		}
	});

	it('refuses 10 MB bodies, declared or streamed, with 413 JSON', async () => {
		const big = `[${'{"metric":"m","value":1},'.repeat((10 * MEGABYTE) / 25)}{"metric":"m","value":1}]`;
		const declared = await push(big);
		expect(declared.status).toBe(413);
		expect(declared.body?.error).toBe('the request body is larger than 1048576 bytes: send fewer samples per request');
		const chunks = new ReadableStream<Uint8Array>({
			start(c) {
				for (let i = 0; i < 10; i++) c.enqueue(new Uint8Array(MEGABYTE).fill(0x20));
				c.close();
			}
		});
		// Streamed without a length, it is cut at the same limit (vigil start raises adapter-node's own
		// limit, 512 KB by default, to push.maxBodyBytes): the route answers with its error, naming it.
		const streamed = await send('/api/v1/push', { body: chunks, duplex: 'half' } as Omit<RequestInit, 'headers'>);
		expect(streamed.status).toBe(413);
		expect(streamed.body?.error).toBe('the request body is larger than 1048576 bytes: send fewer samples per request');
	});

	it('refuses malformed JSON and wrong content types with 4xx JSON', async () => {
		for (const body of ['', '{', '[1,]', '<script>alert(1)</script>', '\u0000', "[{'metric':'m'}]", 'NaN', '[1e999999]', '\uFEFF[]', '[]]']) {
			expectSafe(await push(body), JSON.stringify(body));
		}
		for (const type of ['application/x-ndjson', 'text/html', 'application/jsonp', 'image/png', '*/*']) {
			const a = await push('[]', { 'content-type': type });
			expect(a.status, type).toBe(415);
			expectSafe(a, type);
		}
	});

	it('ignores odd query strings and answers other methods with 405 JSON', async () => {
		for (const q of ['?__proto__[x]=1', '?%ZZ', '?a[]=1&a[]=2', '?constructor=<script>', `?${'a=1&'.repeat(500)}`, '?\u202E=1']) {
			expectSafe(await send(`/api/v1/push${q}`, { body: '[]' }), q);
		}
		for (const path of ['/api/v1/push', '/api/v1/reload', '/api/v1/rules/backtest']) {
			for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
				const a = await send(path, { method });
				expect(a.status, `${method} ${path}`).toBe(405);
				expect(a.body?.error).toBe(`method ${method} is not allowed here; use POST`);
			}
		}
	});
});

describe('POST /api/v1/reload and /api/v1/rules/backtest with hostile bodies', () => {
	it('reload ignores whatever body it is sent', async () => {
		for (const body of ['x'.repeat(2 * MEGABYTE), '{', deepJsonArray(10_000), ...HOSTILE_STRINGS.slice(0, 20)]) {
			const a = await send('/api/v1/reload', { body });
			expectSafe(a, body.slice(0, 30));
		}
	});

	it('backtest answers 4xx JSON for every known value in every field', async () => {
		let n = 0;
		for (const v of HOSTILE_VALUES) {
			for (const field of ['rule', 'from', 'to', 'draft', 'interval']) {
				const body = { rule: 'shop/Down', from: 0, to: 600, [field]: v };
				expectSafe(await send('/api/v1/rules/backtest', { body: JSON.stringify(body) }), `${field}=${JSON.stringify(v).slice(0, 60)}`);
				n++;
			}
		}
		expect(n).toBeGreaterThan(350);
	});

	it('backtest refuses drafts of the wrong shape with 400 naming the draft (they answered 500)', async () => {
		for (const draft of ['groups: 5', 'groups: [null]', 'groups: [{rules: 7}]', 'groups: {a: 1}', 'groups: [[1]]']) {
			const a = await send('/api/v1/rules/backtest', { body: JSON.stringify({ rule: 'shop/Down', from: 0, to: 600, draft }) });
			expect(a.status, draft).toBe(400);
			expect(a.body?.error, draft).toMatch(/^draft: /);
		}
		const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
		for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
		const laughs = await send('/api/v1/rules/backtest', { body: JSON.stringify({ rule: 'shop/Down', from: 0, to: 600, draft: lines.join('\n') }) });
		expect(laughs.status).toBe(400);
		expect(laughs.body?.error).toMatch(/^draft: /);
		const regex = await send('/api/v1/rules/backtest', { body: JSON.stringify({ rule: 'shop/Down', from: 0, to: 600, draft: 'alert: Down\nexpr: up{a=~"(a+)+b"} == 0' }) });
		expect(regex.status).toBe(200);
	});

	it('backtest refuses huge bodies and absurd windows', async () => {
		const big = await send('/api/v1/rules/backtest', { body: JSON.stringify({ rule: 'shop/Down', from: 0, to: 600, draft: 'x'.repeat(MEGABYTE) }) });
		expect(big.status).toBe(413);
		expectSafe(big, 'big');
		for (const [from, to] of [
			[1e300, 1e301],
			[-1e300, 1e300],
			['9999-99-99', 'now'],
			[0, 600 * 86_400]
		]) {
			const a = await send('/api/v1/rules/backtest', { body: JSON.stringify({ rule: 'shop/Down', from, to }) });
			expect(a.status, `${from}..${to}`).toBe(400);
			expectSafe(a, `${from}..${to}`);
		}
	});
});

describe('silences, maintenance windows, channels, incidents and the notification log with hostile input', () => {
	let admin: string;
	const as = (path: string, init: Omit<RequestInit, 'headers'> = {}) => send(path, { ...init, headers: { authorization: `Bearer ${admin}` } });
	beforeAll(async () => {
		const r = spawnSync(process.execPath, [VIGIL_BIN, 'users', 'add', 'hostile-admin', '--role', 'admin'], {
			env: { ...process.env, REDIS_URL: redis.url, VIGIL_CONFIG: configFile },
			input: 'correct horse battery staple\n',
			encoding: 'utf8'
		});
		expect(r.status, r.stderr).toBe(0);
		const t = vigilCli(['token', 'create', '--name', 'hostile-admin', '--user', 'hostile-admin']);
		expect(t.code, t.err).toBe(0);
		admin = t.out.split('\n')[0]!.trim();
	});

	const bodies: Array<{ path: string; valid: Record<string, unknown> }> = [
		{ path: '/api/v1/silences', valid: { matchers: '{service="payments"}', duration: '1h', comment: 'maintenance' } },
		{ path: '/api/v1/silences/preview', valid: { matchers: '{service="payments"}' } },
		{ path: '/api/v1/maintenance-windows', valid: { name: 'nightly', matchers: '{service="db"}', timeZone: 'Europe/Berlin', schedule: { kind: 'weekly', days: ['sun'], start: '02:00', end: '04:00' } } },
		{ path: '/api/v1/maintenance-windows/preview', valid: { matchers: '{service="db"}', timeZone: 'UTC', schedule: { kind: 'cron', cron: '0 3 * * *', duration: '1h' } } },
		{ path: '/api/v1/channels', valid: { name: 'quiet', type: 'log' } },
		{ path: '/api/v1/incidents/INC-1/notes', valid: { text: 'looking' } },
		{ path: '/api/v1/incidents/INC-1/assign', valid: { owner: 'hostile-admin' } }
	];

	it('answers 4xx JSON naming the field (or succeeds) for every known value in every field, and never 500', async () => {
		let n = 0;
		for (const { path, valid } of bodies) {
			for (const field of Object.keys(valid)) {
				for (const v of HOSTILE_VALUES) {
					const a = await as(path, { body: JSON.stringify({ ...valid, [field]: v }) });
					expectSafe(a, `${path} ${field}=${JSON.stringify(v)?.slice(0, 60)}`);
					n++;
				}
			}
		}
		expect(n).toBeGreaterThan(1000);
	});

	it('refuses malformed bodies and answers odd query strings with 4xx JSON', async () => {
		for (const { path } of bodies) {
			for (const body of ['{', deepJsonObject(5000), 'x'.repeat(2 * MEGABYTE), '[]', 'null']) expectSafe(await as(path, { body }), `${path} ${body.slice(0, 20)}`);
		}
		for (const q of ['limit=-1', 'limit=1e9', 'before=<script>', 'outcome=<img src=x>', 'rule=%00', 'cursor=AAAA', 'from=9999-99-99', 'severity=<svg/onload=1>', 'status=deleted', 'x=1', 'q=' + 'a'.repeat(10_000)]) {
			for (const path of ['/api/v1/incidents', '/api/v1/notifications', '/api/v1/silences', '/api/v1/maintenance-windows', '/api/v1/incidents/measures']) {
				expectSafe(await as(`${path}?${q}`, { method: 'GET' }), `${path}?${q.slice(0, 30)}`);
			}
		}
	});

	it('stores markup as text and answers it only as JSON', async () => {
		const markup = '<img src=x onerror=alert(1)>';
		const made = await as('/api/v1/silences', { body: JSON.stringify({ matchers: [{ name: 'service', op: '=', value: markup }], duration: '1h', comment: markup }) });
		expect(made.status, made.text).toBe(201);
		expect(made.type).toMatch(/^application\/json/);
		const res = await fetch(`${vigil.url}/api/v1/silences`, { headers: { authorization: `Bearer ${admin}` } });
		// the markup comes back as a JSON string, never as a document a browser would render
		expect(res.headers.get('content-type')).toMatch(/^application\/json/);
		expect(res.headers.get('x-content-type-options')).toBe('nosniff');
		const body = (await res.json()) as { silences: Array<{ comment: string }> };
		expect(body.silences.map((x) => x.comment)).toContain(markup);
	});
});
