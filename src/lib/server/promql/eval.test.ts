import { describe, expect, it } from 'vitest';
import type { Labels } from '../../shared/series';
import { PromQLError } from './errors';
import { evalInstant, evalRange, type InstantResult } from './eval';
import { parseExpr } from './parse';
import { MemorySource, type SeriesData } from './source';

/** Samples every 10 s from 0; `null` is a missing sample, 'stale' a stale marker. */
function series(labels: Labels, values: (number | null | 'stale')[]): SeriesData {
	const ts: number[] = [];
	const vs: number[] = [];
	const stale: number[] = [];
	values.forEach((v, i) => {
		if (v === null) return;
		if (v === 'stale') stale.push(ts.length);
		ts.push(i * 10_000);
		vs.push(v === 'stale' ? NaN : v);
	});
	return stale.length ? { labels, ts, values: vs, stale } : { labels, ts, values: vs };
}

const source = new MemorySource([
	series({ __name__: 'c', job: 'api', i: 'a' }, [5, 8, 9, 14, 3, 7, 9, 12]),
	series({ __name__: 'c', job: 'web', i: 'b' }, [0, 10, 20, 30, 40, 50, 60, 70]),
	series({ __name__: 'g', job: 'api', i: 'a' }, [1, 2, 3, 4, 'stale', 6]),
	series({ __name__: 'g', job: 'web', i: 'b' }, [10, NaN, 30, 40, 50, 60]),
	series({ __name__: 'h', i: 'a', team: 'x' }, [100]),
	series({ __name__: 'h', i: 'b' }, [200]),
	series({ __name__: 'b', le: '1' }, [1]),
	series({ __name__: 'b', le: '2' }, [3]),
	series({ __name__: 'b', le: '+Inf' }, [4]),
	series({ __name__: 'nb', le: '1' }, [1])
]);

/** The result as `labels => value` text, sorted, for compact expectations. */
function run(expr: string, t: number): string[] | number {
	const r: InstantResult = evalInstant(parseExpr(expr), t, source);
	if (r.type === 'scalar') return r.value;
	return r.samples
		.map((s) => {
			const { __name__: name, ...rest } = s.labels;
			const l = Object.keys(rest)
				.sort()
				.map((k) => `${k}=${rest[k]}`)
				.join(',');
			return `${name ?? ''}{${l}} ${s.value}`;
		})
		.sort();
}

function execError(expr: string, t: number): PromQLError {
	try {
		evalInstant(parseExpr(expr), t, source);
	} catch (e) {
		if (e instanceof PromQLError) return e;
		throw e;
	}
	throw new Error(`no error: ${expr}`);
}

