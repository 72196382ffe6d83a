/** What both stores share when answering a range query: the resolution, and the step buckets. */
import { addSample, emptyAgg, mergeAgg, type Agg } from './codec/rollup';
import { checkSelectable, parseSelector, type Matcher } from './matchers';
import { DAY, HOUR, MINUTE, type RangeResult, type Resolution, type Retention, type Selector } from './types';
import type { Labels } from '../../shared/series';

export const RESOLUTION_MS: Record<Resolution, number> = { raw: 0, '1m': MINUTE, '1h': HOUR };

/**
 * How long the rollups of each resolution live together (a day of minutes, 30 days of hours): the
 * span of a Redis key, and the unit of expiry both stores follow.
 */
export const MINUTE_SPAN = DAY;
export const HOUR_SPAN = 30 * DAY;

/** A selector's matchers, refusing one that would select every series. */
export function toMatchers(selector: Selector): Matcher[] {
	const m = typeof selector === 'string' ? parseSelector(selector) : [...selector];
	checkSelectable(m);
	return m;
}

/**
 * The coarsest resolution whose bucket is no wider than the step; if its retention does not reach
 * back to `from`, the next coarser one (a chart of old data gets fewer points, not none).
 */
export function pickResolution(from: number, step: number, now: number, retention: Retention): Resolution {
	let r: Resolution = step >= HOUR ? '1h' : step >= MINUTE ? '1m' : 'raw';
	if (r === 'raw' && from < now - retention.raw) r = '1m';
	if (r === '1m' && from < now - retention.minute) r = '1h';
	return r;
}

export function checkRange(from: number, to: number, step: number): void {
	if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RangeError('from and to must be finite times in ms');
	if (to < from) throw new RangeError(`to (${to}) is before from (${from})`);
	if (!(step > 0) || !Number.isFinite(step)) throw new RangeError(`step must be a positive number of ms, got ${step}`);
	if ((to - from) / step > 100_000) throw new RangeError(`(to - from) / step gives ${Math.ceil((to - from) / step)} points; at most 100,000`);
}

/** Accumulates samples or rollup records into step buckets aligned to multiples of `step`. */
export class StepBuckets {
	private readonly buckets = new Map<number, Agg>();

	constructor(readonly step: number) {}

	private at(t: number): Agg {
		const start = t - (((t % this.step) + this.step) % this.step);
		let b = this.buckets.get(start);
		if (!b) {
			b = emptyAgg();
			this.buckets.set(start, b);
		}
		return b;
	}

	sample(t: number, v: number): void {
		if (Number.isFinite(v)) addSample(this.at(t), v);
	}

	record(t: number, a: Agg): void {
		mergeAgg(this.at(t), a);
	}

	result(labels: Labels, resolution: Resolution): RangeResult {
		const r: RangeResult = { labels, resolution, step: this.step, t: [], count: [], min: [], max: [], sum: [], avg: [], last: [] };
		for (const t of [...this.buckets.keys()].sort((a, b) => a - b)) {
			const b = this.buckets.get(t)!;
			if (b.count === 0) continue;
			r.t.push(t);
			r.count.push(b.count);
			r.min.push(b.min);
			r.max.push(b.max);
			r.sum.push(b.sum);
			r.avg.push(b.sum / b.count);
			r.last.push(b.last);
		}
		return r;
	}
}
