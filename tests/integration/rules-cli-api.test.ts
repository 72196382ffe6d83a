/**
 * `vigil rules ...` and POST /api/v1/rules/backtest against a running `vigil` and a private
 * redis-server: checks with located problems, imports that save nothing when a file is bad,
 * versions with diffs, export, rule tests, and backtests of stored history (with a draft).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleRepository } from '../../src/lib/server/alerting/ruleset';
import { createKeys } from '../../src/lib/server/keys';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { ROOT, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { cliFor } from '../helpers/cli';

let redis: TestRedis;
let vigil: VigilProcess;
let client: Redis;
const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
const configFile = join(dir, 'vigil.config.yaml');
const prefix = `rules${process.pid}:`;
const config = `redis:\n  prefix: "${prefix}"\n`;

const cli = cliFor(() => ({ redisUrl: redis.url, configFile, cwd: dir }));
function file(name: string, text: string): string {
	const p = join(dir, name);
	writeFileSync(p, text);
	return p;
}

const GOOD = `groups:
  - name: shop
    interval: 30s
    rules:
      - alert: BacklogHigh
        expr: backlog > 50
        for: 2m
        severity: warning
        annotations: { summary: "backlog is {{ $value }}" }
`;

beforeAll(async () => {
	redis = await startTestRedis();
	writeFileSync(configFile, config);
	vigil = await startVigilProcess({ config, redisUrl: redis.url, roles: 'web' });
	client = new Redis(redis.url);
});
afterAll(async () => {
	await vigil?.stop();
	client?.disconnect();
	await redis.stop();
	rmSync(dir, { recursive: true, force: true });
});

describe('vigil rules', () => {
	it('check prints every problem located by file, group, rule and field; exit 1', () => {
		const bad = file('bad.yml', 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: label_replac(up, "a", "b", "c", "d")\n      - alert: B\n        expr: up ==\n        for: soon\n');
		const r = cli(['rules', 'check', bad]);
		expect(r.code).toBe(1);
		expect(r.out).toMatch(/bad\.yml:5: group "g" rule 1 \(A\): expr: unknown function with name "label_replac" at 1:1/);
		expect(r.out).toMatch(/rule 2 \(B\): expr: .*at 1:/);
		expect(r.out).toMatch(/rule 2 \(B\): for: /);
		expect(cli(['rules', 'check', file('good.yml', GOOD)]).out).toContain('SUCCESS: 1 rules found');
	});

	it('check lints duplicate rules as promtool does: the same report and exit codes, with --lint-fatal and --lint=none', () => {
		file('dup.yml', 'groups:\n  - name: a\n    rules:\n      - record: job:x:sum\n        expr: sum(x)\n        labels: {team: b}\n  - name: b\n    rules:\n      - record: job:x:sum\n        expr: sum(x) * 2\n        labels: {team: b}\n      - alert: A\n        expr: x > 1\n');
		const expected = ['Checking dup.yml', '  FAILED:', 'lint error 1 duplicate rule(s) found.', 'Metric: job:x:sum', 'Label(s):', '\tteam: b', 'Might cause inconsistency while recording expressions', '', ''].join('\n');
		const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
		for (const [flags, code] of [[[], 0], [['--lint-fatal'], 3], [['--lint=none'], 0]] as const) {
			const r = cli(['rules', 'check', ...flags, 'dup.yml']);
			expect(r.code, flags.join(' ')).toBe(code);
			if (flags[0] !== '--lint=none') expect(r.out).toBe(expected);
			else expect(r.out).toContain('SUCCESS: 3 rules found');
			if (promtool) {
				const p = spawnSync(promtool, ['check', 'rules', ...flags, 'dup.yml'], { cwd: dir, encoding: 'utf8' });
				expect(p.status, `promtool ${flags.join(' ')}`).toBe(code);
				// promtool writes the findings to stderr, the rest to stdout: in order, the same lines.
				if (flags[0] === '--lint=none') expect(p.stdout + p.stderr).toBe(r.out);
				else expect({ out: p.stdout, err: p.stderr }, 'promtool prints the same lines').toEqual({ out: 'Checking dup.yml\n\n', err: expected.slice('Checking dup.yml\n'.length, -1) });
			}
		}
		expect(cli(['rules', 'check', '--lint=all', 'dup.yml'])).toMatchObject({ code: 2 });
	});

	it('import saves nothing when a file has a problem, and versions each change with a diff', async () => {
		const repo = new RuleRepository(client, createKeys(prefix));
		const refused = cli(['rules', 'import', file('good2.yml', GOOD), file('broken.yml', 'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: "rate(up)"\n')]);
		expect(refused.code).toBe(1);
		expect(refused.err).toContain('nothing imported');
		expect(await repo.isEmpty()).toBe(true);

		const first = cli(['rules', 'import', join(dir, 'good2.yml'), '--author', 'ana']);
		expect(first.code, first.err).toBe(0);
		expect(first.out).toContain('1 new, 0 changed');
		const second = cli(['rules', 'import', file('good3.yml', GOOD.replace('for: 2m', 'for: 5m')), '--author', 'bo', '--message', 'fewer pages']);
		expect(second.out).toContain('0 new, 1 changed');
		const versions = await repo.versions('shop/BacklogHigh');
		expect(versions.map((v) => [v.version, v.author, v.message ?? null])).toEqual([
			[2, 'bo', 'fewer pages'],
			[1, 'ana', null]
		]);
		expect(versions[0]!.diff).toContain('-for: 2m\n+for: 5m');
		const listed = cli(['rules', 'list']);
		expect(listed.out).toMatch(/shop\/BacklogHigh {2}v2 {2}enabled {2}by bo/);
		const exported = cli(['rules', 'export']);
		expect(exported.code).toBe(0);
		expect(exported.out).toContain('alert: BacklogHigh');
		expect(exported.out).toContain('for: 5m');
		// The export is a valid rule file.
		expect(cli(['rules', 'check', file('exported.yml', exported.out)]).code).toBe(0);
	});

	it('test runs the demo rules\' tests, and reports a failing test as promtool does with exit 1', () => {
		const ok = cli(['rules', 'test', join(ROOT, 'rules', 'demo-shop.test.yml')]);
		expect(ok.code, ok.out + ok.err).toBe(0);
		expect(ok.out).toContain('SUCCESS');
		file('rules.yml', GOOD);
		const failing = file(
			'failing.test.yml',
			`rule_files: [rules.yml]
evaluation_interval: 30s
tests:
  - interval: 30s
    input_series:
      - series: backlog{queue="orders"}
        values: 60x20
    alert_rule_test:
      - eval_time: 5m
        alertname: BacklogHigh
        exp_alerts: []
`
		);
		const r = cli(['rules', 'test', failing]);
		expect(r.code).toBe(1);
		expect(r.out + r.err).toMatch(/alertname: BacklogHigh, time: 5m/);
		expect(r.out + r.err).toMatch(/exp:\[\]/);
		expect(r.out + r.err).toMatch(/got:\[[\s\S]*queue="orders"/);
	});
});

describe('backtests', () => {
	let token: string;
	const now = Math.floor(Date.now() / 60_000) * 60_000;
	const from = now - 2 * 3_600_000;
	beforeAll(async () => {
		// backlog: 10, then 80 for 20 minutes (an hour in), then 10 again; every 30 s.
		const store = new RedisStore(client, { prefix, liveKey: null });
		const ts: number[] = [];
		for (let t = from; t <= now; t += 30_000) ts.push(t);
		const values = ts.map((t) => (t >= from + 3_600_000 && t < from + 3_600_000 + 20 * 60_000 ? 80 : 10));
		await store.write([{ name: 'backlog', labels: { queue: 'orders' }, ts, values }]);
		const r = cli(['token', 'create', '--name', 'reader', '--scope', 'read']);
		token = r.out.split('\n')[0]!.trim();
	});
	const post = (body: unknown, auth = true) =>
		fetch(`${vigil.url}/api/v1/rules/backtest`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
			body: JSON.stringify(body)
		});

	it('replays stored history through the state machine, and compares a draft', async () => {
		const draft = 'alert: BacklogHigh\nexpr: backlog > 50\nfor: 30m\n';
		const res = await post({ rule: 'shop/BacklogHigh', from: new Date(from).toISOString(), to: now / 1000, draft });
		expect(res.status).toBe(200);
		const body = (await res.json()) as {
			ruleId: string;
			current: { instances: Array<{ labels: Record<string, string>; spans: Array<{ state: string; from: number; to: number }> }>; notifications: number; evaluations: number };
			draft: { instances: unknown[]; notifications: number };
			comparison: { notificationsDelta: number; differences: Array<{ kind: string }> };
		};
		expect(body.ruleId).toBe('shop/BacklogHigh');
		expect(body.current.evaluations).toBe(241);
		const [inst] = body.current.instances;
		expect(inst!.labels).toMatchObject({ alertname: 'BacklogHigh', queue: 'orders', severity: 'warning' });
		const spans = inst!.spans.map((s) => [s.state, (s.from - from) / 60_000, (s.to - from) / 60_000]);
		// Pending from the first evaluation above 50, firing 5 minutes later, resolved when it drops.
		expect(spans).toEqual([
			['pending', 60, 65],
			['firing', 65, 80]
		]);
		expect(body.current.notifications).toBe(2); // fired, resolved
		// A 30-minute `for` never fires on a 20-minute burst.
		expect(body.draft.notifications).toBe(0);
		expect(body.comparison.notificationsDelta).toBe(-2);
		expect(body.comparison.differences.map((d) => d.kind)).toEqual(['missing']);
	});

	it('streams progress as JSON lines when asked, then the same result; a refusal is the last line', async () => {
		const streamed = (body: unknown) =>
			fetch(`${vigil.url}/api/v1/rules/backtest`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', accept: 'application/x-ndjson', authorization: `Bearer ${token}` },
				body: JSON.stringify(body)
			});
		const res = await streamed({ rule: 'shop/BacklogHigh', from: from / 1000, to: now / 1000 });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('application/x-ndjson');
		const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { progress?: string; elapsedMs?: number; result?: { current: { notifications: number; evaluations: number } } });
		expect(lines.slice(0, -1).map((l) => l.progress)).toEqual([expect.stringMatching(/^loading 2h of data for shop\/BacklogHigh/), 'replaying 241 evaluations every 30s']);
		expect(lines[0]!.elapsedMs).toBeGreaterThanOrEqual(0);
		expect(lines.at(-1)!.result!.current).toMatchObject({ notifications: 2, evaluations: 241 });

		const refused = (await (await streamed({ rule: 'shop/Nope', from: from / 1000, to: now / 1000 })).text()).trim().split('\n');
		expect(JSON.parse(refused.at(-1)!)).toEqual({ error: expect.stringMatching(/^rule: no rule "shop\/Nope"/), status: 400 });
	});

	it('the CLI prints the same spans', () => {
		const r = cli(['rules', 'backtest', '--rule', 'BacklogHigh', '--from', String(from / 1000), '--to', String(now / 1000)]);
		expect(r.code, r.err).toBe(0);
		expect(r.err).toMatch(/replaying 241 evaluations every 30s/);
		expect(r.out).toMatch(/2 notifications would have been sent/);
		expect(r.out).toMatch(/firing +\S+ \.\. \S+ +15\.0 min/);
	});

	it('answers 401 without a token and 400 naming the field for bad input', async () => {
		expect((await post({ rule: 'shop/BacklogHigh', from: 0, to: 1 }, false)).status).toBe(401);
		const cases: Array<[unknown, RegExp]> = [
			[{ rule: 'shop/Nope', from: from / 1000, to: now / 1000 }, /^rule: no rule "shop\/Nope"/],
			[{ rule: 'shop/BacklogHigh', from: 'yesterday', to: now / 1000 }, /^from: expected RFC 3339 or unix seconds/],
			[{ rule: 'shop/BacklogHigh', from: now / 1000, to: from / 1000 }, /^to: must be after from/],
			[{ rule: 'shop/BacklogHigh', from: from / 1000, to: now / 1000, draft: 'alert: BacklogHigh\nexpr: rate(backlog)\n' }, /^draft: .*expr/],
			[{ rule: 'shop/BacklogHigh', from: from / 1000, to: now / 1000, extra: 1 }, /extra|Unrecognized/i]
		];
		for (const [body, message] of cases) {
			const res = await post(body);
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect(((await res.json()) as { error: string }).error).toMatch(message);
		}
	});
});
