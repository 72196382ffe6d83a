/**
 * Uptime of a service over a period, counted in seconds of the period (not in probes), under a
 * declared accounting policy. Pure: the input is the `up` series as rollup buckets (count and sum
 * of the 0/1 values of each minute or hour), the maintenance intervals, and the period.
 *
 * How a bucket's time is counted: each sample stands for one sampling interval after it, so a
 * bucket of `width` with `count` samples of which `sum` said up holds `sum × interval` seconds up
 * and `(count − sum) × interval` down (scaled down when they exceed the width), and the rest of the
 * bucket has no data. A bucket cut by the period's or a day's edge, or partly in maintenance, is
 * shared out in proportion to time (exact when the bucket is all up or all down; the loader reads
 * minute buckets for hours that are neither).
 *
 * Policy (version POLICY_VERSION):
 * - `maintenance: exclude` (default): time in maintenance leaves the denominator; `up`: it counts
 *   as up, whatever the series said;
 * - `noData: down` (default): time outside maintenance with no sample counts as down; `exclude`:
 *   it leaves the denominator;
 * - whatever the two settings, a series is judged only from its first sample (before it Vigil was
 *   not watching: that time is neither up nor down) and only up to now (time not yet elapsed is
 *   not counted). The loader (load.ts) cuts the span it passes here; version 1 judged the whole
 *   period, and counted the future and the time before the first sample as "no data".
 */
import type { Interval } from '../../alerting/muting';

export const POLICY_VERSION = 2;

export interface UptimePolicy {
	maintenance: 'exclude' | 'up';
	noData: 'down' | 'exclude';
}

export const DEFAULT_POLICY: UptimePolicy = { maintenance: 'exclude', noData: 'down' };

export function policyText(p: UptimePolicy): string {
	return `uptime policy v${POLICY_VERSION}: maintenance ${p.maintenance === 'exclude' ? 'excluded from the period' : 'counted as up'}; no data ${p.noData === 'down' ? 'counted as down' : 'excluded from the period'}; time before Vigil's first sample of a target and time not yet elapsed not counted (neither up nor down); time counted in seconds`;
}

/** A rollup bucket of one `up` series. */
export interface UpBucket {
	/** Epoch ms. */
	start: number;
	/** ms. */
	width: number;
	/** Samples in the bucket (finite values). */
	count: number;
	/** Sum of the values (samples that said up). */
	sum: number;
}

/** Seconds of a period by what they were. */
export interface UptimeSeconds {
	/** Length of the period (times the number of series). */
	period: number;
	/** Up, outside maintenance. */
	up: number;
	/** Down (a sample said so), outside maintenance. */
	down: number;
	/** Without data, outside maintenance. */
	noData: number;
	/** In maintenance (whatever the series said). */
	maintenance: number;
	/** Of the maintenance seconds, those a sample said down. */
	maintenanceDown: number;
	/** The denominator under the policy. */
	counted: number;
	/** The numerator under the policy. */
	countedUp: number;
	/** countedUp / counted; null when nothing counts. */
	availability: number | null;
}

export function emptySeconds(): UptimeSeconds {
	return { period: 0, up: 0, down: 0, noData: 0, maintenance: 0, maintenanceDown: 0, counted: 0, countedUp: 0, availability: null };
}

/** Length of the overlap of sorted, disjoint intervals with [from, to). */
export function overlap(intervals: readonly Interval[], from: number, to: number): number {
	let total = 0;
	for (const i of intervals) {
		if (i.end <= from) continue;
		if (i.start >= to) break;
		total += Math.min(i.end, to) - Math.max(i.start, from);
	}
	return total;
}

