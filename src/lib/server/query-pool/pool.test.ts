import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { EncodedAnswer, QueryJob } from '../prom-api/answer';
import { ApiError } from '../prom-api/envelope';
import { MemoryStore } from '../tsdb/memory-store';
import { resolveRetention } from '../tsdb/types';
import { QueryPool, type QueryPoolSettings } from './pool';

// Worker threads run the fixture, which speaks the pool's protocol (the real worker is bundled by
// the build, and is tested against the built `vigil` in tests/integration/query-limits.test.ts).
const FIXTURE = join(import.meta.dirname, '../../../../tests/helpers/query-worker-fixture.mjs');
const SETUP = { redisUrl: 'redis://unused', prefix: 't:', retention: resolveRetention(undefined), maxSeriesPerMetric: 10 };
const BASE: QueryPoolSettings = { maxSamples: 1000, timeoutMs: 60_000, maxConcurrent: 4, maxQueued: 4, workers: 2 };

const pools: QueryPool[] = [];
afterEach(async () => {
	await Promise.all(pools.splice(0).map((p) => p.close()));
});

function pool(settings: Partial<QueryPoolSettings> = {}, extra: { graceMs?: number; registry?: Registry; resourceLimits?: { maxOldGenerationSizeMb: number } } = {}): QueryPool {
	const p = new QueryPool({
		settings: { ...BASE, ...settings },
		worker: { file: FIXTURE, setup: SETUP, resourceLimits: extra.resourceLimits },
		inline: { store: new MemoryStore(), retention: resolveRetention(undefined) },
		graceMs: extra.graceMs,
		registry: extra.registry
	});
	pools.push(p);
	return p;
}

const job = (query: string, time = 0, timeoutMs?: number): QueryJob => ({ kind: 'instant', query, time, timeoutMs });
const body = (a: EncodedAnswer) => JSON.parse(a.chunks.map((c) => new TextDecoder().decode(c)).join(''));

async function failure(p: Promise<unknown>): Promise<ApiError> {
	try {
		await p;
	} catch (err) {
		expect(err).toBeInstanceOf(ApiError);
		return err as ApiError;
	}
	throw new Error('expected a failure');
}

async function until(check: () => boolean): Promise<void> {
	for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
	expect(check()).toBe(true);
}

