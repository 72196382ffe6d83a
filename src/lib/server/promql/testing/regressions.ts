/**
 * Fixed groups for the differential suite: cases the generator found (each once a difference
 * from promtool), and stale markers and lookback at their exact edges.
 */
import type { GenCheck, GenGroup, GenSeries } from './generate';

function check(expr: string, times: number[], orderSensitive = false): GenCheck {
	return { expr, times, tieProbes: [], orderSensitive };
}

const m = 60_000;

const basic: GenSeries[] = [
	{ labels: { __name__: 'c_total', job: 'api', instance: 'a' }, slots: [5, 8, 9, 14, 3, 7, 9, 12, 20, 21] },
	{ labels: { __name__: 'c_total', job: 'web', instance: 'a' }, slots: [500, 510, 512, 520, 530, 531, 540, 541, 560, 600] },
	{ labels: { __name__: 'g', job: 'api', instance: 'a' }, slots: [0.1, 0.7, 1e16, 0.3, -1e16, 0.2, 1.1, 3.3, 4, 4] },
	{ labels: { __name__: 'g', job: 'api', instance: 'b' }, slots: [Infinity, -Infinity, 2, 2, 2, 2, 2, 2, NaN, 1] },
	{ labels: { __name__: 'h', instance: 'a' }, slots: [2.5, 3, 0.5, 7, 1.5, 2, 9, 4, 4, 4] }
];

const histogram: GenSeries[] = [
	// The +Inf bucket below the one before it: made monotonic before the quantile.
	{ labels: { __name__: 'req_bucket', job: 'api', le: '0.1' }, slots: [1, 2, 3, 4, 5, 6] },
	{ labels: { __name__: 'req_bucket', job: 'api', le: '1' }, slots: [4, 8, 12, 16, 20, 24] },
	{ labels: { __name__: 'req_bucket', job: 'api', le: '+Inf' }, slots: [3, 6, 9, 30, 40, 50] },
	// Bounds written two ways, a bucket at or below zero, and an `le` that does not parse.
	{ labels: { __name__: 'req_bucket', job: 'web', le: '-1' }, slots: [2, 2, 2, 2, 2, 2] },
	{ labels: { __name__: 'req_bucket', job: 'web', le: '1' }, slots: [4, 5, 6, 7, 8, 9] },
	{ labels: { __name__: 'req_bucket', job: 'web', le: '1.0' }, slots: [1, 1, 1, 1, 1, 1] },
	{ labels: { __name__: 'req_bucket', job: 'web', le: 'bad' }, slots: [9, 9, 9, 9, 9, 9] },
	{ labels: { __name__: 'req_bucket', job: 'web', le: 'Inf' }, slots: [10, 11, 12, 13, 14, 15] },
	// No +Inf bucket.
	{ labels: { __name__: 'req_bucket', job: 'db', le: '1' }, slots: [1, 2, 3, 4, 5, 6] }
];

const stale: GenSeries[] = [
	{ labels: { __name__: 's', k: '1' }, slots: [1, 'stale', 7, 8] },
	{ labels: { __name__: 's', k: '2' }, slots: [1, 2, 'stale', '_', 8] },
	{ labels: { __name__: 's', k: '3' }, slots: [1, 2, 3, 4, 5, 'stale'] },
	{ labels: { __name__: 's', k: '4' }, slots: [1, '_', '_', '_', '_', '_', '_', '_', '_', '_', '_', 9] }
];

