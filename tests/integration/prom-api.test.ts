/**
 * The Prometheus-compatible HTTP API against a running `vigil` (web role) and a private
 * redis-server:
 * - differential: the same generated series are backfilled into a real Prometheus (Debian's
 *   package, started here on a free port with a temporary data dir) and written into Vigil's
 *   store; `query` and `query_range` answers must agree within float tolerance, `series`,
 *   `labels` and label values exactly;
 * - contract: `promtool query instant|range|series|labels` print the same against Vigil as
 *   against Prometheus;
 * - golden shapes of the envelope and its errors; access; rules and alerts in Prometheus' shape.
 * Skips with a message where prometheus or promtool is absent.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleRepository } from '../../src/lib/server/alerting/ruleset';
import { AlertStateStore } from '../../src/lib/server/alerting/state';
import { createKeys } from '../../src/lib/server/keys';
import type { RuleState } from '../../src/lib/server/rules/types';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { rng } from '../../src/lib/server/promql/testing/generate';
import { cliFor } from '../helpers/cli';

const PROMETHEUS = process.env.PROMETHEUS ?? '/usr/bin/prometheus';
const PROMTOOL = process.env.PROMTOOL ?? '/usr/bin/promtool';
const found = existsSync(PROMETHEUS) && existsSync(PROMTOOL);

let redis: TestRedis;
let vigil: VigilProcess;
let client: Redis;
let prom: ChildProcess | undefined;
let promUrl = '';
let token = '';
const dir = mkdtempSync(join(tmpdir(), 'vigil-promapi-'));
const configFile = join(dir, 'vigil.config.yaml');
const prefix = `promapi${process.pid}:`;
const keys = createKeys(prefix);
const config = `redis:\n  prefix: "${prefix}"\n`;

// The data: 2 h of samples every 15 s ending 10 minutes ago (seconds, so both sides hold the same
// times), from a seeded generator.
const STEP_MS = 15_000;
const END = Math.floor((Date.now() - 10 * 60_000) / 60_000) * 60_000;
const START = END - 2 * 3_600_000;


interface GenSeries {
	name: string;
	labels: Record<string, string>;
	ts: number[];
	values: number[];
}

function generate(): GenSeries[] {
	const r = rng(20260242);
	const out: GenSeries[] = [];
	for (const job of ['shop', 'pay']) {
		for (const inst of ['a', 'b', 'c']) {
			const temp: GenSeries = { name: 'temp_celsius', labels: { job, inst }, ts: [], values: [] };
			const reqs: GenSeries = { name: 'http_requests_total', labels: { job, inst }, ts: [], values: [] };
			let c = Math.floor(r() * 100);
			// Each series has a gap of 20 minutes somewhere, and starts at its own time.
			const gapAt = START + Math.floor(r() * 90) * 60_000;
			const begin = START + Math.floor(r() * 10) * STEP_MS;
			for (let t = begin; t <= END; t += STEP_MS) {
				if (t >= gapAt && t < gapAt + 20 * 60_000 && inst === 'c') continue;
				temp.ts.push(t);
				temp.values.push(Math.round((20 + 10 * r()) * 100) / 100);
				// A counter with occasional resets.
				c = r() < 0.01 ? Math.floor(r() * 5) : c + Math.floor(r() * 20);
				reqs.ts.push(t);
				reqs.values.push(c);
			}
			out.push(temp, reqs);
		}
	}
	for (const le of ['0.1', '0.5', '1', '+Inf']) {
		const s: GenSeries = { name: 'latency_seconds_bucket', labels: { job: 'shop', le }, ts: [], values: [] };
		let c = 0;
		for (let t = START; t <= END; t += STEP_MS) {
			c += Math.floor(r() * 5) + (le === '+Inf' ? 15 : le === '1' ? 10 : le === '0.5' ? 5 : 1);
			s.ts.push(t);
			s.values.push(c);
		}
		out.push(s);
	}
	// An instance that went away after 20 minutes, and one that came 20 minutes before the end.
	for (const [inst, from, to] of [
		['old', START, START + 20 * 60_000],
		['new', END - 20 * 60_000, END]
	] as const) {
		const s: GenSeries = { name: 'worker_busy', labels: { job: 'shop', inst }, ts: [], values: [] };
		for (let t = from; t < to; t += STEP_MS) {
			s.ts.push(t);
			s.values.push(Math.round(r() * 100) / 100);
		}
		out.push(s);
	}
	return out;
}

function openMetrics(series: GenSeries[]): string {
	const lines: string[] = [];
	const names = [...new Set(series.map((s) => s.name))];
	for (const name of names) {
		lines.push(`# TYPE ${name} gauge`);
		for (const s of series.filter((x) => x.name === name)) {
			const ls = Object.entries(s.labels)
				.map(([k, v]) => `${k}="${v}"`)
				.join(',');
			s.ts.forEach((t, i) => lines.push(`${name}{${ls}} ${s.values[i]} ${t / 1000}`));
		}
	}
	lines.push('# EOF');
	return lines.join('\n') + '\n';
}

const cli = cliFor(() => ({ redisUrl: redis.url, configFile, cwd: dir }));

async function get(base: string, path: string, auth: string | null = token): Promise<{ status: number; body: any }> {
	const res = await fetch(`${base}${path}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });
	const text = await res.text();
	try {
		return { status: res.status, body: JSON.parse(text) };
	} catch {
		return { status: res.status, body: text };
	}
}

const q = (params: Record<string, string | string[]>) => {
	const u = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) u.append(k, x);
	return u.toString();
};

async function startPrometheus(series: GenSeries[]): Promise<void> {
	const data = join(dir, 'prom-data');
	const om = join(dir, 'data.om');
	writeFileSync(om, openMetrics(series));
	const b = spawnSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', '-q', om, data], { encoding: 'utf8', timeout: 60_000 });
	if (b.status !== 0) throw new Error(`promtool could not backfill: ${b.stderr}`);
	const cfg = join(dir, 'prometheus.yml');
	writeFileSync(cfg, 'global:\n  evaluation_interval: 1h\n');
	const port = await freePort();
	promUrl = `http://127.0.0.1:${port}`;
	prom = spawn(PROMETHEUS, [`--config.file=${cfg}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=30d', '--log.level=warn'], { stdio: 'ignore' });
	const deadline = Date.now() + 30_000;
	while (Date.now() < deadline) {
		try {
			if ((await fetch(`${promUrl}/-/ready`)).ok) return;
		} catch {
			// not yet
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error('prometheus did not become ready within 30 s');
}

const GENERATED = generate();

beforeAll(async () => {
	redis = await startTestRedis();
	writeFileSync(configFile, config);
	client = new Redis(redis.url);
	const store = new RedisStore(client, { prefix, liveKey: null });
	const w = await store.write(GENERATED.map((s) => ({ name: s.name, labels: s.labels, ts: s.ts, values: s.values })));
	expect(Object.values(w.rejected).every((n) => n === 0), JSON.stringify(w)).toBe(true);
	await store.setMetadata([{ metric: 'http_requests_total', type: 'counter', help: 'Requests served.', unit: '' }]);
	await store.close();
	const [v] = await Promise.all([startVigilProcess({ config, redisUrl: redis.url, roles: 'web' }), found ? startPrometheus(GENERATED) : Promise.resolve()]);
	vigil = v;
	expect(cli(['users', 'add', 'viewer-user', '--role', 'viewer'], 'a long enough password\n').code).toBe(0);
	const t = cli(['token', 'create', '--name', 'grafana', '--user', 'viewer-user']);
	expect(t.code, t.err).toBe(0);
	token = t.out.split('\n')[0]!.trim();
}, 90_000);

afterAll(async () => {
	prom?.kill('SIGTERM');
	await vigil?.stop();
	client?.disconnect();
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

const sec = (ms: number) => String(ms / 1000);

describe('envelope and errors (golden)', () => {
	it('answers success with data', async () => {
		const r = await get(vigil.url, `/api/v1/query?${q({ query: '1 + 1', time: sec(END) })}`);
		expect(r).toEqual({ status: 200, body: { status: 'success', data: { resultType: 'scalar', result: [END / 1000, '2'] } } });
		// A string literal as the whole query is answered as a string, at the time asked.
		const s = await get(vigil.url, `/api/v1/query?${q({ query: '("a \\"b\\"")', time: sec(END) })}`);
		expect(s).toEqual({ status: 200, body: { status: 'success', data: { resultType: 'string', result: [END / 1000, 'a "b"'] } } });
	});

	const cases: Array<[string, string, number, Record<string, unknown>]> = [
		['a bad query', `/api/v1/query?${q({ query: 'sum(', time: '1' })}`, 400, { errorType: 'bad_data', error: 'invalid parameter "query": unclosed left parenthesis at 1:5' }],
		['an unknown function', `/api/v1/query?${q({ query: 'label_replac(up, "a", "b", "c", "d")' })}`, 400, { errorType: 'bad_data', error: 'invalid parameter "query": unknown function with name "label_replac" at 1:1' }],
		[
			'a string as a range query',
			`/api/v1/query_range?${q({ query: '"a string"', start: '100', end: '200', step: '15' })}`,
			400,
			{ errorType: 'bad_data', error: 'invalid parameter "query": invalid expression type "string" for range query, must be Scalar or instant Vector' }
		],
		['a bad time', `/api/v1/query?${q({ query: 'up', time: 'yesterday' })}`, 400, { errorType: 'bad_data', error: 'invalid parameter "time": cannot parse "yesterday" to a valid timestamp' }],
		['start after end', `/api/v1/query_range?${q({ query: 'up', start: '200', end: '100', step: '15' })}`, 400, { errorType: 'bad_data', error: 'end timestamp must not be before start time' }],
		['a bad step', `/api/v1/query_range?${q({ query: 'up', start: '100', end: '200', step: '0' })}`, 400, { errorType: 'bad_data', error: 'zero or negative query resolution step widths are not accepted. Try a positive integer' }],
		[
			'too many points',
			`/api/v1/query_range?${q({ query: 'up', start: '0', end: '11001', step: '1' })}`,
			400,
			{ errorType: 'bad_data', error: 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)' }
		],
		['a bad timeout', `/api/v1/query?${q({ query: 'up', timeout: 'soon' })}`, 400, { errorType: 'bad_data', error: 'invalid parameter "timeout": cannot parse "soon" to a valid duration' }],
		['series without match[]', '/api/v1/series', 400, { errorType: 'bad_data', error: 'no match[] parameter provided' }],
		['an execution error', `/api/v1/query?${q({ query: 'temp_celsius + on(job) temp_celsius', time: sec(END) })}`, 422, { errorType: 'execution' }],
		['an unknown endpoint', '/api/v1/nosuch', 404, { errorType: 'not_found', error: 'no API endpoint /api/v1/nosuch' }]
	];
	for (const [what, path, status, body] of cases) {
		it(`answers ${what} with ${status} and its error type`, async () => {
			const r = await get(vigil.url, path);
			expect(r.status).toBe(status);
			expect(r.body).toMatchObject({ status: 'error', ...body });
			expect(Object.keys(r.body).sort()).toEqual(['error', 'errorType', 'status']);
		});
	}

	it('exactly 11,000 points is allowed', async () => {
		const r = await get(vigil.url, `/api/v1/query_range?${q({ query: '1', start: '0', end: '11000', step: '1' })}`);
		expect(r.status).toBe(200);
		expect(r.body.data.result[0].values).toHaveLength(11_001);
	});

	it('needs a token or a session; Basic credentials carry the token as the password', async () => {
		const none = await get(vigil.url, '/api/v1/labels', null);
		expect(none.status).toBe(401);
		expect(none.body).toMatchObject({ status: 'error', errorType: 'unauthorized' });
		expect((await get(vigil.url, '/api/v1/labels', 'not-a-token')).status).toBe(401);
		const basic = await fetch(`${vigil.url}/api/v1/labels`, { headers: { authorization: `Basic ${Buffer.from(`vigil:${token}`).toString('base64')}` } });
		expect(basic.status).toBe(200);
	});

	it('takes POST form bodies from tools (no Origin), as Prometheus does', async () => {
		const res = await fetch(`${vigil.url}/api/v1/query`, {
			method: 'POST',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
			body: q({ query: 'count(temp_celsius)', time: sec(END) })
		});
		expect(res.status).toBe(200);
		expect(((await res.json()) as any).data.result[0].value[1]).toBe('6');
	});

	it('serves buildinfo and metadata', async () => {
		const b = await get(vigil.url, '/api/v1/status/buildinfo');
		expect(b.body.data.version).toBe('2.42.0');
		const m = await get(vigil.url, '/api/v1/metadata');
		expect(m.body).toEqual({ status: 'success', data: { http_requests_total: [{ type: 'counter', help: 'Requests served.', unit: '' }] } });
	});
});

describe('rules and alerts in Prometheus\' shape', () => {
	it('lists the rule set with health, last evaluation and alerts', async () => {
		const repo = new RuleRepository(client, keys);
		await repo.save([{ name: 'shop', interval: '1m', rules: [{ alert: 'Hot', expr: 'temp_celsius > 25', for: '5m', severity: 'warning', annotations: { summary: 'hot' } }] }], { author: 'test' });
		const at = Date.UTC(2026, 0, 1, 12);
		const state: RuleState = {
			ruleId: 'shop/Hot',
			health: 'ok',
			lastEvalAt: at,
			lastEvalDurationMs: 12,
			instances: [
				{ fingerprint: 'f1', labels: { alertname: 'Hot', inst: 'a', severity: 'warning' }, annotations: { summary: 'hot' }, state: 'firing', value: 27.5, activeAt: at - 600_000, firedAt: at - 300_000 },
				{ fingerprint: 'f2', labels: { alertname: 'Hot', inst: 'b', severity: 'warning' }, annotations: { summary: 'hot' }, state: 'pending', value: 26, activeAt: at - 60_000 }
			]
		};
		await client.hset(keys.alerts.state, 'shop/Hot', JSON.stringify({ savedAt: at, state }));
		expect(new AlertStateStore(client, keys)).toBeTruthy();
		const r = await get(vigil.url, '/api/v1/rules');
		expect(r.body).toEqual({
			status: 'success',
			data: {
				groups: [
					{
						name: 'shop',
						file: 'vigil',
						interval: 60,
						limit: 0,
						evaluationTime: 0.012,
						lastEvaluation: '2026-01-01T12:00:00Z',
						rules: [
							{
								state: 'firing',
								name: 'Hot',
								query: 'temp_celsius > 25',
								duration: 300,
								keepFiringFor: 0,
								labels: { severity: 'warning' },
								annotations: { summary: 'hot' },
								alerts: [
									{ labels: { alertname: 'Hot', inst: 'a', severity: 'warning' }, annotations: { summary: 'hot' }, state: 'firing', activeAt: '2026-01-01T11:50:00Z', value: '2.75e+01' },
									{ labels: { alertname: 'Hot', inst: 'b', severity: 'warning' }, annotations: { summary: 'hot' }, state: 'pending', activeAt: '2026-01-01T11:59:00Z', value: '2.6e+01' }
								],
								health: 'ok',
								evaluationTime: 0.012,
								lastEvaluation: '2026-01-01T12:00:00Z',
								type: 'alerting'
							}
						]
					}
				]
			}
		});
		expect((await get(vigil.url, '/api/v1/rules?type=record')).body.data).toEqual({ groups: [] });
		expect((await get(vigil.url, '/api/v1/rules?rule_name[]=Other')).body.data).toEqual({ groups: [] });
		const alerts = await get(vigil.url, '/api/v1/alerts');
		expect(alerts.body.data.alerts.map((a: any) => [a.labels.inst, a.state])).toEqual([
			['a', 'firing'],
			['b', 'pending']
		]);
		// The backtest route under /api/v1/rules is still its own.
		const bt = await fetch(`${vigil.url}/api/v1/rules/backtest`, { headers: { authorization: `Bearer ${token}` } });
		expect(bt.status).toBe(405);
	});
});

// ---- against Prometheus ----------------------------------------------------------------------

type Point = [number, string];

function key(metric: Record<string, string>): string {
	return JSON.stringify(Object.entries(metric).sort());
}

function sameNumber(a: string, b: string): boolean {
	if (a === b) return true;
	const x = Number(a);
	const y = Number(b);
	if (Number.isNaN(x) || Number.isNaN(y)) return false;
	return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
}

/** Differences between two query answers (empty when they agree). */
function diff(vig: any, pro: any): string[] {
	const out: string[] = [];
	if (pro.status !== 'success') return [`prometheus failed: ${JSON.stringify(pro)}`];
	if (vig.status !== 'success') return [`vigil failed: ${JSON.stringify(vig)}`];
	const a = vig.data;
	const b = pro.data;
	if (a.resultType !== b.resultType) return [`result type ${a.resultType} != ${b.resultType}`];
	if (a.resultType === 'scalar') return a.result[0] === b.result[0] && sameNumber(a.result[1], b.result[1]) ? [] : [`scalar ${a.result} != ${b.result}`];
	const byKey = (r: any[]) => new Map(r.map((s) => [key(s.metric), s]));
	const va = byKey(a.result);
	const vb = byKey(b.result);
	for (const k of new Set([...va.keys(), ...vb.keys()])) {
		const x = va.get(k);
		const y = vb.get(k);
		if (!x || !y) {
			out.push(`${k} only in ${x ? 'vigil' : 'prometheus'}`);
			continue;
		}
		const px: Point[] = x.values ?? [x.value];
		const py: Point[] = y.values ?? [y.value];
		if (px.length !== py.length) out.push(`${k}: ${px.length} points != ${py.length}`);
		else px.forEach((p, i) => (p[0] !== py[i]![0] || !sameNumber(p[1], py[i]![1])) && out.push(`${k} @${p[0]}: ${p[1]} != ${py[i]![0]}:${py[i]![1]}`));
	}
	return out.slice(0, 10);
}

