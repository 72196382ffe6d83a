/** Checks a write before it reaches storage: names, times, order and age. Shared by both stores. */
import { seriesProblems } from '../../shared/series';
import type { RejectReason, SeriesSamples, WriteResult } from './types';

export interface Filtered {
	ts: number[];
	values: number[];
	/** Ascending indexes of stale markers among the kept samples (value NaN); absent when none. */
	stale?: number[];
}

export function addProblem(result: WriteResult, problem: string): void {
	if (result.problems.length < 20 && !result.problems.includes(problem)) result.problems.push(problem);
}

function reject(result: WriteResult, reason: RejectReason, n = 1): void {
	result.rejected[reason] += n;
}

function arrayProblems(s: SeriesSamples): string[] {
	const problems: string[] = [];
	if (s.ts.length !== s.values.length) problems.push(`ts has ${s.ts.length} entries but values has ${s.values.length}`);
	if (s.intervalMs !== undefined && !(s.intervalMs > 0)) problems.push(`intervalMs must be positive, got ${s.intervalMs}`);
	if (s.stale) {
		let prev = -1;
		for (const i of s.stale) {
			if (!Number.isInteger(i) || i <= prev || i >= s.ts.length) {
				problems.push(`stale must hold ascending sample indexes below ${s.ts.length}, got ${i}`);
				break;
			}
			prev = i;
		}
	}
	return problems;
}

/** Problems with a series' sample arrays only (for series whose names were checked before). */
export function validateArrays(s: SeriesSamples, result: WriteResult): boolean {
	return report(s, arrayProblems(s), result);
}

/** Problems with a series' name, labels or sample arrays; when any, every sample is invalid. */
export function validateSeries(s: SeriesSamples, result: WriteResult): boolean {
	return report(s, [...seriesProblems(s.name, s.labels), ...arrayProblems(s)], result);
}

/**
 * Checks a new series against the label limits (count, the metric name included, and length of
 * every name and value); refuses it as `label_limit` with a problem naming the limit.
 */
export function withinLabelLimits(s: SeriesSamples, limits: { maxLabelsPerSeries: number; maxLabelLength: number }, result: WriteResult): boolean {
	const names = Object.keys(s.labels);
	let problem: string | undefined;
	if (names.length + 1 > limits.maxLabelsPerSeries) problem = `has ${names.length + 1} labels (the metric name included), more than the ${limits.maxLabelsPerSeries} allowed (tsdb.maxLabelsPerSeries)`;
	else {
		const long = names.find((k) => k.length > limits.maxLabelLength || String(s.labels[k]).length > limits.maxLabelLength);
		if (long !== undefined) problem = `label ${JSON.stringify(long.slice(0, 64))} is longer than the ${limits.maxLabelLength} characters allowed (tsdb.maxLabelLength)`;
	}
	if (problem === undefined) return true;
	reject(result, 'label_limit', s.ts.length);
	addProblem(result, `${s.name}: ${problem}`);
	return false;
}

function report(s: SeriesSamples, problems: string[], result: WriteResult): boolean {
	if (problems.length === 0) return true;
	reject(result, 'invalid', s.ts.length);
	for (const p of problems) addProblem(result, `${s.name}: ${p}`);
	return false;
}

/**
 * Keeps the samples that may be stored: integer times, not older than `cutoff`, and strictly after
 * `after` and after each other. `retry` treats samples at or before `after` as already stored.
 */
export function filterSamples(s: SeriesSamples, cutoff: number, after: number, result: WriteResult, retry = false): Filtered {
	// The common case (a scrape: new samples in order, no markers) keeps every sample: no copies.
	if (!s.stale) {
		let prev = after;
		let all = true;
		for (let i = 0; i < s.ts.length && all; i++) {
			const t = s.ts[i]!;
			all = Number.isSafeInteger(t) && t >= 0 && t >= cutoff && t > prev;
			prev = t;
		}
		if (all) return { ts: s.ts as number[], values: s.values as number[] };
	}
	const out: Filtered = { ts: [], values: [] };
	const stale = s.stale;
	let k = 0;
	let prev = after;
	for (let i = 0; i < s.ts.length; i++) {
		const t = s.ts[i]!;
		if (!Number.isSafeInteger(t) || t < 0) {
			reject(result, 'invalid');
			addProblem(result, `${s.name}: sample time ${t} is not a whole number of ms since the epoch`);
			continue;
		}
		if (t < cutoff) {
			reject(result, 'too_old');
			continue;
		}
		if (t <= prev) {
			if (retry && t <= after) continue; // stored by the attempt that failed to answer
			reject(result, t === prev ? 'duplicate' : 'out_of_order');
			continue;
		}
		prev = t;
		if (stale) {
			while (k < stale.length && stale[k]! < i) k++;
			if (stale[k] === i) {
				(out.stale ??= []).push(out.ts.length);
				out.ts.push(t);
				out.values.push(Number.NaN);
				continue;
			}
		}
		out.ts.push(t);
		out.values.push(s.values[i]!);
	}
	return out;
}
