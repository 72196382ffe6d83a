/**
 * Functions of a range vector, as Prometheus v2.42 computes them (promql/functions.go of that
 * release): each gets the samples of one series in the window [lo, hi) of `ts`/`vs` and returns
 * the output value, or undefined for no output. Kahan-Neumaier sums are written out (math.ts'
 * kahanSumInc does the same) so that the loops allocate nothing.
 */
import type { RangeFunction } from './ast';
import { durationSeconds, quantile } from './math';

export interface Window {
	ts: ArrayLike<number>;
	vs: ArrayLike<number>;
	lo: number;
	/** Exclusive. */
	hi: number;
	/** The window's start and end (ms): t - offset - range and t - offset. */
	start: number;
	end: number;
	rangeMs: number;
	/** The scalar arguments, in order (quantile_over_time's q; holt_winters' sf, tf; predict_linear's t). */
	params?: number[];
	/** quantile_over_time's q, for callers that give no `params`. */
	param?: number;
	/** The evaluation time (ms): predict_linear predicts from it. */
	evalT?: number;
	/** Indexes i where vs[i] < vs[i - 1] (counter resets), ascending, over every window evaluated. */
	resets: Int32Array | undefined;
}

/** Indexes in (from, to) where a series decreases: counter resets. */
export function findResets(vs: ArrayLike<number>, from = 0, to = vs.length): Int32Array {
	const out: number[] = [];
	for (let i = Math.max(from + 1, 1); i < to; i++) if (vs[i]! < vs[i - 1]!) out.push(i);
	return Int32Array.from(out);
}

export type RangeFn = (w: Window) => number | undefined;

/** A problem a function reports (an invalid argument): the evaluation fails with it. */
export class FunctionError extends Error {
	override name = 'FunctionError';
}

/** rate, increase and delta: the change over the window, extrapolated towards its edges. */
function extrapolatedRate(w: Window, isCounter: boolean, isRate: boolean): number | undefined {
	const { ts, vs, lo, hi } = w;
	const n = hi - lo;
	if (n < 2) return undefined;
	const first = vs[lo]!;
	const firstT = ts[lo]!;
	const lastT = ts[hi - 1]!;
	let result = vs[hi - 1]! - first;
	if (isCounter) {
		// Add the value before each reset, in order (the same sums as a scan of the window).
		const r = w.resets ?? findResets(vs, lo, hi);
		let a = 0;
		let b = r.length;
		while (a < b) {
			const mid = (a + b) >>> 1;
			if (r[mid]! < lo + 1) a = mid + 1;
			else b = mid;
		}
		for (let k = a; k < r.length && r[k]! < hi; k++) result += vs[r[k]! - 1]!;
	}
	let durationToStart = (firstT - w.start) / 1000;
	const durationToEnd = (w.end - lastT) / 1000;
	const sampledInterval = (lastT - firstT) / 1000;
	const averageDurationBetweenSamples = sampledInterval / (n - 1);
	if (isCounter && result > 0 && first >= 0) {
		// Counters cannot be negative: do not extrapolate past the counter's zero point.
		const durationToZero = sampledInterval * (first / result);
		if (durationToZero < durationToStart) durationToStart = durationToZero;
	}
	const threshold = averageDurationBetweenSamples * 1.1;
	let extrapolateToInterval = sampledInterval;
	extrapolateToInterval += durationToStart < threshold ? durationToStart : averageDurationBetweenSamples / 2;
	extrapolateToInterval += durationToEnd < threshold ? durationToEnd : averageDurationBetweenSamples / 2;
	let factor = extrapolateToInterval / sampledInterval;
	if (isRate) factor /= durationSeconds(w.rangeMs);
	return result * factor;
}

function irate(w: Window): number | undefined {
	const { ts, vs, lo, hi } = w;
	if (hi - lo < 2) return undefined;
	const last = vs[hi - 1]!;
	const prev = vs[hi - 2]!;
	const result = last < prev ? last : last - prev;
	const interval = ts[hi - 1]! - ts[hi - 2]!;
	if (interval === 0) return undefined;
	return result / (interval / 1000);
}