const EXPRS = [
	'temp_celsius',
	'temp_celsius offset 7m',
	'temp_celsius > 25',
	'temp_celsius > bool 25',
	'rate(http_requests_total[5m])',
	'irate(http_requests_total[2m])',
	'increase(http_requests_total[10m])',
	'sum by (job) (rate(http_requests_total[5m]))',
	'avg_over_time(temp_celsius[10m])',
	'max_over_time(temp_celsius[15m]) - min_over_time(temp_celsius[15m])',
	'count_over_time(temp_celsius[5m])',
	'sum_over_time(temp_celsius[3m])',
	'stddev_over_time(temp_celsius[10m])',
	'quantile_over_time(0.9, temp_celsius[10m])',
	'delta(temp_celsius[10m])',
	'deriv(temp_celsius[10m])',
	'histogram_quantile(0.9, sum by (le) (rate(latency_seconds_bucket[5m])))',
	'count(temp_celsius) by (job)',
	'avg without (inst) (temp_celsius)',
	'quantile(0.5, temp_celsius)',
	'clamp_max(abs(temp_celsius - 25), 3)',
	'temp_celsius and on(inst) (temp_celsius > 22)',
	'temp_celsius unless on(job, inst) http_requests_total > 1e9',
	'absent(nosuch_metric{job="x"})',
	'absent_over_time(temp_celsius{inst="c"}[1m])',
	'scalar(sum(temp_celsius)) * 2',
	'time()',
	'vector(1) + 1'
];