describe('evalInstant', () => {
	it.each([
		// Selectors: the latest sample within 5 m; a stale marker hides the series.
		['c', 35_000, ['c{i=a,job=api} 14', 'c{i=b,job=web} 30']],
		['g', 40_000, ['g{i=b,job=web} 50']],
		['g', 45_000, ['g{i=b,job=web} 50']],
		['g', 50_000, ['g{i=a,job=api} 6', 'g{i=b,job=web} 60']],
		['h', 300_000, ['h{i=a,team=x} 100', 'h{i=b} 200']],
		['h', 300_001, []],
		['c offset 30s', 70_000, ['c{i=a,job=api} 3', 'c{i=b,job=web} 40']],
		// Rates: extrapolated to the window's edges, counter resets added back.
		['rate(c[1m])', 70_000, ['{i=a,job=api} 0.3', '{i=b,job=web} 1']],
		['rate(c{job="api"}[1m])', 30_000, ['{i=a,job=api} 0.175']],
		['increase(c{job="api"}[25s])', 30_000, ['{i=a,job=api} 7.5']],
		['irate(c[1m])', 70_000, ['{i=a,job=api} 0.3', '{i=b,job=web} 1']],
		['delta(g{job="web"}[1m])', 50_000, ['{i=b,job=web} 60']],
		['deriv(c{job="web"}[1m])', 70_000, ['{i=b,job=web} 1']],
		// Over time: stale markers are not samples; NaN is.
		['avg_over_time(c{job="web"}[1m])', 70_000, ['{i=b,job=web} 40']],
		['max_over_time(g{job="web"}[1m])', 50_000, ['{i=b,job=web} 60']],
		['min_over_time(g{job="web"}[1m])', 50_000, ['{i=b,job=web} 10']],
		['count_over_time(g[1m])', 50_000, ['{i=a,job=api} 5', '{i=b,job=web} 6']],
		['last_over_time(g{job="api"}[1m])', 45_000, ['g{i=a,job=api} 4']],
		['sum_over_time(c{job="web"}[20s])', 70_000, ['{i=b,job=web} 180']],
		['quantile_over_time(0.5, c{job="web"}[1m])', 70_000, ['{i=b,job=web} 40']],
		['absent_over_time(g{job="api"}[5s])', 45_000, ['{job=api} 1']],
		['absent_over_time(g{job="api"}[15s])', 45_000, []],
		['absent(nope{job="x", i=~"y"})', 0, ['{job=x} 1']],
		// exp() into the subnormal range, as Go's math.Exp gives it (promtool 2.42's answers).
		['exp(vector(-709))', 0, ['{} 1.216780750623423e-308']],
		['exp(vector(-720))', 0, ['{} 2.0322308024e-313']],
		['exp(vector(-741))', 0, ['{} 1.53e-322']],
		['exp(vector(-745.13))', 0, ['{} 5e-324']],
		['exp(vector(-745.14))', 0, ['{} 0']],
		// A label matched for equality more than once: no label (Prometheus 2.42 keeps none of them).
		['absent(nope{job="a", job="b", job="c"})', 0, ['{} 1']],
		['absent(nope{job="a", job="b", i="y"})', 0, ['{i=y} 1']],
		['absent(c)', 0, []],
		// Aggregations.
		['sum by (job) (c)', 70_000, ['{job=api} 12', '{job=web} 70']],
		['sum without (i) (c)', 70_000, ['{job=api} 12', '{job=web} 70']],
		['count(g)', 40_000, ['{} 1']],
		['avg(c)', 0, ['{} 2.5']],
		['max(g)', 10_000, ['{} 2']],
		['min(g)', 10_000, ['{} 2']],
		['topk(1, c)', 70_000, ['c{i=b,job=web} 70']],
		['bottomk(1, c)', 70_000, ['c{i=a,job=api} 12']],
		['quantile(0.5, c)', 70_000, ['{} 41']],
		// Arithmetic drops the name; a comparison keeps it, unless `bool`.
		['c > 20', 70_000, ['c{i=b,job=web} 70']],
		['20 < c', 70_000, ['c{i=b,job=web} 70']],
		['c > bool 20', 70_000, ['{i=a,job=api} 0', '{i=b,job=web} 1']],
		['c + 1', 0, ['{i=a,job=api} 6', '{i=b,job=web} 1']],
		['-c', 0, ['{i=a,job=api} -5', '{i=b,job=web} 0']],
		['c % 4 ^ 2', 70_000, ['{i=a,job=api} 12', '{i=b,job=web} 6']],
		['g != g', 10_000, ['g{i=b,job=web} NaN']],
		// Vector matching.
		['c * on(i) group_left h', 70_000, ['{i=a,job=api} 1200', '{i=b,job=web} 14000']],
		['c * on(i) group_left(team) h', 70_000, ['{i=a,job=api,team=x} 1200', '{i=b,job=web} 14000']],
		// Included labels come from the "one" side: h has no job, so the result has none.
		['h / on(i) group_right(job) c', 70_000, ['{i=a} 8.333333333333334', '{i=b} 2.857142857142857']],
		['c + on(job) g', 50_000, ['{job=api} 13', '{job=web} 110']],
		['c and g', 40_000, ['c{i=b,job=web} 40']],
		['c unless g', 40_000, ['c{i=a,job=api} 3']],
		['g or c', 40_000, ['c{i=a,job=api} 3', 'g{i=b,job=web} 50']],
		// Histograms.
		['histogram_quantile(0.5, b)', 0, ['{} 1.5']],
		['histogram_quantile(0.9, b)', 0, ['{} 2']],
		['histogram_quantile(0.5, nb)', 0, ['{} NaN']],
		// Other functions.
		['clamp_min(c, 10)', 0, ['{i=a,job=api} 10', '{i=b,job=web} 10']],
		['clamp_max(c, 3)', 0, ['{i=a,job=api} 3', '{i=b,job=web} 0']],
		['abs(-c)', 0, ['{i=a,job=api} 5', '{i=b,job=web} 0']],
		['vector(time())', 70_000, ['{} 70']]
	] as const)('%s at %d ms', (expr, t, want) => {
		expect(run(expr, t)).toEqual(want);
	});

	it.each([
		['time()', 70_000, 70],
		['scalar(c)', 70_000, NaN],
		['scalar(c{job="api"})', 70_000, 12],
		['1 + 2 * 3 ^ 2', 0, 19],
		['2 > bool 1', 0, 1]
	] as const)('%s is the scalar %d', (expr, t, want) => {
		expect(run(expr, t)).toEqual(want);
	});

	it.each([
		['c + on() group_left h', 'found duplicate series for the match group {} on the right hand-side of the operation: [{__name__="h", i="b"}, {__name__="h", i="a", team="x"}];many-to-many matching not allowed: matching labels must be unique on one side'],
		['c * on() vector(1)', 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)'],
		['{__name__=~"c|g"} * 1', 'vector cannot contain metrics with the same labelset'],
		['rate({__name__=~"c|g"}[1m])', 'vector cannot contain metrics with the same labelset'],
		['topk(NaN, c)', 'Scalar value NaN overflows int64'],
		['topk(1e20, c)', 'Scalar value 1e+20 overflows int64']
	] as const)('%s fails as Prometheus does', (expr, problem) => {
		const e = execError(expr, 50_000);
		expect(e.kind).toBe('execution');
		expect(e.problem).toBe(problem);
		expect(e.message).toMatch(/ at 1:\d+$/);
	});

	it('refuses a range vector result', () => {
		expect(() => evalInstant(parseExpr('c[1m]'), 0, source)).toThrow(/range vector/);
	});

	it('refuses to load more samples than allowed', () => {
		expect(() => evalInstant(parseExpr('rate(c[1m])'), 70_000, source, { maxSamples: 5 })).toThrow(/too many samples/);
	});

	it('stops at the deadline with kind timeout', () => {
		let e: unknown;
		try {
			evalRange(parseExpr('c'), 0, 1e9, 1000, source, { deadline: performance.now() - 1 });
		} catch (err) {
			e = err;
		}
		expect(e).toBeInstanceOf(PromQLError);
		expect((e as PromQLError).kind).toBe('timeout');
	});

	it('honours a shorter lookback', () => {
		expect(run('h', 0)).toHaveLength(2);
		expect(evalInstant(parseExpr('h'), 60_001, source, { lookbackMs: 60_000 })).toEqual({ type: 'vector', samples: [] });
	});
});

