/**
 * "Save as test" against a running `vigil` (web role) and a private redis-server: stored history
 * of a backlog, a rule imported with `vigil rules import` (which says so: its source), and an
 * incident opened and resolved by its alert. The test exported from the incident (API and
 * `vigil rules export-test`) passes `vigil rules test`, and `promtool test rules` when promtool is
 * installed; bad windows answer 400 naming the field; rules stored before sources existed read as
 * source null.
 */
import { execFileSync, } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IncidentStore } from '../../src/lib/server/alerting/incidents';
import { RuleRepository } from '../../src/lib/server/alerting/ruleset';
import { createKeys } from '../../src/lib/server/keys';
import type { AlertEvent } from '../../src/lib/server/rules/types';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { cliFor } from '../helpers/cli';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
const MIN = 60_000;

let redis: TestRedis;
let vigil: VigilProcess;
let client: Redis;
const dir = mkdtempSync(join(tmpdir(), 'vigil-export-'));
const configFile = join(dir, 'vigil.config.yaml');
const prefix = `ruleexport${process.pid}:`;
const keys = createKeys(prefix);
const config = `redis:\n  prefix: "${prefix}"\n`;
let viewer = '';
const now = Math.floor(Date.now() / MIN) * MIN;
const T0 = now - 2 * 3_600_000;