describe('series, labels and label values over a time range', () => {
	it('label names and values under match[] narrow to the time range (finer than Prometheus, which narrows by 2 h block)', async () => {
		const values = async (range: Record<string, string>) => (await get(vigil.url, `/api/v1/label/inst/values?${q({ 'match[]': 'worker_busy', ...range })}`)).body.data;
		expect(await values({})).toEqual(['new', 'old']);
		expect(await values({ start: sec(START), end: sec(START + 30 * 60_000) })).toEqual(['old']);
		expect(await values({ start: sec(END - 5 * 60_000) })).toEqual(['new']);
		expect(await values({ end: sec(START + 40 * 60_000) })).toEqual(['old']);
		const names = await get(vigil.url, `/api/v1/labels?${q({ 'match[]': 'worker_busy', start: sec(START + 40 * 60_000), end: sec(START + 50 * 60_000) })}`);
		expect(names.body.data).toEqual([]);
		// Without match[], the index answers for all time.
		expect((await get(vigil.url, `/api/v1/label/inst/values?${q({ start: sec(END - 60_000) })}`)).body.data).toContain('old');
		// An end before the start is answered, with nothing (as Prometheus does).
		const backwards = await get(vigil.url, `/api/v1/series?${q({ 'match[]': 'worker_busy', start: sec(END), end: sec(START) })}`);
		expect([backwards.status, backwards.body.data]).toEqual([200, []]);
		const bad = await get(vigil.url, `/api/v1/series?${q({ 'match[]': 'worker_busy', start: 'yesterday' })}`);
		expect([bad.status, bad.body.error]).toEqual([400, expect.stringMatching(/^invalid parameter "start": cannot parse "yesterday"/)]);
	});
});

