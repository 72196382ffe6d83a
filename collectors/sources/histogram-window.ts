/**
 * Quantiles of scraped histograms over a sliding window, as the rule engine (and Prometheus 2.42)
 * computes `histogram_quantile(q, sum by (le, <by>) (rate(<name>_bucket[<window>])))`, or
 * `histogram_quantile(q, rate(<name>_bucket[<window>]))` without `by`.
 *
 * Why a window: bucket counts are cumulative since the scraped process started, so a quantile of
 * the counts themselves is the quantile since that start. A spike then lingers long after it ended
 * (the demo's p95 tile stayed critical for 9 minutes while the real 5-minute p95 was 0.89 s), and
 * after a day of traffic a new spike hardly moves it.
 *
 * Memory, per target: for each bucket series, the (time, count) pairs of the scrapes within the
 * window, no more than the window holds scrapes (plus two). The rate of each bucket is the rule
 * engine's own `rate` over those pairs (counter resets added back, extrapolated to the window's
 * edges), so with less than a window of history it is the rate over what there is, as a rule's
 * rate would be. A series that leaves the exposition keeps counting, as its stored samples do for a
 * rule, until its last pair leaves the window; then it is forgotten.
 */
import { RANGE_FUNCTIONS, type Window, bucketQuantile, type Bucket, goParseFloat } from '../../src/lib/server/promql';
import type { Labels } from '../../src/lib/shared/series';
import type { MetricFamily } from '../exposition/parse';

export interface HistogramWindowOptions {
	windowMs: number;
	/** The scrape interval: the window holds at most windowMs / intervalMs + 1 scrapes. */
	intervalMs: number;
	/**
	 * Sum the buckets of the series with the same values of these labels first.
	 * @defaultValue each series on its own
	 */
	by?: readonly string[];
}

export interface WindowedQuantile {
	family: string;
	/** The histogram's labels without `le` (only the `by` labels, with `by`). */
	labels: Labels;
	quantile: number;
	value: number;
}

/** The scrapes of one bucket series within the window: [head, ts.length). */
interface Ring {
	ts: number[];
	vs: number[];
	head: number;
}

/** One histogram series (its labels without `le`) and its buckets by their `le` text. */
interface Histogram {
	group: Labels;
	groupKey: string;
	buckets: Map<string, Ring>;
}

const rate = RANGE_FUNCTIONS.rate;

function keyOf(labels: Labels): string {
	return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export class HistogramWindows {
	/** family name → histogram key → histogram. */
	private readonly families = new Map<string, Map<string, Histogram>>();
	private readonly maxPoints: number;
	private readonly window: Window = { ts: [], vs: [], lo: 0, hi: 0, start: 0, end: 0, rangeMs: 0, param: NaN, resets: undefined };

	constructor(private readonly options: HistogramWindowOptions) {
		this.maxPoints = Math.ceil(options.windowMs / Math.max(1, options.intervalMs)) + 2;
		this.window.rangeMs = options.windowMs;
	}

	/**
	 * Records one scrape, taken at `now`, of these histogram families (their `_bucket` samples) and
	 * returns the quantiles `qs` of every histogram held, over the window ending at `now`.
	 */
	scrape(now: number, families: readonly MetricFamily[], qs: readonly number[]): WindowedQuantile[] {
		this.forgetBefore(now - this.options.windowMs);
		for (const family of families) this.record(now, family);
		const out: WindowedQuantile[] = [];
		for (const [family, histograms] of this.families) out.push(...this.quantiles(family, histograms, now, qs));
		return out;
	}

	/** How much is held: bucket series and (time, count) pairs. */
	size(): { series: number; points: number } {
		let series = 0;
		let points = 0;
		for (const histograms of this.families.values()) {
			for (const h of histograms.values()) {
				for (const r of h.buckets.values()) {
					series++;
					points += r.ts.length - r.head;
				}
			}
		}
		return { series, points };
	}

	private record(now: number, family: MetricFamily): void {
		let histograms = this.families.get(family.name);
		const bucketName = `${family.name}_bucket`;
		for (const s of family.samples) {
			if (s.name !== bucketName || s.labels.le === undefined) continue;
			const { le, ...rest } = s.labels;
			const key = keyOf(rest);
			if (!histograms) this.families.set(family.name, (histograms = new Map()));
			let h = histograms.get(key);
			if (!h) {
				const group = this.groupOf(rest);
				histograms.set(key, (h = { group, groupKey: this.options.by ? keyOf(group) : key, buckets: new Map() }));
			}
			let ring = h.buckets.get(le);
			if (!ring) h.buckets.set(le, (ring = { ts: [], vs: [], head: 0 }));
			const last = ring.ts.length > ring.head ? ring.ts[ring.ts.length - 1]! : -Infinity;
			if (now <= last) continue;
			ring.ts.push(now);
			ring.vs.push(s.value);
			// Scrapes come at least an interval apart, so this only bounds a clock that misbehaves.
			if (ring.ts.length - ring.head > this.maxPoints) ring.head = ring.ts.length - this.maxPoints;
			compact(ring);
		}
	}

	/** `sum by` keeps the listed labels a series has (an empty value is no label). */
	private groupOf(labels: Labels): Labels {
		const by = this.options.by;
		if (!by) return labels;
		const out: Labels = {};
		for (const name of by) if (labels[name]) out[name] = labels[name]!;
		return out;
	}

	/** Drops the pairs older than the window's start, and the series and families left empty. */
	private forgetBefore(start: number): void {
		for (const [family, histograms] of this.families) {
			for (const [key, h] of histograms) {
				for (const [le, ring] of h.buckets) {
					while (ring.head < ring.ts.length && ring.ts[ring.head]! < start) ring.head++;
					if (ring.head === ring.ts.length) h.buckets.delete(le);
					else compact(ring);
				}
				if (h.buckets.size === 0) histograms.delete(key);
			}
			if (histograms.size === 0) this.families.delete(family);
		}
	}

	private quantiles(family: string, histograms: Map<string, Histogram>, now: number, qs: readonly number[]): WindowedQuantile[] {
		const w = this.window;
		w.start = now - this.options.windowMs;
		w.end = now;
		// Per group, the summed rate of each `le`, as `sum by (le, ...)` gives them.
		const groups = new Map<string, { labels: Labels; rates: Map<string, number> }>();
		for (const h of histograms.values()) {
			for (const [le, ring] of h.buckets) {
				w.ts = ring.ts;
				w.vs = ring.vs;
				w.lo = ring.head;
				w.hi = ring.ts.length;
				w.resets = undefined;
				const r = rate(w);
				if (r === undefined) continue;
				let g = groups.get(h.groupKey);
				if (!g) groups.set(h.groupKey, (g = { labels: h.group, rates: new Map() }));
				g.rates.set(le, (g.rates.get(le) ?? 0) + r);
			}
		}
		const out: WindowedQuantile[] = [];
		for (const g of groups.values()) {
			const buckets: Bucket[] = [];
			for (const [le, count] of g.rates) {
				const upper = goParseFloat(le);
				if (upper !== undefined) buckets.push({ upper, count });
			}
			if (buckets.length === 0) continue;
			for (const q of qs) out.push({ family, labels: g.labels, quantile: q, value: bucketQuantile(q, buckets) });
		}
		return out;
	}
}

/** Moves the live pairs to the front once the dropped ones are the larger part. */
function compact(ring: Ring): void {
	if (ring.head < 32 || ring.head * 2 < ring.ts.length) return;
	ring.ts.splice(0, ring.head);
	ring.vs.splice(0, ring.head);
	ring.head = 0;
}
