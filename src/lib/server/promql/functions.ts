/**
 * Functions of a range vector, as Prometheus v2.42 computes them (promql/functions.go of that
 * release): each gets the samples of one series in the window [lo, hi) of `ts`/`vs` and returns
 * the output value, or undefined for no output.
 */
import type { RangeFunction } from './ast';
import { durationSeconds, kahanSumInc, quantile } from './math';

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
		let prev = first;
		for (let i = lo + 1; i < hi; i++) {
			const cur = vs[i]!;
			if (cur < prev) result += prev;
			prev = cur;
		}
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
		[sumX, cX] = kahanSumInc(x, sumX, cX);
		[sumY, cY] = kahanSumInc(v, sumY, cY);
		[sumXY, cXY] = kahanSumInc(x * v, sumXY, cXY);
		[sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
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
		[mean, c] = kahanSumInc(v / count - mean / count, mean, c);
	}
	if (!Number.isFinite(mean) && !Number.isNaN(mean)) return mean;
	return mean + c;
}

function sumOverTime(w: Window): number {
	const { vs, lo, hi } = w;
	let sum = 0;
	let c = 0;
	for (let i = lo; i < hi; i++) [sum, c] = kahanSumInc(vs[i]!, sum, c);
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
		[mean, cMean] = kahanSumInc(delta / count, mean, cMean);
		[aux, cAux] = kahanSumInc(delta * (v - (mean + cMean)), aux, cAux);
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