describe.skipIf(!found)('differential: Vigil and Prometheus 2.42 agree', () => {
	it(`instant queries (${EXPRS.length} expressions at 4 times)`, { timeout: 60_000 }, async () => {
		const problems: string[] = [];
		let nonEmpty = 0;
		for (const expr of EXPRS) {
			for (const t of [START + 3 * 60_000 + 7_000, START + 45 * 60_000, START + 100 * 60_000 + 1_500, END + 4 * 60_000]) {
				const path = `/api/v1/query?${q({ query: expr, time: sec(t) })}`;
				const [v, p] = await Promise.all([get(vigil.url, path), get(promUrl, path, null)]);
				const d = diff(v.body, p.body);
				if (d.length) problems.push(`${expr} @${t}: ${d.join('; ')}`);
				if (Array.isArray(p.body.data?.result) ? p.body.data.result.length : 1) nonEmpty++;
			}
		}
		expect(problems).toEqual([]);
		expect(nonEmpty).toBeGreaterThan(EXPRS.length * 3);
	});

	it(`range queries (${EXPRS.length} expressions, 2 windows)`, { timeout: 60_000 }, async () => {
		const problems: string[] = [];
		for (const expr of EXPRS) {
			for (const [start, end, step] of [
				[START, END + 5 * 60_000, 60_000],
				[START + 17_000, START + 47 * 60_000, 15_000]
			] as const) {
				const path = `/api/v1/query_range?${q({ query: expr, start: sec(start), end: sec(end), step: sec(step) })}`;
				const [v, p] = await Promise.all([get(vigil.url, path), get(promUrl, path, null)]);
				const d = diff(v.body, p.body);
				if (d.length) problems.push(`${expr} [${start}, ${end}] /${step}: ${d.join('; ')}`);
			}
		}
		expect(problems).toEqual([]);
	});

	it('a range selector at an instant gives the raw samples', async () => {
		const path = `/api/v1/query?${q({ query: 'temp_celsius{inst="a"}[2m]', time: sec(START + 30 * 60_000) })}`;
		const [v, p] = await Promise.all([get(vigil.url, path), get(promUrl, path, null)]);
		expect(diff(v.body, p.body)).toEqual([]);
		expect(p.body.data.result).toHaveLength(2);
	});

	it('series, labels and label values are the same', async () => {
		const paths = [
			`/api/v1/series?${q({ 'match[]': ['temp_celsius', '{job="pay", __name__=~"http_.*"}'] })}`,
			`/api/v1/series?${q({ 'match[]': 'latency_seconds_bucket{le!="+Inf"}' })}`,
			'/api/v1/labels',
			`/api/v1/labels?${q({ 'match[]': 'latency_seconds_bucket' })}`,
			'/api/v1/label/inst/values',
			'/api/v1/label/__name__/values',
			`/api/v1/label/le/values?${q({ 'match[]': '{__name__=~"lat.*"}' })}`,
			'/api/v1/label/nosuch/values',
			// With a time range: only series with samples in it (an instance gone an hour ago is out).
			`/api/v1/series?${q({ 'match[]': 'worker_busy', start: sec(START), end: sec(START + 30 * 60_000) })}`,
			`/api/v1/series?${q({ 'match[]': 'worker_busy', start: sec(END - 30 * 60_000), end: sec(END) })}`,
			`/api/v1/series?${q({ 'match[]': 'worker_busy', start: sec(START + 40 * 60_000), end: sec(START + 50 * 60_000) })}`
		];
		for (const path of paths) {
			const [v, p] = await Promise.all([get(vigil.url, path), get(promUrl, path, null)]);
			expect(p.body.status, path).toBe('success');
			expect(v.body, path).toEqual({ status: 'success', data: p.body.data });
		}
	});

	it('a string as the whole query gets the same answer', async () => {
		const path = `/api/v1/query?${q({ query: '"a string"', time: '1700000000.5' })}`;
		const [v, p] = await Promise.all([get(vigil.url, path), get(promUrl, path, null)]);
		expect(v).toEqual(p);
	});

	it('bad input gets the same error type and status', async () => {
		for (const path of [
			`/api/v1/query_range?${q({ query: '"a string"', start: '100', end: '200', step: '15' })}`,
			`/api/v1/query?${q({ query: 'sum(', time: '1' })}`,
			`/api/v1/query?${q({ query: 'up', time: 'yesterday' })}`,
			`/api/v1/query_range?${q({ query: 'up', start: '200', end: '100', step: '15' })}`,
			`/api/v1/query_range?${q({ query: 'up', start: '0', end: '11001', step: '1' })}`,
			`/api/v1/series?${q({ 'match[]': 'up', start: '200', end: '100' })}`,
			'/api/v1/series'
		]) {
			const [v, p] = await Promise.all([get(vigil.url, path), get(promUrl, path, null)]);
			expect([v.status, v.body.errorType], path).toEqual([p.status, p.body.errorType]);
		}
	});
});