/** First index of sorted buckets whose end is after t. */
function firstEndingAfter(buckets: readonly UpBucket[], t: number): number {
	let lo = 0;
	let hi = buckets.length;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (buckets[mid]!.start + buckets[mid]!.width <= t) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/**
 * The seconds of [from, to) for one series: buckets sorted by start and not overlapping;
 * maintenance sorted and merged; `intervalMs` the series' sampling interval.
 */
export function uptimeOf(buckets: readonly UpBucket[], intervalMs: number, maintenance: readonly Interval[], from: number, to: number, policy: UptimePolicy): UptimeSeconds {
	let up = 0;
	let down = 0;
	let maintDown = 0;
	const first = firstEndingAfter(buckets, from);
	let last = first;
	while (last < buckets.length && buckets[last]!.start < to) last++;
	const times = bucketTimes(buckets, intervalMs, first, last);
	for (let i = first; i < last; i++) {
		const b = buckets[i]!;
		const lo = Math.max(b.start, from);
		const hi = Math.min(b.start + b.width, to);
		if (hi <= lo || b.count <= 0) continue;
		let [u, d] = times(i);
		const share = (hi - lo) / b.width;
		u *= share;
		d *= share;
		const m = overlap(maintenance, lo, hi) / (hi - lo);
		maintDown += d * m;
		up += u * (1 - m);
		down += d * (1 - m);
	}
	const period = Math.max(0, to - from);
	const maint = overlap(maintenance, from, to);
	const noData = Math.max(0, period - maint - up - down);
	const countedDown = down + (policy.noData === 'down' ? noData : 0);
	const countedUp = up + (policy.maintenance === 'up' ? maint : 0);
	const counted = countedUp + countedDown;
	const s = (ms: number) => Math.round(ms) / 1000;
	return {
		period: s(period),
		up: s(up),
		down: s(down),
		noData: s(noData),
		maintenance: s(maint),
		maintenanceDown: s(maintDown),
		counted: s(counted),
		countedUp: s(countedUp),
		availability: counted > 0 ? countedUp / counted : null
	};
}

/**
 * The up and down time (ms) of buckets [first, last): each sample stands for one interval. A
 * sample taken a little late (or early) falls into the next (or previous) bucket, which then holds
 * more samples than its width while its neighbour holds fewer, although no probe was missed: the
 * excess of a bucket fills its adjacent neighbour's shortfall before anything is capped at the
 * width, so scheduling jitter at bucket edges is not counted as time without data.
 */
function bucketTimes(buckets: readonly UpBucket[], intervalMs: number, first: number, last: number): (i: number) => [number, number] {
	const lo = Math.max(0, first - 1);
	const hi = Math.min(buckets.length, last + 1);
	const u: number[] = [];
	const d: number[] = [];
	for (let i = lo; i < hi; i++) {
		const b = buckets[i]!;
		const ups = b.count <= 0 ? 0 : Math.max(0, Math.min(b.sum, b.count));
		u.push(ups * intervalMs);
		d.push(b.count <= 0 ? 0 : Math.max(0, b.count - ups) * intervalMs);
	}
	const width = (k: number) => buckets[lo + k]!.width;
	const adjacent = (k: number) => buckets[lo + k]!.start + width(k) === buckets[lo + k + 1]!.start;
	const move = (from: number, to: number) => {
		const excess = u[from]! + d[from]! - width(from);
		const room = width(to) - u[to]! - d[to]!;
		if (excess <= 0 || room <= 0 || buckets[lo + to]!.count <= 0) return;
		const m = Math.min(excess, room);
		const fu = u[from]! / (u[from]! + d[from]!);
		u[from] = u[from]! - m * fu;
		d[from] = d[from]! - m * (1 - fu);
		u[to] = u[to]! + m * fu;
		d[to] = d[to]! + m * (1 - fu);
	};
	for (let k = 0; k + 1 < u.length; k++) {
		if (!adjacent(k)) continue;
		move(k + 1, k);
		move(k, k + 1);
	}
	return (i) => {
		const k = i - lo;
		let a = u[k]!;
		let b = d[k]!;
		if (a + b > width(k)) {
			const f = width(k) / (a + b);
			a *= f;
			b *= f;
		}
		return [a, b];
	};
}

/** Adds b into a (for several series of one service, or several services). */
export function addSeconds(a: UptimeSeconds, b: UptimeSeconds): UptimeSeconds {
	const r = emptySeconds();
	for (const k of ['period', 'up', 'down', 'noData', 'maintenance', 'maintenanceDown', 'counted', 'countedUp'] as const) r[k] = Math.round((a[k] + b[k]) * 1000) / 1000;
	r.availability = r.counted > 0 ? r.countedUp / r.counted : null;
	return r;
}

/** The sampling interval of a series from its buckets when the store does not know it: the most common width / count. */
export function guessInterval(buckets: readonly UpBucket[]): number {
	const votes = new Map<number, number>();
	for (const b of buckets) {
		if (b.count <= 0) continue;
		const iv = Math.round(b.width / b.count / 1000) * 1000;
		if (iv > 0) votes.set(iv, (votes.get(iv) ?? 0) + 1);
	}
	let best = 60_000;
	let n = 0;
	for (const [iv, c] of votes) if (c > n || (c === n && iv < best)) [best, n] = [iv, c];
	return best;
}

/**
 * Narrows the buckets of one series to the span it is judged over, when an edge is a time before
 * which (`from`: its first sample) or after which (`to`: now) the series can hold no sample: the
 * bucket holding the edge is cut to the part on the series' side, so its samples fill that part
 * rather than being spread over the whole bucket (which would read the rest as without data: a
 * minute of "down" at each edge). Pass null for an edge that is an ordinary period or day edge.
 */
export function clipBuckets(buckets: readonly UpBucket[], from: number | null, to: number | null): UpBucket[] {
	return buckets.map((b) => {
		let start = b.start;
		let end = b.start + b.width;
		if (from !== null && start < from && from < end) start = from;
		if (to !== null && start < to && to < end) end = to;
		return start === b.start && end === b.start + b.width ? b : { ...b, start, width: end - start };
	});
}
