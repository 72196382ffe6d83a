/**
 * The push and reload endpoints and the `vigil token` commands, against a running `vigil`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { until } from '../helpers/live-client';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, VIGIL_BIN, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
let vigil: VigilProcess;
let store: RedisStore;
let client: Redis;
const dir = mkdtempSync(join(tmpdir(), 'vigil-api-'));
/** The CLI reads this one; the running process its own copy (vigil.configFile). */
const configFile = join(dir, 'vigil.config.yaml');
const prefix = `api${process.pid}:`;

const config = (extra = '') => `redis:
  prefix: "${prefix}"
push:
  maxBodyBytes: 1048576
collectors:
  - kind: demo
    name: one
    interval: 500ms
${extra}`;

function vigilCli(args: string[]): { code: number | null; out: string; err: string } {
	const r = spawnSync(process.execPath, [VIGIL_BIN, ...args], {
		env: { ...process.env, REDIS_URL: redis.url, VIGIL_CONFIG: configFile },
		encoding: 'utf8',
		timeout: 20_000
	});
	return { code: r.status, out: r.stdout, err: r.stderr };
}

function newToken(scope: string, name = `t-${scope}`): string {
	const r = vigilCli(['token', 'create', '--name', name, '--scope', scope]);
	expect(r.code, r.err).toBe(0);
	return r.out.split('\n')[0]!.trim();
}

beforeAll(async () => {
	redis = await startTestRedis();
	writeFileSync(configFile, config());
	vigil = await startVigilProcess({ config: config(), redisUrl: redis.url });
	client = new Redis(redis.url);
	store = new RedisStore(client, { prefix, liveKey: null });
});

afterAll(async () => {
	await vigil?.stop();
	client?.disconnect();
	await redis.stop();
	rmSync(dir, { recursive: true, force: true });
});

const push = (token: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
	fetch(`${vigil.url}/api/v1/push`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
		body: typeof body === 'string' ? body : JSON.stringify(body)
	});

describe('vigil token', () => {
	it('creates a token shown once, lists it without the secret, and revokes it', async () => {
		const token = newToken('push', 'lister');
		expect(token).toMatch(/^vgl_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{32}$/);
		const list = vigilCli(['token', 'list']);
		expect(list.out).toMatch(/lister {2}push {2}active/);
		// The secret is the 32 characters after the id; it may itself hold '_', so it is not split on it.
		const [, id, secret] = /^vgl_([A-Za-z0-9]{8})_(.{32})$/.exec(token)!;
		expect(list.out).not.toContain(secret!);
		expect(vigilCli(['token', 'revoke', id!]).out).toContain(`revoked ${id}`);
		const res = await push(token, []);
		expect(res.status).toBe(401);
		expect(await res.json()).toEqual({ error: 'the API token was revoked' });
	});

	it('refuses bad arguments with a message saying what to give', () => {
		const r = vigilCli(['token', 'create', '--name', 'x', '--scope', 'everything']);
		expect(r.code).toBe(2);
		expect(r.err).toContain('--scope takes one or more of push, tickets, reload, read, rules; unknown: everything');
		expect(vigilCli(['token', 'revoke', 'nope']).err).toContain('no API token with id "nope"');
	});
});

describe('POST /api/v1/push', () => {
	let token: string;
	beforeAll(() => {
		token = newToken('push');
	});

	it('stores the valid items and names the field of each refused one', async () => {
		const now = Date.now();
		const res = await push(token, [
			{ metric: 'pos_sales_total', labels: { store: 'berlin' }, value: 12, ts: now - 2000 },
			{ metric: 'pos_sales_total', labels: { store: 'berlin' }, value: 15, ts: now - 1000 },
			{ metric: 'pos_open', labels: { store: 'berlin' }, value: '+Inf' },
			{ metric: 'bad name', value: 1 },
			{ metric: 'pos_open', labels: { store: 7 }, value: 1 }
		]);
		expect(res.status).toBe(200);
		const body = (await res.json()) as { accepted: number; refused: Array<{ index: number; field: string }> };
		expect(body.accepted).toBe(3);
		expect(body.refused.map((r) => [r.index, r.field])).toEqual([
			[3, 'metric'],
			[4, 'labels.store']
		]);
		const [sales] = await store.raw('pos_sales_total{store="berlin"}', 0, now);
		expect(sales!.values).toEqual([12, 15]);
		expect((await store.latest('pos_open'))[0]!.value).toBe(Infinity);
	});

	it('takes a body over 512 KB up to push.maxBodyBytes (the web server does not cut it first)', async () => {
		const now = Date.now();
		const items = Array.from({ length: 8000 }, (_, i) => ({ metric: 'bulk_total', labels: { store: 'hamburg' }, value: i, ts: now - 8_000_000 + i * 1000 }));
		const body = JSON.stringify(items);
		expect(body.length).toBeGreaterThan(600 * 1024);
		const res = await push(token, body);
		expect(res.status).toBe(200);
		expect(((await res.json()) as { accepted: number }).accepted).toBe(8000);
	});

	it('counts samples the store refuses (older than the series has)', async () => {
		const res = await push(token, [{ metric: 'pos_sales_total', labels: { store: 'berlin' }, value: 1, ts: Date.now() - 60_000 }]);
		const body = (await res.json()) as { accepted: number; storeRefused: Record<string, number> };
		expect(body.accepted).toBe(0);
		expect(body.storeRefused.out_of_order).toBe(1);
	});

	it('answers 401 without a token, 403 for the wrong scope, 415, 413 and 400 for bad bodies', async () => {
		const none = await push(undefined, []);
		expect(none.status).toBe(401);
		expect(((await none.json()) as { error: string }).error).toContain('Authorization: Bearer');
		const reloadOnly = newToken('reload');
		const wrong = await push(reloadOnly, []);
		expect(wrong.status).toBe(403);
		expect(await wrong.json()).toEqual({ error: 'the API token lacks the "push" scope' });
		expect((await push(token, [], { 'content-type': 'application/xml' })).status).toBe(415);
		const big = await push(token, [{ metric: 'x', value: 1, labels: { pad: 'y'.repeat(1_100_000) } }]);
		expect(big.status).toBe(413);
		expect(((await big.json()) as { error: string }).error).toMatch(/1048576|1 MiB|maxBodyBytes/);
		const notJson = await push(token, '{not json');
		expect(notJson.status).toBe(400);
		const object = await push(token, { metric: 'x', value: 1 });
		expect(object.status).toBe(400);
		expect(((await object.json()) as { error: string }).error).toContain('expected a JSON array');
	});
});

