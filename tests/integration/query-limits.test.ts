/**
 * The query limits and the query pool, against the built `vigil` (every role, a demo collector every
 * 200 ms) on a private redis-server holding an hour of 60 series at 1 s:
 * - a query over `query.maxSamples` is refused (422, Prometheus' words, naming the setting);
 * - a slow query is stopped at `query.timeout` (503), or at the request's shorter `timeout`;
 * - while a slow query runs, /healthz answers and the collector keeps writing (both seen while the
 *   query is still unanswered: the query runs in a worker thread, not on the event loop);
 * - past `query.maxConcurrent` (and an empty queue) a query is refused (503); a query whose client
 *   went away is stopped.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/lib/server/tsdb/redis-store';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { cliFor } from '../helpers/cli';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

const prefix = `qlim${process.pid}:`;
const SERIES = 60;
const END = Math.floor(Date.now() / 1000) * 1000;
const START = END - 3_599_000;
// One maxSamples for both: the slow query holds 60 × 3,600 samples and 60 × 1,801 points (324,060),
// the plain selector over the hour 60 × 3,600 of each (432,000).
const config = `redis:
  prefix: "${prefix}"
log:
  level: debug
query:
  maxSamples: 400000
  timeout: 5s
  maxConcurrent: 1
  maxQueued: 0
  workers: 2
collectors:
  - kind: demo
    name: demo-shop
    interval: 200ms
`;

let redis: TestRedis;
let client: Redis;
let store: RedisStore;
let vigil: VigilProcess;
let token = '';

beforeAll(async () => {
	redis = await startTestRedis();
	client = new Redis(redis.url);
	store = new RedisStore(client, { prefix, liveKey: null });
	const ts = Array.from({ length: 3600 }, (_, i) => START + i * 1000);
	const w = await store.write(Array.from({ length: SERIES }, (_, s) => ({ name: 'load', labels: { s: String(s) }, ts, values: ts.map((_, i) => ((i * 7919 + s * 104729) % 1000) / 10) })));
	expect(w.accepted).toBe(SERIES * 3600);
	vigil = await startVigilProcess({ config, redisUrl: redis.url });
	const cli = cliFor(() => ({ redisUrl: redis.url, configFile: vigil.configFile }));
	expect(cli(['users', 'add', 'viewer', '--role', 'viewer'], 'a long enough password\n').code).toBe(0);
	const t = cli(['token', 'create', '--name', 'grafana', '--user', 'viewer']);
	expect(t.code, t.err).toBe(0);
	token = t.out.split('\n')[0]!.trim();
}, 60_000);

afterAll(async () => {
	await vigil?.stop();
	await store?.close();
	client?.disconnect();
	await redis?.stop();
});

async function api(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<{ status: number; body: any }> {
	const res = await fetch(`${vigil.url}${path}?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${token}` }, signal });
	return { status: res.status, body: await res.json() };
}

/** A value of Vigil's /metrics (summed over the labels that match `labels`). */
async function metric(name: string, labels = ''): Promise<number> {
	const text = await (await fetch(`${vigil.url}/metrics`)).text();
	let sum = 0;
	for (const line of text.split('\n')) {
		if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) if (line.includes(labels)) sum += Number(line.split(' ').at(-1));
	}
	return sum;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

/** Samples the demo collector has stored so far. */
async function demoSamples(): Promise<number> {
	const rows = await store.raw('demo_orders_per_minute', END - 3_600_000, Date.now() + 60_000);
	return rows.reduce((n, r) => n + r.ts.length, 0);
}

const sec = (ms: number) => String(ms / 1000);
/** Seconds of work, whatever the machine: a quantile over an hour of 60 series at each of 1,801 steps. */
const SLOW = { query: 'quantile_over_time(0.5, load[1h])', start: sec(END - 1_800_000), end: sec(END), step: '1' };

describe('query limits', () => {
	it('refuses a query over query.maxSamples with 422 in Prometheus words naming the setting, and goes on answering', async () => {
		const missed = await metric('vigil_collector_ticks_missed_total');
		const r = await api('/api/v1/query_range', { query: 'load', start: sec(START), end: sec(END), step: '1' });
		expect(r).toEqual({
			status: 422,
			body: { status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution (query.maxSamples is 400,000)' }
		});
		const ok = await api('/api/v1/query_range', { query: 'load{s="1"}', start: sec(START), end: sec(END), step: '1' });
		expect(ok.status).toBe(200);
		expect(ok.body.data.result[0].values).toHaveLength(3600);
		expect(ok.body.data.result[0].values[1]).toEqual([START / 1000 + 1, String(((7919 + 104729) % 1000) / 10)]);
		expect(await metric('vigil_collector_ticks_missed_total')).toBe(missed);
	});

	it("stops a query at the request's shorter timeout with 503", async () => {
		const r = await api('/api/v1/query_range', { ...SLOW, timeout: '1s' });
		// Where the time runs out (reading the samples or evaluating) depends on the machine's speed; the phase is named either way.
		expect(r).toEqual({ status: 503, body: { status: 'error', errorType: 'timeout', error: expect.stringMatching(/^query timed out in (query execution|expression evaluation) \(the request's timeout parameter is 1s\)$/) } });
	});

	it('answers /healthz and keeps collecting while a slow query runs, and stops the query at query.timeout with 503', async () => {
		let answered = false;
		const slow = api('/api/v1/query_range', SLOW).finally(() => (answered = true));
		await until('the query to run', async () => (await metric('vigil_queries_running')) === 1);
		const before = await demoSamples();
		const health = await fetch(`${vigil.url}/healthz`);
		expect(health.status).toBe(200);
		const healthWhileRunning = !answered;
		await until('the collector to write', async () => (await demoSamples()) > before);
		const collectedWhileRunning = !answered;
		expect({ healthWhileRunning, collectedWhileRunning }).toEqual({ healthWhileRunning: true, collectedWhileRunning: true });
		expect(await slow).toEqual({ status: 503, body: { status: 'error', errorType: 'timeout', error: expect.stringMatching(/^query timed out in (query execution|expression evaluation) \(query\.timeout is 5s\)$/) } });
	});

	it('refuses a query past query.maxConcurrent with 503, and stops a query whose client went away', async () => {
		const canceledBefore = await metric('vigil_queries_total', 'outcome="canceled"');
		const client = new AbortController();
		const slow = api('/api/v1/query_range', SLOW, client.signal).catch((err: Error) => err);
		await until('the query to run', async () => (await metric('vigil_queries_running')) === 1);
		const refused = await api('/api/v1/query', { query: 'up' });
		expect(refused.status).toBe(503);
		expect(refused.body).toEqual({
			status: 'error',
			errorType: 'unavailable',
			error: 'too many queries at once: 1 running (query.maxConcurrent is 1) and 0 waiting (query.maxQueued is 0); try again later'
		});
		client.abort();
		expect(await slow).toBeInstanceOf(Error);
		// Stopped at its next check, well before its 5 s were up.
		await until('the query to stop', async () => (await metric('vigil_queries_running')) === 0 && (await metric('vigil_queries_total', 'outcome="canceled"')) === canceledBefore + 1);
		expect((await api('/api/v1/query', { query: 'count(load)', time: sec(END) })).body.data.result[0].value[1]).toBe(String(SERIES));
	});
});
