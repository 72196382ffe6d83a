import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../tsdb/memory-store';
import { resolveRetention } from '../tsdb/types';
import { encodeSuccess, runQueryJob, type QueryJob } from './answer';
import { ApiError } from './envelope';
import { DEFAULT_QUERY_LIMITS, type QueryLimits, type Evaluated } from '../promql';
import { queryTimeout } from './limits';
import { controlFrom, toQueryData, type QueryControl } from './query';

const decoder = new TextDecoder();
const text = (chunks: Uint8Array[]) => chunks.map((c) => decoder.decode(c)).join('');
const oldEnvelope = (e: Evaluated) => JSON.stringify({ status: 'success', data: toQueryData(e) });

describe('encodeSuccess', () => {
	const labels = { __name__: 'x', quote: 'a "b" \\ c', unicode: 'ü – 🚀', nl: 'line\nbreak' };
	const cases: Evaluated[] = [
		{ resultType: 'scalar', t: 1_700_000_000_123, value: 2.5 },
		{ resultType: 'vector', t: 1_000, samples: [] },
		{ resultType: 'vector', t: 1_500, samples: [{ labels, value: NaN }, { labels: {}, value: -Infinity }, { labels: { a: '1' }, value: 1e-7 }] },
		{ resultType: 'matrix', series: [] },
		{ resultType: 'matrix', series: [{ labels, ts: [0, 1_000, 2_001], values: [Infinity, -0, 123456789.125] }, { labels: {}, ts: [], values: [] }] }
	];
	for (const e of cases) {
		it(`writes what JSON.stringify wrote for ${e.resultType} (${JSON.stringify(e).slice(0, 60)})`, () => {
			expect(text(encodeSuccess(e))).toBe(oldEnvelope(e));
		});
	}

	it('writes a large matrix in chunks of about 1 MB that join to the same text', () => {
		const ts = Array.from({ length: 11_001 }, (_, i) => 1_700_000_000_000 + i * 1000);
		const series = Array.from({ length: 20 }, (_, s) => ({ labels: { __name__: 'big', s: String(s) }, ts, values: ts.map((_, i) => (i * 7 + s) / 3) }));
		const e: Evaluated = { resultType: 'matrix', series };
		const chunks = encodeSuccess(e);
		expect(chunks.length).toBeGreaterThan(3);
		expect(Math.max(...chunks.map((c) => c.byteLength))).toBeLessThan(1.2 * 2 ** 20);
		// Each chunk has its own buffer, so a worker can transfer it.
		expect(new Set(chunks.map((c) => c.buffer)).size).toBe(chunks.length);
		expect(text(chunks)).toBe(oldEnvelope(e));
	});

	it('stops when its check throws', () => {
		const ts = Array.from({ length: 11_001 }, (_, i) => i * 1000);
		const e: Evaluated = { resultType: 'matrix', series: Array.from({ length: 20 }, (_, s) => ({ labels: { s: String(s) }, ts, values: ts })) };
		let calls = 0;
		expect(() =>
			encodeSuccess(e, () => {
				if (++calls > 1) throw new Error('stop');
			})
		).toThrow('stop');
	});
});

