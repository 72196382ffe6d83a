/**
 * histogram_quantile over classic histograms (series with an `le` label), as Prometheus v2.42:
 * buckets grouped by their labels without `le`, `le` read by Go's ParseFloat (series whose `le`
 * does not parse are left out), a +Inf bucket required, equal bounds merged, counts made
 * monotonic, linear interpolation within the bucket.
 */
import type { CallNode } from './ast';
import { ScalarNode, VectorNode, type EvalContext, type Vec } from './core';
import type { LabelSet } from './labels';
import { labelsKey } from './labels';
import { goParseFloat } from './lex';

export interface Bucket {
	upper: number;
	count: number;
}

/** Go's sort.Search: the smallest i in [0, n) with f(i) true, or n. */
function search(n: number, f: (i: number) => boolean): number {
	let i = 0;
	let j = n;
	while (i < j) {
		const h = (i + j) >>> 1;
		if (!f(h)) i = h + 1;
		else j = h;
	}
	return i;
}

/** The q-quantile of one histogram's buckets (sorted here, in place). */
export function bucketQuantile(q: number, buckets: Bucket[]): number {
	if (Number.isNaN(q)) return NaN;
	if (q < 0) return -Infinity;
	if (q > 1) return Infinity;
	buckets.sort((a, b) => (a.upper < b.upper ? -1 : a.upper > b.upper ? 1 : 0));
	if (buckets[buckets.length - 1]!.upper !== Infinity) return NaN;
	const bs = coalesce(buckets);
	ensureMonotonic(bs);
	if (bs.length < 2) return NaN;
	const observations = bs[bs.length - 1]!.count;
	if (observations === 0) return NaN;
	let rank = q * observations;
	const b = search(bs.length - 1, (i) => bs[i]!.count >= rank);
	if (b === bs.length - 1) return bs[bs.length - 2]!.upper;
	if (b === 0 && bs[0]!.upper <= 0) return bs[0]!.upper;
	let bucketStart = 0;
	const bucketEnd = bs[b]!.upper;
	let count = bs[b]!.count;
	if (b > 0) {
		bucketStart = bs[b - 1]!.upper;
		count -= bs[b - 1]!.count;
		rank -= bs[b - 1]!.count;
	}
	return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

function coalesce(buckets: Bucket[]): Bucket[] {
	const out: Bucket[] = [];
	let last = { ...buckets[0]! };
	for (let i = 1; i < buckets.length; i++) {
		const b = buckets[i]!;
		if (b.upper === last.upper) last.count += b.count;
		else {
			out.push(last);
			last = { ...b };
		}
	}
	out.push(last);
	return out;
}

/** Removes decreases of the cumulative count from one bucket to the next. */
function ensureMonotonic(buckets: Bucket[]): void {
	let max = -Infinity;
	for (const b of buckets) {
		if (b.count > max) max = b.count;
		else if (b.count < max) b.count = max;
	}
}

interface BucketInfo {
	/** The histogram it belongs to: its labels without `le` (with the metric name). */
	sig: string;
	/** The output labels: without `le`, `quantile` and the metric name. */
	out: LabelSet;
	/** The parsed `le`, or undefined when it does not parse. */
	upper: number | undefined;
}

interface Histogram {
	out: LabelSet;
	buckets: Bucket[];
}

export class HistogramQuantileNode extends VectorNode {
	private readonly info = new Map<LabelSet, BucketInfo>();
	private readonly groups = new Map<string, Histogram>();

	constructor(
		ctx: EvalContext,
		readonly node: CallNode,
		private readonly q: ScalarNode,
		private readonly input: VectorNode
	) {
		super(ctx, node);
	}

	private infoOf(ls: LabelSet): BucketInfo {
		let i = this.info.get(ls);
		if (!i) {
			const withoutLe = { ...ls.labels };
			delete withoutLe.le;
			const out = { ...withoutLe };
			delete out.__name__;
			delete out.quantile;
			i = { sig: labelsKey(withoutLe), out: this.ctx.interner.of(out), upper: goParseFloat(ls.get('le')) };
			this.info.set(ls, i);
		}
		return i;
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		const q = this.q.eval(t);
		const vec = this.input.eval(t);
		const groups = this.groups;
		groups.clear();
		for (let i = 0; i < vec.n; i++) {
			const info = this.infoOf(vec.ls[i]!);
			if (info.upper === undefined) continue;
			let h = groups.get(info.sig);
			if (!h) groups.set(info.sig, (h = { out: info.out, buckets: [] }));
			h.buckets.push({ upper: info.upper, count: vec.v[i]! });
		}
		for (const h of groups.values()) out.push(h.out, bucketQuantile(q, h.buckets));
		this.checkDuplicates(out);
		return out;
	}
}