export const REGRESSIONS: GenGroup[] = [
	{
		name: 'regression: literals, signs, precedence',
		intervalMs: 10_000,
		series: basic,
		checks: [
			check('-1', [0]),
			check('2.5 <= bool -Inf', [0]),
			check('-2 ^ 2', [0]),
			check('2 ^ -2 ^ 2', [0]),
			check('- 2 ^ 0.5', [0]),
			check('010 + 0x1f + 1e1', [0]),
			check('h ^ 2.5', [30_000, 90_000]),
			check('2.5 ^ h', [30_000, 90_000]),
			check('-h ^ 0.3', [60_000]),
			check('c_total offset 10s + -c_total offset -10s', [30_000, 60_000]),
			check('clamp_max(-Inf * h, NaN)', [30_000]),
			check('clamp_min(Inf * h, NaN)', [30_000]),
			check('topk(NaN, h)', [30_000]),
			check('topk(1e20, h)', [30_000]),
			check('bottomk(-Inf, h)', [30_000])
		]
	},
	{
		name: 'regression: matching',
		intervalMs: 10_000,
		series: basic,
		checks: [
			// An empty side matches nothing and looks for no duplicates.
			check('c_total{job="none"} < on() c_total', [30_000]),
			check('c_total + on() c_total', [30_000]),
			check('c_total + on(instance) g', [30_000]),
			check('g * on(instance) group_left h', [30_000, 80_000]),
			check('h - on(instance) group_right(job) g', [30_000]),
			check('c_total > ignoring(job) group_left g', [30_000]),
			check('{__name__=~"c_total|g"} + 1', [30_000]),
			check('abs({__name__=~"c_total|g"})', [30_000])
		]
	},
	{
		name: 'regression: absent labels',
		intervalMs: 10_000,
		series: basic,
		checks: [
			check('absent(nope{job!="x", job="a"})', [0]),
			check('absent(nope{job="a", job!="x"})', [0]),
			check('absent(nope{job="a", job="b"})', [0]),
			// A third equality matcher of a removed label does not bring it back.
			check('absent(nope{job="a", job="b", job="c"})', [0]),
			check('absent(nope{job=~"a", job="b"})', [0]),
			check('absent((nope{job="a", inst=""}))', [0]),
			check('absent(nope{job="a"} offset 1m)', [0]),
			check('absent_over_time(nope{job="a", k=~"x"}[1m])', [0]),
			check('absent(c_total)', [0]),
			check('absent_over_time(c_total[10s] offset -5m)', [0, 60_000])
		]
	},
	{
		name: 'regression: rate extrapolation, deriv and stddev precision',
		intervalMs: 10_000,
		series: basic,
		checks: [
			check('rate(c_total[1m])', [30_000, 70_000, 95_000]),
			check('increase(c_total[25s])', [30_000, 31_000]),
			check('increase(c_total[45s])', [40_000, 61_000, 89_000]),
			check('delta(g[1m])', [50_000, 90_000]),
			check('irate(c_total[1m])', [45_000]),
			check('deriv(g[1m])', [70_000, 90_000]),
			check('deriv(h[30s])', [80_000, 90_000]),
			check('stddev_over_time(g[1m])', [70_000]),
			check('sum_over_time(g[1m])', [70_000]),
			check('avg_over_time(g[1m])', [70_000, 90_000]),
			check('quantile_over_time(0.3, h[1m])', [90_000]),
			check('max_over_time(g[1m]) - min_over_time(g[1m])', [90_000])
		]
	},
	{
		name: 'regression: histogram_quantile',
		intervalMs: 15_000,
		series: histogram,
		checks: [
			check('histogram_quantile(0.5, req_bucket)', [0, 45_000, 75_000]),
			check('histogram_quantile(0.99, req_bucket)', [45_000]),
			check('histogram_quantile(0.01, req_bucket)', [45_000]),
			check('histogram_quantile(0.5, rate(req_bucket[1m]))', [75_000]),
			check('histogram_quantile(NaN, req_bucket)', [0]),
			check('histogram_quantile(-1, req_bucket) or histogram_quantile(2, req_bucket)', [0])
		]
	},
	{
		name: 'regression: stale markers and lookback edges',
		intervalMs: 30_000,
		series: stale,
		checks: [
			check('s', [0, 30_000, 45_000, 60_000, 90_000, 120_000, 150_000, 180_000]),
			// The last sample at 120 s is seen for 5 m exactly: through 420 s, not at 420.001 s.
			check('s', [419_999, 420_000, 420_001, 5 * m + 330_000]),
			// Range windows include both ends; stale markers are not samples.
			check('count_over_time(s[30s])', [30_000, 60_000, 90_000, 150_000, 151_000]),
			check('last_over_time(s[1m])', [60_000, 150_000, 180_000]),
			check('absent_over_time(s{k="1"}[25s])', [30_000, 40_000]),
			check('rate(s[1m])', [90_000, 150_000]),
			check('s offset 1m', [120_000, 450_000])
		]
	},
	{
		name: 'regression: dates, logarithms, subqueries and @',
		intervalMs: 10_000,
		series: basic,
		checks: [
			// int64(NaN) and int64(Inf) are the smallest int64 in Go: a date far before year 1.
			check('year(vector(NaN)) + days_in_month(vector(Inf)) + minute(vector(-1)) + day_of_week(vector(-86400))', [0]),
			check('day_of_year(vector(1e15)) + hour(vector(951782400))', [0]),
			// log10 is Log(x) / Ln10 in Go, not log2(x) * Ln2/Ln10.
			check('log10(h) + log2(h) + ln(h)', [30_000, 90_000]),
			check('exp(h) + sqrt(h)', [30_000]),
			// Results in the subnormal range (seed 424242 found exp(-ceil(c_total)) at 1.53e-322 given as 0).
			check('exp(-724 - c_total) or exp(-700 - h)', [0, 30_000, 60_000, 80_000, 90_000]),
			check('sum_over_time(g[1m:])', [90_000]),
			check('max_over_time(rate(c_total[30s])[1m:15s] offset 10s)', [90_000]),
			check('c_total @ 30 + g @ 50.5', [0, 90_000]),
			check('rate(c_total[1m] @ 60) - sum_over_time(g[30s:10s] @ 70)', [0, 200_000])
		]
	}
];