describe('reload', () => {
	it('POST /api/v1/reload applies new collectors without a restart', async () => {
		const token = newToken('reload');
		writeFileSync(vigil.configFile, config('  - kind: demo\n    name: two\n    interval: 500ms\n    shop: second\n'));
		const res = await fetch(`${vigil.url}/api/v1/reload`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ requested: true, processes: 1 });
		await until(async () => (await store.latest('up{target="two"}')).length === 1, 10_000, 'the new target writes');
		expect(vigil.output()).toMatch(/"added":\["two"\].*collectors reloaded/);
	});

	it('SIGHUP reloads too, and a broken config is refused while the running collectors stay', async () => {
		writeFileSync(vigil.configFile, config('  - kind: demo\n    name: two\n    interval: soon\n'));
		vigil.child.kill('SIGHUP');
		await until(() => /reload refused: the config has problems/.test(vigil.output()), 10_000, 'the refusal is logged');
		expect(vigil.output()).toContain('collectors[1].interval');
		writeFileSync(vigil.configFile, config());
		vigil.child.kill('SIGHUP');
		await until(() => /"removed":\["two"\]/.test(vigil.output()), 10_000, 'the removal is logged');
		expect(vigil.child.exitCode).toBeNull();
	});
});

describe('write limits (tsdb.maxSeries, tsdb.maxLabelsPerSeries, push.samplesPerSecondPerToken)', () => {
	const limitedPrefix = `apilim${process.pid}:`;
	const limitedFile = join(dir, 'limited.yaml');
	const limitedConfig = `redis:
  prefix: "${limitedPrefix}"
roles: [web]
tsdb:
  maxSeries: 30
  maxLabelsPerSeries: 8
push:
  maxItems: 100
  samplesPerSecondPerToken: 50
`;
	let limited: VigilProcess;
	let token: string;
	const pushTo = (body: unknown) =>
		fetch(`${limited.url}/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
	const series = (from: number, n: number, ts: number) => Array.from({ length: n }, (_, i) => ({ metric: 'limited_gauge', labels: { n: String(from + i) }, value: from + i, ts }));

	beforeAll(async () => {
		writeFileSync(limitedFile, limitedConfig);
		limited = await startVigilProcess({ config: limitedConfig, redisUrl: redis.url, roles: 'web' });
		const r = spawnSync(process.execPath, [VIGIL_BIN, 'token', 'create', '--name', 'limited', '--scope', 'push'], { env: { ...process.env, REDIS_URL: redis.url, VIGIL_CONFIG: limitedFile }, encoding: 'utf8' });
		expect(r.status, r.stderr).toBe(0);
		token = r.stdout.split('\n')[0]!.trim();
	});
	afterAll(async () => {
		await limited?.stop();
	});

	it('refuses new series past tsdb.maxSeries by name, keeps the stored ones, and refuses wide series', async () => {
		const t = Date.now() - 5_000;
		const first = (await (await pushTo(series(0, 30, t))).json()) as { accepted: number };
		expect(first.accepted).toBe(30);
		const res = await pushTo([...series(30, 5, t), ...series(0, 5, t + 1000)]);
		expect(res.status).toBe(200);
		const body = (await res.json()) as { accepted: number; storeRefused: Record<string, number>; problems: string[] };
		expect(body.accepted).toBe(5);
		expect(body.storeRefused.series_limit).toBe(5);
		expect(body.problems).toContain('limited_gauge: the store holds 30 series, the most allowed (tsdb.maxSeries); new series are refused, stored ones are kept');
		// Nothing stored was lost: the first series has both its samples.
		const stored = new RedisStore(client, { prefix: limitedPrefix, liveKey: null });
		expect((await stored.raw('limited_gauge{n="0"}', t - 1, t + 2000))[0]!.values).toEqual([0, 0]);
		expect(await stored.series('limited_gauge{n="31"}')).toEqual([]);

		const wide = (await (await pushTo([{ metric: 'wide', labels: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`l${i}`, 'v'])), value: 1 }])).json()) as { storeRefused: Record<string, number>; problems: string[] };
		expect(wide.storeRefused.label_limit).toBe(1);
		expect(wide.problems[0]).toContain('more than the 8 allowed (tsdb.maxLabelsPerSeries)');
	});

	it('refuses a token over its push rate with 429 and Retry-After, storing nothing of that push', async () => {
		// The bucket holds 100 (one full push); the first test used some of it.
		let refused: Response | undefined;
		for (let i = 0; i < 5 && !refused; i++) {
			const r = await pushTo(series(0, 60, Date.now() + i));
			if (r.status === 429) refused = r;
			else expect(r.status).toBe(200);
		}
		expect(refused?.status).toBe(429);
		expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
		expect(((await refused!.json()) as { error: string }).error).toMatch(/push\.samplesPerSecondPerToken: 50 samples\/s.*nothing of this push was stored/);
	});
});