describe.skipIf(!found)('promtool query against Vigil prints what it prints against Prometheus', () => {
	function promtool(base: string, args: string[]): { code: number | null; out: string; err: string } {
		// promtool 2.42 sends credentials only from the URL (Basic), and headers only for range queries.
		const url = base === vigil.url ? base.replace('http://', `http://vigil:${token}@`) : base;
		const [sub, ...rest] = args;
		const r = spawnSync(PROMTOOL, ['query', sub!, url, ...rest], { encoding: 'utf8', timeout: 30_000 });
		return { code: r.status, out: r.stdout, err: r.stderr };
	}
	const both = (args: string[]) => {
		const v = promtool(vigil.url, args);
		const p = promtool(promUrl, args);
		expect(p.code, p.err).toBe(0);
		expect(v.code, v.err).toBe(0);
		return { v: v.out, p: p.out };
	};

	it('instant', () => {
		const { v, p } = both(['instant', 'temp_celsius{job="shop"}', `--time=${sec(START + 60 * 60_000)}`]);
		expect(v).toBe(p);
		expect(v.trim().split('\n')).toHaveLength(3);
		expect(v).toMatch(/^temp_celsius\{inst="a", job="shop"\} => [\d.]+ @\[/);
	});

	it('range (with the token as a header)', () => {
		const args = ['range', 'rate(http_requests_total{inst="b"}[5m])', `--start=${sec(START + 20 * 60_000)}`, `--end=${sec(START + 30 * 60_000)}`, '--step=1m'];
		const v = spawnSync(PROMTOOL, ['query', args[0]!, `--header=Authorization: Bearer ${token}`, vigil.url, ...args.slice(1)], { encoding: 'utf8', timeout: 30_000 });
		const p = promtool(promUrl, args);
		expect(v.status, v.stderr).toBe(0);
		expect(v.stdout).toBe(p.out);
		expect(v.stdout.match(/ @\[/g)).toHaveLength(22);
	});

	it('series', () => {
		const { v, p } = both(['series', '--match=http_requests_total{job="pay"}']);
		expect(v).toBe(p);
		expect(v.trim().split('\n')).toHaveLength(3);
	});

	it('labels', () => {
		const { v, p } = both(['labels', 'job']);
		expect(v).toBe(p);
		expect(v.trim().split('\n')).toEqual(['pay', 'shop']);
	});

	it('refuses without the token', () => {
		const r = spawnSync(PROMTOOL, ['query', 'instant', vigil.url, 'temp_celsius'], { encoding: 'utf8', timeout: 30_000 });
		expect(r.status).not.toBe(0);
		expect(r.stderr).toMatch(/unauthorized|401|log in/i);
	});
});

describe.skipIf(found)('differential and promtool contract tests', () => {
	it.skip(`prometheus or promtool not found (${PROMETHEUS}, ${PROMTOOL}): apt-get install prometheus`, () => {});
});
