/**
 * Quantiles from cumulative histogram buckets, the way Prometheus' `histogram_quantile` computes
 * them: linear interpolation within the bucket that holds the rank, the lowest bucket starting at
 * 0 (or at its upper bound when that is negative), and the +Inf bucket answered by the highest
 * finite bound.
 */

export interface Bucket {
	/** Upper bound (`le`); +Infinity for the last bucket. */
	le: number;
	/** Cumulative count of observations <= le. */
	count: number;
}

/** NaN when there is nothing to answer from; -Inf/+Inf for q < 0 / q > 1, as Prometheus does. */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
	if (Number.isNaN(q)) return NaN;
	if (q < 0) return -Infinity;
	if (q > 1) return Infinity;
	const buckets = [...input].filter((b) => !Number.isNaN(b.le)).sort((a, b) => a.le - b.le);
	if (buckets.length < 2) return NaN;
	const top = buckets[buckets.length - 1]!;
	if (top.le !== Infinity) return NaN;
	// Counts must not decrease with le; Prometheus repairs small violations the same way.
	for (let i = 1; i < buckets.length; i++) if (buckets[i]!.count < buckets[i - 1]!.count) buckets[i] = { le: buckets[i]!.le, count: buckets[i - 1]!.count };
	const total = top.count;
	if (!(total > 0)) return NaN;
	const rank = q * total;
	let i = buckets.findIndex((b) => b.count >= rank);
	if (i < 0) i = buckets.length - 1;
	if (i === buckets.length - 1) return buckets[buckets.length - 2]!.le;
	if (i === 0 && buckets[0]!.le <= 0) return buckets[0]!.le;
	const lower = i === 0 ? 0 : buckets[i - 1]!.le;
	const below = i === 0 ? 0 : buckets[i - 1]!.count;
	const upper = buckets[i]!.le;
	const inBucket = buckets[i]!.count - below;
	if (inBucket === 0) return upper;
	return lower + (upper - lower) * ((rank - below) / inBucket);
}