/**
 * Least-squares slope (per second) and the intercept at `interceptTime` (ms), with Kahan sums, as
 * Prometheus' linearRegression.
 */
function linearRegression(w: Window, interceptTime: number): [number, number] {
	const { ts, vs, lo, hi } = w;
	const initY = vs[lo]!;
	let constY = true;
	let n = 0;
	let sumX = 0;
	let cX = 0;
	let sumY = 0;
	let cY = 0;
	let sumXY = 0;
	let cXY = 0;
	let sumX2 = 0;
	let cX2 = 0;
	for (let i = lo; i < hi; i++) {
		const v = vs[i]!;
		if (constY && i > lo && v !== initY) constY = false;
		n += 1;
		const x = (ts[i]! - interceptTime) / 1e3;
		let t = sumX + x;
		cX += Math.abs(sumX) >= Math.abs(x) ? sumX - t + x : x - t + sumX;
		sumX = t;
		t = sumY + v;
		cY += Math.abs(sumY) >= Math.abs(v) ? sumY - t + v : v - t + sumY;
		sumY = t;
		const xy = x * v;
		t = sumXY + xy;
		cXY += Math.abs(sumXY) >= Math.abs(xy) ? sumXY - t + xy : xy - t + sumXY;
		sumXY = t;
		const x2 = x * x;
		t = sumX2 + x2;
		cX2 += Math.abs(sumX2) >= Math.abs(x2) ? sumX2 - t + x2 : x2 - t + sumX2;
		sumX2 = t;
	}
	if (constY) {
		if (initY === Infinity || initY === -Infinity) return [NaN, NaN];
		return [0, initY];
	}
	sumX += cX;
	sumY += cY;
	sumXY += cXY;
	sumX2 += cX2;
	const covXY = sumXY - (sumX * sumY) / n;
	const varX = sumX2 - (sumX * sumX) / n;
	const slope = covXY / varX;
	const intercept = sumY / n - (slope * sumX) / n;
	return [slope, intercept];
}

function deriv(w: Window): number | undefined {
	if (w.hi - w.lo < 2) return undefined;
	return linearRegression(w, w.ts[w.lo]!)[0];
}

function predictLinear(w: Window): number | undefined {
	if (w.hi - w.lo < 2) return undefined;
	const [slope, intercept] = linearRegression(w, w.evalT ?? w.end);
	return slope * (w.params?.[0] ?? NaN) + intercept;
}

/** Go's %f. */
function goFixed(v: number): string {
	if (Number.isNaN(v)) return 'NaN';
	if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
	return v.toFixed(6);
}

