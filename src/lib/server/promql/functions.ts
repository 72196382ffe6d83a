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
	/** The scalar argument (quantile_over_time's q). */
	param: number;
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

/** Least-squares slope (per second), with Kahan sums, as Prometheus' linearRegression. */
function deriv(w: Window): number | undefined {
	const { ts, vs, lo, hi } = w;
	if (hi - lo < 2) return undefined;
	const intercept = ts[lo]!;
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
		const x = (ts[i]! - intercept) / 1e3;
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
	if (constY) return Number.isFinite(initY) ? 0 : NaN;
	sumX += cX;
	sumY += cY;
	sumXY += cXY;
	sumX2 += cX2;
	const covXY = sumXY - (sumX * sumY) / n;
	const varX = sumX2 - (sumX * sumX) / n;
	return covXY / varX;
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

function stddevOverTime(w: Window): number {
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
	return Math.sqrt((aux + cAux) / count);
}

function quantileOverTime(w: Window): number {
	const values: number[] = [];
	for (let i = w.lo; i < w.hi; i++) values.push(w.vs[i]!);
	return quantile(w.param, values);
}

export const RANGE_FUNCTIONS: Record<RangeFunction, RangeFn> = {
	rate: (w) => extrapolatedRate(w, true, true),
	increase: (w) => extrapolatedRate(w, true, false),
	delta: (w) => extrapolatedRate(w, false, false),
	irate,
	deriv,
	avg_over_time: avgOverTime,
	min_over_time: minOverTime,
	max_over_time: maxOverTime,
	sum_over_time: sumOverTime,
	count_over_time: (w) => w.hi - w.lo,
	last_over_time: (w) => w.vs[w.hi - 1]!,
	quantile_over_time: quantileOverTime,
	stddev_over_time: stddevOverTime,
	absent_over_time: () => 1
};