const cli = cliFor(() => ({ redisUrl: redis.url, configFile, cwd: dir }));
async function get(path: string): Promise<{ status: number; body: any; headers: Headers; text: string }> {
	const res = await fetch(`${vigil.url}${path}`, { headers: { authorization: `Bearer ${viewer}` } });
	const text = await res.text();
	return { status: res.status, headers: res.headers, text, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
}

beforeAll(async () => {
	redis = await startTestRedis();
	writeFileSync(configFile, config);
	vigil = await startVigilProcess({ config, redisUrl: redis.url, roles: 'web' });
	client = new Redis(redis.url);
	// backlog{queue="orders"}: 10, then 80 for 20 minutes an hour in, then 10; every 10 s.
	// backlog{queue="refunds"}: 5 throughout, then stopped (a stale marker) 90 minutes in.
	const store = new RedisStore(client, { prefix, liveKey: null });
	const ts: number[] = [];
	for (let t = T0; t <= now; t += 10_000) ts.push(t);
	const refunds = ts.filter((t) => t <= T0 + 90 * MIN);
	const burst = (t: number) => t >= T0 + 60 * MIN && t < T0 + 80 * MIN;
	await store.write([
		{ name: 'backlog', labels: { queue: 'orders' }, ts, values: ts.map((t) => (burst(t) ? 80 : 10)) },
		{ name: 'backlog', labels: { queue: 'refunds' }, ts: refunds, values: refunds.map((t) => (t < T0 + 90 * MIN ? 5 : NaN)), stale: [refunds.length - 1] }
	]);
	writeFileSync(
		join(dir, 'shop.rules.yml'),
		`groups:\n  - name: shop\n    interval: 30s\n    rules:\n      - alert: BacklogHigh\n        expr: backlog > 50\n        for: 2m\n        labels: { team: orders }\n        severity: warning\n        annotations: { summary: "{{ $labels.queue }} backlog is {{ $value }}" }\n`
	);
	const imported = cli(['rules', 'import', 'shop.rules.yml', '--author', 'ana']);
	expect(imported.code, imported.err).toBe(0);
	const u = cli(['users', 'add', 'viewer-user', '--role', 'viewer'], 'a long enough password\n');
	expect(u.code, u.err).toBe(0);
	viewer = cli(['token', 'create', '--name', 'viewer-token', '--user', 'viewer-user']).out.split('\n')[0]!.trim();
	// The incident its alert opened (pending at 60 min, firing at 62) and resolved (80 min).
	const labels = { alertname: 'BacklogHigh', queue: 'orders', team: 'orders', severity: 'warning' };
	const ev = (at: number, from: AlertEvent['from'], to: AlertEvent['to']): AlertEvent => ({ ruleId: 'shop/BacklogHigh', fingerprint: 'orders', labels, from, to, at, value: 80 });
	for (const e of [ev(T0 + 62 * MIN, 'pending', 'firing'), ev(T0 + 80 * MIN, 'firing', 'inactive')]) await client.xadd(keys.alerts.events, '*', 'e', JSON.stringify(e));
	const incidents = new IncidentStore(client, keys);
	await incidents.applyEvents();
	expect(await incidents.resolveQuiet(T0 + 90 * MIN)).toEqual(['1']);
}, 90_000);
afterAll(async () => {
	await vigil?.stop();
	client?.disconnect();
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

describe('rule sources', () => {
	it('a rule imported with `vigil rules import` says which file; one stored before sources reads as null', async () => {
		const r = await get('/api/v1/rules/shop/BacklogHigh');
		expect(r.body.rule.source).toBe('file shop.rules.yml');
		// A record as written before sources existed.
		const legacy = { group: 'shop', spec: { alert: 'Old', expr: 'up == 0' }, version: 1, author: 'bo', at: 1, enabled: true };
		await client.hset(keys.rules.current, 'shop/Old', JSON.stringify(legacy));
		await client.rpush(keys.rules.versions('shop/Old'), JSON.stringify({ version: 1, author: 'bo', at: 1, spec: legacy.spec, enabled: true, diff: '' }));
		const old = await get('/api/v1/rules/shop/Old');
		expect(old.body.rule.source).toBeNull();
		expect((await new RuleRepository(client, keys).get('shop/Old'))!.source).toBeNull();
		await client.hdel(keys.rules.current, 'shop/Old');
	});

	it('an edit in Vigil clears the source; importing the same spec again records the file without a version', async () => {
		const repo = new RuleRepository(client, keys);
		const spec = { alert: 'Edited', expr: 'backlog > 5' };
		await repo.save([{ name: 'other', rules: [spec] }], { author: 'ana', source: 'file other.rules.yml' });
		expect((await repo.get('other/Edited'))!.source).toBe('file other.rules.yml');
		const edited = await repo.saveRule('other/Edited', { ...spec, expr: 'backlog > 6' }, { author: 'bo' });
		expect(edited).toMatchObject({ changed: true, rule: { version: 2, source: null } });
		const again = await repo.save([{ name: 'other', rules: [{ ...spec, expr: 'backlog > 6' }] }], { author: 'ana', source: () => 'file other.rules.yml' });
		expect(again.unchanged).toBe(1);
		expect(await repo.get('other/Edited')).toMatchObject({ version: 2, source: 'file other.rules.yml' });
		expect((await repo.versions('other/Edited')).map((v) => [v.version, v.source])).toEqual([
			[2, null],
			[1, 'file other.rules.yml']
		]);
		await expect(repo.saveRule('other/Edited', { alert: 'Renamed', expr: 'up' }, { author: 'bo' })).rejects.toThrow(/alert name must stay/);
		await client.hdel(keys.rules.current, 'other/Edited');
	});
});

describe('export a rule test', () => {
	it('from an incident: the window, the series, the alerts that fired; `vigil rules test` and promtool pass', async () => {
		const r = await get('/api/v1/rules/shop/BacklogHigh/test-export?incident=INC-1');
		expect(r.status, r.text).toBe(200);
		const b = r.body;
		expect(b).toMatchObject({ ruleId: 'shop/BacklogHigh', incident: 'INC-1', ruleFileName: 'shop-BacklogHigh.rules.yml', testFileName: 'shop-BacklogHigh.test.yml', alerts: 1, promtool: true, series: 2 });
		// Incident opened at 62 min (its first firing), resolved at 80: the window is 32 .. 85 min.
		expect([(b.from - T0) / MIN, (b.to - T0) / MIN]).toEqual([32, 85]);
		const doc = parse(b.testFile);
		expect(doc.rule_files).toEqual(['shop-BacklogHigh.rules.yml']);
		expect(doc.tests[0].input_series.map((s: { series: string }) => s.series)).toEqual(['backlog{queue="orders"}', 'backlog{queue="refunds"}']);
		const tests = doc.tests[0].alert_rule_test as Array<{ eval_time: string; exp_alerts: Array<{ exp_labels: Record<string, string>; exp_annotations: Record<string, string> }> }>;
		// Window start (quiet), firing from 62 min (pending at 60 plus 2 min), resolved at 80, and the end.
		const rel = (t: number) => (t - b.startsAt) / MIN;
		expect(b.evalAt.map((t: number) => (t - T0) / MIN)).toEqual([32, 62, 80, 85]);
		expect(tests.map((t) => t.exp_alerts.length)).toEqual([0, 1, 0, 0]);
		expect(tests[1]!.eval_time).toBe(`${rel(T0 + 62 * MIN)}m`.replace(/^(\d+)m$/, (_, m) => (Number(m) >= 60 ? `${Math.floor(Number(m) / 60)}h${Number(m) % 60 ? `${Number(m) % 60}m` : ''}` : `${m}m`)));
		expect(tests[1]!.exp_alerts[0]).toEqual({ exp_labels: { queue: 'orders', severity: 'warning', team: 'orders' }, exp_annotations: { summary: 'orders backlog is 80' } });

		const out = mkdtempSync(join(dir, 'api-'));
		writeFileSync(join(out, b.ruleFileName), b.ruleFile);
		writeFileSync(join(out, b.testFileName), b.testFile);
		const ran = cli(['rules', 'test', join(out, b.testFileName)]);
		expect(ran.code, ran.out + ran.err).toBe(0);
		expect(ran.out).toContain('SUCCESS');
		if (PROMTOOL) execFileSync(PROMTOOL, ['test', 'rules', b.testFileName], { cwd: out, encoding: 'utf8' });

		const file = await get('/api/v1/rules/shop/BacklogHigh/test-export?incident=INC-1&download=test');
		expect(file.status).toBe(200);
		expect(file.headers.get('content-disposition')).toBe('attachment; filename="shop-BacklogHigh.test.yml"');
		expect(file.text).toBe(b.testFile);
		const rules = await get('/api/v1/rules/shop/BacklogHigh/test-export?incident=INC-1&download=rules');
		expect(rules.text).toBe(b.ruleFile);
	});

	it('`vigil rules export-test` writes the pair, and `vigil rules test` passes on it', () => {
		const r = cli(['rules', 'export-test', '--rule', 'shop/BacklogHigh', '--from', String((T0 + 50 * MIN) / 1000), '--to', String((T0 + 100 * MIN) / 1000), '--output', 'pinned']);
		expect(r.code, r.err).toBe(0);
		expect(r.out).toContain('wrote pinned/shop-BacklogHigh.test.yml and pinned/shop-BacklogHigh.rules.yml');
		expect(r.out).toMatch(/1 alert fired/);
		const doc = parse(readFileSync(join(dir, 'pinned', 'shop-BacklogHigh.test.yml'), 'utf8'));
		// The refunds series stops with a stale marker at 90 min.
		expect(doc.tests[0].input_series[1].values).toMatch(/stale/);
		const ran = cli(['rules', 'test', 'pinned/shop-BacklogHigh.test.yml']);
		expect(ran.code, ran.out + ran.err).toBe(0);
		if (PROMTOOL) execFileSync(PROMTOOL, ['test', 'rules', 'shop-BacklogHigh.test.yml'], { cwd: join(dir, 'pinned'), encoding: 'utf8' });
		const fromIncident = cli(['rules', 'export-test', '--rule', 'shop/BacklogHigh', '--incident', 'INC-1', '--output', 'inc']);
		expect(fromIncident.code, fromIncident.err).toBe(0);
		expect(cli(['rules', 'test', 'inc/shop-BacklogHigh.test.yml']).code).toBe(0);
	});

	it('refuses what it cannot export, naming the field', async () => {
		const cases: Array<[string, number, RegExp]> = [
			['/api/v1/rules/shop/Nope/test-export?incident=INC-1', 404, /no rule/],
			['/api/v1/rules/shop/BacklogHigh/test-export?incident=INC-99', 400, /^incident: no incident/],
			['/api/v1/rules/shop/BacklogHigh/test-export', 400, /^from: /],
			['/api/v1/rules/shop/BacklogHigh/test-export?from=yesterday', 400, /^from: expected/],
			['/api/v1/rules/shop/BacklogHigh/test-export?from=now-1h&to=now-2h', 400, /^to: must be after from/],
			['/api/v1/rules/shop/BacklogHigh/test-export?from=now-400d', 400, /^to: .*at most 20,000.*narrow the window/],
			['/api/v1/rules/shop/BacklogHigh/test-export?from=now-1h&bogus=1', 400, /^bogus: unknown parameter/]
		];
		for (const [path, status, error] of cases) {
			const r = await get(path);
			expect(r.status, path).toBe(status);
			expect(r.body.error, path).toMatch(error);
		}
		const bad = cli(['rules', 'export-test', '--rule', 'shop/BacklogHigh', '--output', 'x']);
		expect(bad.code).toBe(2);
		expect(bad.err).toMatch(/--incident INC-3, or --from/);
	});
});