/** Double exponential smoothing, as Prometheus v2.42's holt_winters. */
function holtWinters(w: Window): number | undefined {
	const { vs, lo, hi } = w;
	const sf = w.params?.[0] ?? NaN;
	const tf = w.params?.[1] ?? NaN;
	// As in Prometheus, NaN passes these checks.
	if (sf <= 0 || sf >= 1) throw new FunctionError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${goFixed(sf)}`);
	if (tf <= 0 || tf >= 1) throw new FunctionError(`invalid trend factor. Expected: 0 < tf < 1, got: ${goFixed(tf)}`);
	const l = hi - lo;
	if (l < 2) return undefined;
	let s0 = 0;
	let s1 = vs[lo]!;
	let b = vs[lo + 1]! - vs[lo]!;
	for (let i = 1; i < l; i++) {
		const x = sf * vs[lo + i]!;
		// calcTrendValue(i - 1, ...): the first step keeps b.
		if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
		const y = (1 - sf) * (s1 + b);
		s0 = s1;
		s1 = x + y;
	}
	return s1;
}

function idelta(w: Window): number | undefined {
	const { ts, vs, lo, hi } = w;
	if (hi - lo < 2) return undefined;
	if (ts[hi - 1]! - ts[hi - 2]! === 0) return undefined;
	return vs[hi - 1]! - vs[hi - 2]!;
}

function changes(w: Window): number {
	const { vs, lo, hi } = w;
	let n = 0;
	let prev = vs[lo]!;
	for (let i = lo + 1; i < hi; i++) {
		const cur = vs[i]!;
		if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) n++;
		prev = cur;
	}
	return n;
}

function resets(w: Window): number {
	const { vs, lo, hi } = w;
	let n = 0;
	let prev = vs[lo]!;
	for (let i = lo + 1; i < hi; i++) {
		const cur = vs[i]!;
		if (cur < prev) n++;
		prev = cur;
	}
	return n;
}

function avgOverTime(w: Window): number {
	const { vs, lo, hi } = w;
	let mean = 0;
	let count = 0;
	let c = 0;
	for (let i = lo; i < hi; i++) {
		const v = vs[i]!;
		count++;
		if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
			if (!Number.isFinite(v) && !Number.isNaN(v) && mean > 0 === v > 0) continue;
			if (Number.isFinite(v)) continue;
		}
		const inc = v / count - mean / count;
		const t = mean + inc;
		c += Math.abs(mean) >= Math.abs(inc) ? mean - t + inc : inc - t + mean;
		mean = t;
	}
	if (!Number.isFinite(mean) && !Number.isNaN(mean)) return mean;
	return mean + c;
}

function sumOverTime(w: Window): number {
	const { vs, lo, hi } = w;
	let sum = 0;
	let c = 0;
	for (let i = lo; i < hi; i++) {
		const v = vs[i]!;
		const t = sum + v;
		c += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
		sum = t;
	}
	if (!Number.isFinite(sum) && !Number.isNaN(sum)) return sum;
	return sum + c;
}

function minOverTime(w: Window): number {
	const { vs, lo, hi } = w;
	let m = vs[lo]!;
	for (let i = lo; i < hi; i++) {
		const v = vs[i]!;
		if (v < m || Number.isNaN(m)) m = v;
	}
	return m;
}

function maxOverTime(w: Window): number {
	const { vs, lo, hi } = w;
	let m = vs[lo]!;
	for (let i = lo; i < hi; i++) {
		const v = vs[i]!;
		if (v > m || Number.isNaN(m)) m = v;
	}
	return m;
}

/** The variance of the window's values (Welford's method with Kahan sums, as Prometheus). */
function stdvarOverTime(w: Window): number {
	const { vs, lo, hi } = w;
	let count = 0;
	let mean = 0;
	let cMean = 0;
	let aux = 0;
	let cAux = 0;
	for (let i = lo; i < hi; i++) {
		const v = vs[i]!;
		count++;
		const delta = v - (mean + cMean);
		const inc = delta / count;
		let t = mean + inc;
		cMean += Math.abs(mean) >= Math.abs(inc) ? mean - t + inc : inc - t + mean;
		mean = t;
		const sq = delta * (v - (mean + cMean));
		t = aux + sq;
		cAux += Math.abs(aux) >= Math.abs(sq) ? aux - t + sq : sq - t + aux;
		aux = t;
	}
	return (aux + cAux) / count;
}

function quantileOverTime(w: Window): number {
	const values: number[] = [];
	for (let i = w.lo; i < w.hi; i++) values.push(w.vs[i]!);
	return quantile(w.params?.[0] ?? w.param ?? NaN, values);
}

export const RANGE_FUNCTIONS: Record<RangeFunction, RangeFn> = {
	rate: (w) => extrapolatedRate(w, true, true),
	increase: (w) => extrapolatedRate(w, true, false),
	delta: (w) => extrapolatedRate(w, false, false),
	irate,
	idelta,
	deriv,
	predict_linear: predictLinear,
	holt_winters: holtWinters,
	changes,
	resets,
	avg_over_time: avgOverTime,
	min_over_time: minOverTime,
	max_over_time: maxOverTime,
	sum_over_time: sumOverTime,
	count_over_time: (w) => w.hi - w.lo,
	last_over_time: (w) => w.vs[w.hi - 1]!,
	quantile_over_time: quantileOverTime,
	stddev_over_time: (w) => Math.sqrt(stdvarOverTime(w)),
	stdvar_over_time: stdvarOverTime,
	present_over_time: () => 1,
	absent_over_time: () => 1
};
