/** A brute-force model of the time-series store's query semantics, for tests to compare with. */
import { expect } from 'vitest';
import type { RangeResult } from '../../src/lib/server/tsdb/types';

export interface Aggregates {
	t: number[];
	count: number[];
	min: number[];
	max: number[];
	sum: number[];
	last: number[];
}

/**
 * Per-step aggregates of finite samples. At a rollup resolution `res` (ms, 0 for raw), a sample
 * belongs to the rollup bucket holding it, and the bucket to the step holding the bucket's start;
 * buckets starting before `from`'s bucket or after `to` are out.
 */
export function naiveRange(ts: number[], vs: number[], from: number, to: number, step: number, res: number): Aggregates {
	const buckets = new Map<number, number[]>();
	for (let i = 0; i < ts.length; i++) {
		const t = ts[i]!;
		if (!Number.isFinite(vs[i]!)) continue;
		let at: number;
		if (res === 0) {
			if (t < from || t > to) continue;
			at = t;
		} else {
			const start = t - (t % res);
			if (start < from - (from % res) || start > to) continue;
			at = start;
		}
		const key = at - (at % step);
		if (!buckets.has(key)) buckets.set(key, []);
		buckets.get(key)!.push(vs[i]! + 0); // rollups count -0 as 0
	}
	const t = [...buckets.keys()].sort((a, b) => a - b);
	return {
		t,
		count: t.map((k) => buckets.get(k)!.length),
		min: t.map((k) => Math.min(...buckets.get(k)!)),
		max: t.map((k) => Math.max(...buckets.get(k)!)),
		sum: t.map((k) => buckets.get(k)!.reduce((a, b) => a + b, 0)),
		last: t.map((k) => buckets.get(k)!.at(-1)!)
	};
}

export function expectAggregates(r: RangeResult, want: Aggregates, context = ''): void {
	expect(r.t, context).toEqual(want.t);
	expect(r.count, context).toEqual(want.count);
	expect(r.min, context).toEqual(want.min);
	expect(r.max, context).toEqual(want.max);
	expect(r.last, context).toEqual(want.last);
	r.sum.forEach((s, i) => {
		const w = want.sum[i]!;
		// Sums of values near ±Number.MAX_VALUE overflow to ±Infinity; those must match exactly.
		if (!Number.isFinite(w)) expect(s, `${context} sum at ${r.t[i]}`).toBe(w);
		else expect(Math.abs(s - w), `${context} sum at ${r.t[i]}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(w)));
	});
}

export function expectSameValues(a: number[], b: number[], context = ''): void {
	expect(a.length, context).toBe(b.length);
	a.forEach((x, i) => expect(Object.is(x, b[i]), `${context} index ${i}: ${x} vs ${b[i]}`).toBe(true));
}
