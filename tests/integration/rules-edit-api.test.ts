/**
 * The rule-management API against a running `vigil` (web and alerts roles) and a private
 * redis-server: a rule seeded from `alerts.ruleFiles` says which file it came from; GET of one rule
 * with its state, versions, events, notifications, silences and threshold; POST validate with
 * located problems and rendered templates; PUT that stores nothing on bad input, saves a version
 * that clears the source, and takes effect at the next evaluation (announced, not polled);
 * rollback and enable/disable; role refusals.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStateStore } from '../../src/lib/server/alerting/state';
import { createKeys } from '../../src/lib/server/keys';
import type { RuleState } from '../../src/lib/server/rules/types';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { cliFor } from '../helpers/cli';

let redis: TestRedis;
let vigil: VigilProcess;
let client: Redis;
const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-edit-'));
const configFile = join(dir, 'vigil.config.yaml');
const prefix = `ruledit${process.pid}:`;
const keys = createKeys(prefix);
const RULES = `groups:
  - name: shop
    interval: 1s
    rules:
      - alert: Always
        expr: vector(5) > 1
        severity: warning
        labels: { team: pay }
        annotations: { summary: "value {{ $value }}" }
`;
const rulesFile = join(dir, 'shop.rules.yml');
const SOURCE = `file ${rulesFile}`;
const tokens: Record<'viewer' | 'engineer', string> = { viewer: '', engineer: '' };

const cli = cliFor(() => ({ redisUrl: redis.url, configFile, cwd: dir }));

async function call(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: any }> {
	const headers: Record<string, string> = {};
	if (token) headers.authorization = `Bearer ${token}`;
	if (body !== undefined) headers['content-type'] = 'application/json';
	const res = await fetch(`${vigil.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : null };
}
const eng = (method: string, path: string, body?: unknown) => call(method, path, tokens.engineer, body);

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 8000): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const v = await read();
		if (ok(v)) return v;
		if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms; last ${JSON.stringify(v)}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

const states = () => new AlertStateStore<RuleState>(client, keys);
const firing = async () => ((await states().get('shop/Always'))?.state.instances ?? []).filter((i) => i.state === 'firing').length;

beforeAll(async () => {
	redis = await startTestRedis();
	writeFileSync(rulesFile, RULES);
	const config = `redis:\n  prefix: "${prefix}"\nalerts:\n  ruleFiles: [${JSON.stringify(rulesFile)}]\n`;
	writeFileSync(configFile, config);
	vigil = await startVigilProcess({ config, redisUrl: redis.url, roles: 'web,alerts' });
	client = new Redis(redis.url);
	for (const role of ['viewer', 'engineer'] as const) {
		const u = cli(['users', 'add', `${role}-user`, '--role', role], 'a long enough password\n');
		expect(u.code, u.err).toBe(0);
		const t = cli(['token', 'create', '--name', `${role}-token`, '--user', `${role}-user`]);
		expect(t.code, t.err).toBe(0);
		tokens[role] = t.out.split('\n')[0]!.trim();
	}
}, 90_000);
afterAll(async () => {
	await vigil?.stop();
	client?.disconnect();
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

describe('one rule over the API', () => {
	it('GET answers the rule seeded from its file, its state, versions, events and threshold', async () => {
		await until('the rule fires', firing, (n) => n === 1);
		const r = await call('GET', '/api/v1/rules/shop/Always', tokens.viewer);
		expect(r.status).toBe(200);
		expect(r.body.rule).toMatchObject({ id: 'shop/Always', group: 'shop', name: 'Always', interval: '1s', intervalMs: 1000, version: 1, author: 'vigil', enabled: true, source: SOURCE });
		expect(r.body.rule.yaml).toContain('expr: vector(5) > 1');
		expect(r.body.state.instances[0]).toMatchObject({ state: 'firing', labels: { alertname: 'Always', severity: 'warning', team: 'pay' } });
		expect(r.body.versions.map((v: { version: number; source: string }) => [v.version, v.source])).toEqual([[1, SOURCE]]);
		expect(r.body.events[0]).toMatchObject({ ruleId: 'shop/Always', to: 'firing' });
		expect(r.body.notifications).toEqual([]);
		expect(r.body.silences).toEqual([]);
		expect(r.body.threshold).toEqual({ lhs: 'vector(5)', op: '>', threshold: 1, clear: null });
		expect((await call('GET', '/api/v1/rules/shop/Nope', tokens.viewer)).status).toBe(404);
		// Path segments are decoded: `#` of a second rule of a name travels as %23.
		expect((await call('GET', '/api/v1/rules/shop/Always%232', tokens.viewer)).body).toEqual({ error: 'no rule "shop/Always#2"' });
		expect((await call('GET', '/api/v1/rules/shop/Always', null)).status).toBe(401);
	});

	it('GET lists the active silences that match the rule and the log entries naming it', async () => {
		const s = await eng('POST', '/api/v1/silences', { matchers: [{ name: 'team', op: '=', value: 'pay' }], duration: '30m', comment: 'test' });
		expect(s.status, JSON.stringify(s.body)).toBe(201);
		const other = await eng('POST', '/api/v1/silences', { matchers: [{ name: 'team', op: '=', value: 'search' }], duration: '30m', comment: 'other' });
		expect(other.status).toBe(201);
		await client.xadd(keys.alerts.notify.log, '*', 'e', JSON.stringify({ outcome: 'muted', notification: 'n1', channel: 'log', groupKey: 'k', attempt: 0, at: Date.now(), title: 't', alertStatus: 'firing', alerts: 1, rules: ['shop/Always'], incidentIds: [], silences: [s.body.silence.id] }));
		await client.xadd(keys.alerts.notify.log, '*', 'e', JSON.stringify({ outcome: 'sent', notification: 'n2', channel: 'log', groupKey: 'k', attempt: 1, at: Date.now(), title: 't', alertStatus: 'firing', alerts: 1, rules: ['shop/Other'], incidentIds: [] }));
		const r = await call('GET', '/api/v1/rules/shop/Always', tokens.viewer);
		expect(r.body.silences.map((x: { id: string }) => x.id)).toEqual([s.body.silence.id]);
		expect(r.body.notifications.map((x: { notification: string }) => x.notification)).toEqual(['n1']);
		await eng('DELETE', `/api/v1/silences/${s.body.silence.id}`);
		await eng('DELETE', `/api/v1/silences/${other.body.silence.id}`);
	});

	it('POST validate locates problems by field and position, and renders templates for an instance', async () => {
		const bad = await call('POST', '/api/v1/rules/validate', tokens.viewer, { yaml: 'alert: Always\nexpr: vector(5) >> 1\nfor: soon\n', group: 'shop' });
		expect(bad.status).toBe(200);
		expect(bad.body.ok).toBe(false);
		const expr = bad.body.problems.find((p: { path: string }) => p.path === 'expr');
		expect(expr).toMatchObject({ line: 1, from: expect.any(Number), to: expect.any(Number) });
		expect(expr.column).toBe(expr.from + 1);
		expect(bad.body.problems.map((p: { path: string }) => p.path)).toContain('for');
		const good = await call('POST', '/api/v1/rules/validate', tokens.viewer, {
			yaml: 'alert: Always\nexpr: vector(5) > 3\nclear_threshold: 2\nannotations: { summary: "{{ $labels.instance }} is {{ $value }}" }\n',
			rule: 'shop/Always',
			labels: { instance: 'a:1' },
			value: 5
		});
		expect(good.body).toEqual({ ok: true, problems: [], threshold: { lhs: 'vector(5)', op: '>', threshold: 3, clear: 2 }, rendered: { labels: { instance: 'a:1', alertname: 'Always' }, annotations: { summary: 'a:1 is 5' } } });
		const renamed = await call('POST', '/api/v1/rules/validate', tokens.viewer, { yaml: 'alert: Renamed\nexpr: up\n', rule: 'shop/Always' });
		expect(renamed.body.problems[0].path).toBe('alert');
		expect((await call('POST', '/api/v1/rules/validate', tokens.viewer, { yaml: 1 })).status).toBe(400);
	});

	it('PUT refuses bad input without storing it, then saves a version that takes effect at the next evaluation', async () => {
		const before = await client.hget(keys.rules.current, 'shop/Always');
		const revBefore = await client.get(keys.rules.revision);
		const viewer = await call('PUT', '/api/v1/rules/shop/Always', tokens.viewer, { yaml: 'alert: Always\nexpr: vector(5) > 10\n' });
		expect(viewer.status).toBe(403);
		for (const yaml of ['alert: Always\nexpr: vector(5) >> 10\n', 'alert: Renamed\nexpr: vector(5) > 10\n', 'alert: Always\nexpr: "vector(5) > 10"\nlabels: { team: "{{ $labels.x " }\n', 'alert: [\n']) {
			const r = await eng('PUT', '/api/v1/rules/shop/Always', { yaml });
			expect(r.status, yaml).toBe(400);
			expect(r.body.error).toMatch(/^(expr|alert|labels\.team|yaml): /);
			expect(r.body.problems.length).toBeGreaterThan(0);
		}
		expect(await client.hget(keys.rules.current, 'shop/Always')).toBe(before);
		expect(await client.get(keys.rules.revision)).toBe(revBefore);
		expect((await eng('PUT', '/api/v1/rules/shop/Nope', { yaml: 'alert: Nope\nexpr: up\n' })).status).toBe(404);

		// Listen on the control channel as the alerts role does.
		const sub = new Redis(redis.url);
		const heard: string[] = [];
		sub.on('message', (_c, m) => heard.push(m));
		await sub.subscribe(keys.control);
		const yaml = 'alert: Always\nexpr: vector(5) > 10\nseverity: warning\nlabels: { team: pay }\n';
		const saved = await eng('PUT', '/api/v1/rules/shop/Always', { yaml, message: 'raise the threshold' });
		expect(saved.status, JSON.stringify(saved.body)).toBe(200);
		expect(saved.body.changed).toBe(true);
		expect(saved.body.rule).toMatchObject({ id: 'shop/Always', version: 2, author: 'token:' + saved.body.rule.author.slice(6), source: null, spec: { alert: 'Always', expr: 'vector(5) > 10' } });
		expect(saved.body.rule.author).toMatch(/^token:\S+ \(engineer-user\)$/);
		await until('the announcement', async () => heard.length, (n) => n > 0, 2000);
		expect(JSON.parse(heard[0]!)).toEqual({ type: 'rules', revision: Number(revBefore) + 1 });
		sub.disconnect();
		// The alerts role polls every 10 s; the announcement makes the next 1 s evaluation use it.
		await until('the alert resolves under the new threshold', firing, (n) => n === 0, 5000);
		const again = await eng('PUT', '/api/v1/rules/shop/Always', { yaml });
		expect(again.body.changed).toBe(false);
		const detail = await call('GET', '/api/v1/rules/shop/Always', tokens.viewer);
		expect(detail.body.versions.map((v: { version: number; message?: string; source?: string | null }) => [v.version, v.message ?? null, v.source ?? null])).toEqual([
			[2, 'raise the threshold', null],
			[1, `imported on first start from ${rulesFile}`, SOURCE]
		]);
		expect(detail.body.versions[0].diff).toContain('-expr: vector(5) > 1\n+expr: vector(5) > 10');
		const audit = await client.xrevrange(keys.audit, '+', '-', 'COUNT', 20);
		expect(audit.some(([, f]) => f.includes('rule.update') && f.includes('shop/Always'))).toBe(true);
	});

	it('rollback makes an old version current again (with its source); enabled turns the rule off and on', async () => {
		expect((await eng('POST', '/api/v1/rules/shop/Always/rollback', { version: 9 })).status).toBe(400);
		expect((await eng('POST', '/api/v1/rules/shop/Nope/rollback', { version: 1 })).status).toBe(404);
		expect((await call('POST', '/api/v1/rules/shop/Always/rollback', tokens.viewer, { version: 1 })).status).toBe(403);
		const r = await eng('POST', '/api/v1/rules/shop/Always/rollback', { version: 1, message: 'too quiet' });
		expect(r.status, JSON.stringify(r.body)).toBe(200);
		expect(r.body.rule).toMatchObject({ version: 3, spec: { expr: 'vector(5) > 1' }, source: SOURCE });
		expect((await call('GET', '/api/v1/rules/shop/Always', tokens.viewer)).body.versions[0]).toMatchObject({ version: 3, message: 'roll back to version 1: too quiet' });
		await until('fires again after the rollback', firing, (n) => n === 1, 5000);

		const off = await eng('POST', '/api/v1/rules/shop/Always/enabled', { enabled: false, message: 'noisy' });
		expect(off.status).toBe(200);
		expect(off.body.rule).toMatchObject({ version: 4, enabled: false });
		expect((await eng('POST', '/api/v1/rules/shop/Always/enabled', { enabled: false })).body.changed).toBe(false);
		expect((await eng('POST', '/api/v1/rules/shop/Always/enabled', { enabled: 'no' })).status).toBe(400);
		const on = await eng('POST', '/api/v1/rules/shop/Always/enabled', { enabled: true });
		expect(on.body.rule).toMatchObject({ version: 5, enabled: true });
	});
});