describe('QueryPool with worker threads', () => {
	it('answers in the workers, least busy first, with the limits and the deadline', async () => {
		const p = pool({ timeoutMs: 30_000 });
		const [a, b] = await Promise.all([p.run(job('sleep', 100)), p.run(job('sleep', 100, 5000))]);
		expect(new Set([body(a).data.worker, body(b).data.worker])).toEqual(new Set(['query-0', 'query-1']));
		expect(body(a).data.limits).toEqual({ maxSamples: 1000, timeoutMs: 30_000 });
		expect(body(a).data.timeout).toEqual({ ms: 30_000, source: 'query.timeout' });
		expect(body(b).data.timeout).toEqual({ ms: 5000, source: 'timeout parameter' });
	});

	it('runs query.maxConcurrent at once, queues query.maxQueued, and refuses the rest naming both', async () => {
		const p = pool({ maxConcurrent: 1, maxQueued: 1 });
		const first = p.run(job('sleep', 200));
		const second = p.run(job('sleep', 0));
		expect(p.stats()).toMatchObject({ running: 1, queued: 1 });
		const e = await failure(p.run(job('sleep', 0)));
		expect(e.type).toBe('unavailable');
		expect(e.message).toBe('too many queries at once: 1 running (query.maxConcurrent is 1) and 1 waiting (query.maxQueued is 1); try again later');
		expect(body(await first).data.query).toBe('sleep');
		expect(body(await second).data.query).toBe('sleep');
	});

	it('answers a query still waiting at its deadline with a timeout in the query queue', async () => {
		const p = pool({ maxConcurrent: 1 });
		const first = p.run(job('sleep', 300));
		const e = await failure(p.run(job('sleep', 0, 50)));
		expect([e.type, e.message]).toEqual(['timeout', "query timed out in query queue (the request's timeout parameter is 50ms)"]);
		await first;
	});

	it('terminates a worker stuck past the deadline and replaces it; the other query it ran starts again', async () => {
		const registry = new Registry();
		const p = pool({ workers: 1, timeoutMs: 10_000 }, { graceMs: 100, registry });
		const other = p.run(job('sleep', 50));
		const e = await failure(p.run(job('hang', 0, 200)));
		expect([e.type, e.message]).toEqual(['timeout', "query timed out in query execution (the request's timeout parameter is 200ms)"]);
		expect(body(await other).data.worker).toBe('query-0');
		expect(p.stats()).toEqual({ running: 0, queued: 0, workers: 1 });
		expect(body(await p.run(job('after'))).data.query).toBe('after');
		expect(await registry.getSingleMetricAsString('vigil_query_workers_replaced_total')).toMatch(/reason="timeout"} 1/);
	});

	it('answers the queries of a worker that crashed with its error, and replaces it', async () => {
		const p = pool({ workers: 1 });
		const e = await failure(p.run(job('crash')));
		expect(e.type).toBe('internal');
		expect(e.message).toMatch(/^the query worker stopped \(boom\); it has been replaced$/);
		await until(() => p.stats().workers === 1);
		expect(body(await p.run(job('after'))).data.query).toBe('after');
	});

	it('answers a query that ran its worker out of memory with an execution error naming query.maxSamples', async () => {
		const p = pool({ workers: 1 }, { resourceLimits: { maxOldGenerationSizeMb: 24 } });
		const e = await failure(p.run(job('oom')));
		expect(e.type).toBe('execution');
		expect(e.message).toMatch(/^the query worker ran out of memory .*lower query\.maxSamples/);
		expect(body(await p.run(job('after'))).data.query).toBe('after');
	});

	it('stops a running query whose client went away, and drops a waiting one', async () => {
		const p = pool({ maxConcurrent: 1 });
		const running = new AbortController();
		const waiting = new AbortController();
		const first = p.run(job('until-canceled'), running.signal);
		const second = p.run(job('sleep', 0), waiting.signal);
		waiting.abort();
		const w = await failure(second);
		expect([w.type, w.message]).toEqual(['canceled', 'query was canceled in query queue']);
		running.abort();
		const r = await failure(first);
		expect([r.type, r.message]).toEqual(['canceled', 'query was canceled in expression evaluation']);
		expect(p.stats()).toEqual({ running: 0, queued: 0, workers: 2 });
	});

	it('answers what is in progress when it closes, and refuses afterwards', async () => {
		const p = pool({ maxConcurrent: 1 });
		const a = failure(p.run(job('sleep', 10_000)));
		const b = failure(p.run(job('sleep', 0)));
		await p.close();
		for (const e of [await a, await b, await failure(p.run(job('x')))]) expect(e.type).toBe('unavailable');
	});
});

describe('QueryPool in-process (query.workers: 0)', () => {
	it('evaluates on the main thread under the same limits and queue', async () => {
		const store = new MemoryStore({ now: () => 100_000 });
		await store.write([{ name: 'up', labels: { job: 'a' }, ts: [0, 10_000, 20_000], values: [1, 1, 0] }]);
		const p = new QueryPool({ settings: { ...BASE, workers: 0, maxConcurrent: 1, maxQueued: 0 }, inline: { store, retention: resolveRetention(undefined) } });
		pools.push(p);
		const a = p.run({ kind: 'instant', query: 'up', time: 20_000 });
		const refused = await failure(p.run({ kind: 'instant', query: 'up', time: 20_000 }));
		expect(refused.message).toMatch(/query\.maxConcurrent is 1/);
		expect(body(await a)).toEqual({ status: 'success', data: { resultType: 'vector', result: [{ metric: { __name__: 'up', job: 'a' }, value: [20, '0'] }] } });
		const over = await failure(p.run({ kind: 'range', query: 'up', start: 0, end: 20_000, step: 1 }));
		expect(over.message).toMatch(/too many samples .*query\.maxSamples is 1,000/);
	});
});