describe('runQueryJob: limits', () => {
	const T0 = 1_700_000_000_000;
	const store = new MemoryStore({ now: () => T0 + 3_600_000 });
	const ready = store.write(
		Array.from({ length: 10 }, (_, s) => ({
			name: 'load',
			labels: { s: String(s) },
			ts: Array.from({ length: 360 }, (_, i) => T0 + i * 10_000),
			values: Array.from({ length: 360 }, (_, i) => i + s)
		}))
	);
	const deps = (limits: QueryLimits) => ({ store, now: T0 + 3_600_000, retention: resolveRetention(undefined), limits });
	const range: QueryJob = { kind: 'range', query: 'load', start: T0, end: T0 + 3_590_000, step: 10_000 };

	async function error(limits: QueryLimits, job: QueryJob, ctl: QueryControl = controlFrom(limits, job.timeoutMs)): Promise<ApiError> {
		await ready;
		try {
			await runQueryJob(deps(limits), job, ctl);
		} catch (err) {
			expect(err).toBeInstanceOf(ApiError);
			return err as ApiError;
		}
		throw new Error('expected the query to fail');
	}

	it('answers a string literal as the whole query with a string result at the time asked, and refuses it as a range query', async () => {
		const job: QueryJob = { kind: 'instant', query: ' ("a \\"b\\"") ', time: T0 + 1500 };
		expect(JSON.parse(text(await runQueryJob(deps(DEFAULT_QUERY_LIMITS), job, controlFrom(DEFAULT_QUERY_LIMITS))))).toEqual({
			status: 'success',
			data: { resultType: 'string', result: [(T0 + 1500) / 1000, 'a "b"'] }
		});
		const e = await error(DEFAULT_QUERY_LIMITS, { ...range, query: '"a"' });
		expect([e.type, e.message]).toEqual(['bad_data', 'invalid parameter "query": invalid expression type "string" for range query, must be Scalar or instant Vector']);
		// An expression that only starts with a string is read as before (here refused by the parser).
		expect((await error(DEFAULT_QUERY_LIMITS, { kind: 'instant', query: '"a" + 1', time: T0 })).type).toBe('bad_data');
	});

	it('answers within the limits', async () => {
		await ready;
		const body = JSON.parse(text(await runQueryJob(deps(DEFAULT_QUERY_LIMITS), range, controlFrom(DEFAULT_QUERY_LIMITS))));
		expect(body.status).toBe('success');
		expect(body.data.result).toHaveLength(10);
		expect(body.data.result[0].values).toHaveLength(360);
	});

	it('refuses a query whose samples and points pass query.maxSamples, in Prometheus words, naming the setting', async () => {
		// 3,600 samples loaded and 3,600 points: 7,200 held at once.
		const e = await error({ maxSamples: 7000, timeoutMs: 60_000 }, range);
		expect(e.type).toBe('execution');
		expect(e.message).toBe('query processing would load too many samples into memory in query execution (query.maxSamples is 7,000)');
		await ready;
		expect((await runQueryJob(deps({ maxSamples: 7200, timeoutMs: 60_000 }), range, controlFrom(DEFAULT_QUERY_LIMITS))).length).toBe(1);
	});

	it('stops loading once the samples pass query.maxSamples (an instant query that loads too much)', async () => {
		const e = await error({ maxSamples: 1000, timeoutMs: 60_000 }, { kind: 'instant', query: 'count_over_time(load[1h])', time: T0 + 3_600_000 });
		expect(e.message).toMatch(/^query processing would load too many samples into memory in query execution \(query\.maxSamples is 1,000\)$/);
	});

	it('times out naming query.timeout, or the shorter timeout parameter', async () => {
		const limits = { maxSamples: 1e9, timeoutMs: 120_000 };
		const past = (timeoutMs?: number): QueryControl => ({ deadline: performance.now() - 1, timeout: queryTimeout(limits, timeoutMs) });
		const e = await error(limits, range, past());
		expect([e.type, e.message]).toEqual(['timeout', 'query timed out in expression evaluation (query.timeout is 2m)']);
		const p = await error(limits, { ...range, timeoutMs: 5000 }, past(5000));
		expect(p.message).toBe("query timed out in expression evaluation (the request's timeout parameter is 5s)");
		// A longer parameter does not lengthen query.timeout.
		expect(queryTimeout(limits, 600_000)).toEqual({ ms: 120_000, source: 'query.timeout' });
	});

	it('stops when interrupted (the client went away)', async () => {
		const e = await error(DEFAULT_QUERY_LIMITS, range, {
			...controlFrom(DEFAULT_QUERY_LIMITS),
			interrupt: (phase) => {
				throw new ApiError('canceled', `query was canceled in ${phase}`);
			}
		});
		expect([e.type, e.message]).toEqual(['canceled', 'query was canceled in expression evaluation']);
	});
});