describe('evalRange', () => {
	it('gives each series its points, ordered by labels', () => {
		const r = evalRange(parseExpr('g'), 30_000, 60_000, 10_000, source);
		expect(r).toEqual({
			type: 'matrix',
			series: [
				{ labels: { __name__: 'g', job: 'api', i: 'a' }, ts: [30_000, 50_000, 60_000], values: [4, 6, 6] },
				{ labels: { __name__: 'g', job: 'web', i: 'b' }, ts: [30_000, 40_000, 50_000, 60_000], values: [40, 50, 60, 60] }
			]
		});
	});

	it('gives a scalar at every step', () => {
		expect(evalRange(parseExpr('time() * 2'), 0, 20_000, 10_000, source)).toEqual({ type: 'scalar', ts: [0, 10_000, 20_000], values: [0, 20, 40] });
	});

	it('fails as a whole when one step fails', () => {
		expect(() => evalRange(parseExpr('c + on() group_left h'), 0, 20_000, 10_000, source)).toThrow(PromQLError);
	});

	it('counts the samples its selectors load and its points together against maxSamples, as Prometheus holds both', () => {
		// c: 2 series × 8 samples loaded, and 2 × 8 points in the result.
		expect(evalRange(parseExpr('c'), 0, 70_000, 10_000, source, { maxSamples: 32 }).type).toBe('matrix');
		expect(() => evalRange(parseExpr('c'), 0, 70_000, 10_000, source, { maxSamples: 31 })).toThrow(/^query processing would load too many samples into memory in query execution/);
		expect(() => evalInstant(parseExpr('c'), 70_000, source, { maxSamples: 17 })).toThrow(/too many samples/);
	});

	it('stops when its interrupt throws (the client went away)', () => {
		let calls = 0;
		const interrupt = () => {
			if (++calls > 2) throw new Error('client went away');
		};
		expect(() => evalRange(parseExpr('c'), 0, 1e7, 1000, source, { interrupt })).toThrow('client went away');
	});
});
