/**
 * The time-series store in memory: the same interface and the same semantics as the Redis store
 * (rejections, rollups, retention per resolution and bucket), for `vigil rules test` and fast
 * unit tests. Expiry follows the Redis store's: a bucket is gone `retention` after its span ends.
 */
import { addSample, emptyAgg, type Agg } from './codec/rollup';
import { matchesAll } from './matchers';
import { addProblem, filterSamples, validateSeries, withinLabelLimits } from './prepare';
import { checkRange, HOUR_SPAN, MINUTE_SPAN, pickResolution, StepBuckets, toMatchers } from './query';
import { fullLabels, sidOf } from './series-id';
import {
	emptyRejections,
	WRITE_LIMITS,
	HOUR,
	MINUTE,
	resolveRetention,
	type LatestResult,
	type MetricMetadata,
	type RangeResult,
	type RawResult,
	type ReadOptions,
	type Retention,
	type Selector,
	type SeriesInfo,
	type SeriesSamples,
	type StoreOptions,
	type TimeSeriesStore,
	type WriteOptions,
	type WriteResult
} from './types';
import type { Labels } from '../../shared/series';

interface MemSeries {
	id: string;
	labels: Labels;
	intervalMs?: number;
	ts: number[];
	values: number[];
	/** Times of stale markers. */
	stale: Set<number>;
	minutes: Map<number, Agg>;
	hours: Map<number, Agg>;
}

export class MemoryStore implements TimeSeriesStore {
	private readonly byId = new Map<string, MemSeries>();
	private readonly perMetric = new Map<string, number>();
	readonly retention: Retention;
	private readonly now: () => number;
	private readonly maxSeriesPerMetric: number;
	private readonly limits: { maxSeries: number; maxLabelsPerSeries: number; maxLabelLength: number };
	private readonly chunkMs: number;

	constructor(options: StoreOptions = {}) {
		this.retention = resolveRetention(options.retention);
		this.now = options.now ?? Date.now;
		this.maxSeriesPerMetric = options.maxSeriesPerMetric ?? WRITE_LIMITS.maxSeriesPerMetric;
		this.limits = {
			maxSeries: options.maxSeries ?? WRITE_LIMITS.maxSeries,
			maxLabelsPerSeries: options.maxLabelsPerSeries ?? WRITE_LIMITS.maxLabelsPerSeries,
			maxLabelLength: options.maxLabelLength ?? WRITE_LIMITS.maxLabelLength
		};
		this.chunkMs = options.chunkMs ?? HOUR;
	}

	private alive(bucketStart: number, span: number, keep: number, now: number): boolean {
		return bucketStart + span + keep > now;
	}

	async write(series: SeriesSamples[], options: WriteOptions = {}): Promise<WriteResult> {
		const result: WriteResult = { accepted: 0, rejected: emptyRejections(), problems: [] };
		const now = this.now();
		for (const s of series) {
			if (!validateSeries(s, result)) continue;
			const id = sidOf(s.name, s.labels, s.id);
			let mem = this.byId.get(id);
			if (!mem) {
				if (!withinLabelLimits(s, this.limits, result)) continue;
				const count = this.perMetric.get(s.name) ?? 0;
				if (count >= this.maxSeriesPerMetric) {
					result.rejected.cardinality += s.ts.length;
					addProblem(result, `${s.name}: has ${count} series, the most allowed per metric (tsdb.maxSeriesPerMetric); new series are refused`);
					continue;
				}
				if (this.byId.size >= this.limits.maxSeries) {
					result.rejected.series_limit += s.ts.length;
					addProblem(result, `${s.name}: the store holds ${this.limits.maxSeries} series, the most allowed (tsdb.maxSeries); new series are refused, stored ones are kept`);
					continue;
				}
				this.perMetric.set(s.name, count + 1);
				mem = { id, labels: fullLabels(s.name, s.labels), ts: [], values: [], stale: new Set(), minutes: new Map(), hours: new Map() };
				this.byId.set(id, mem);
			}
			if (s.intervalMs !== undefined) mem.intervalMs = s.intervalMs;
			const last = mem.ts.length ? mem.ts[mem.ts.length - 1]! : -Infinity;
			const kept = filterSamples(s, now - this.retention.raw, last, result, options.retry);
			for (const i of kept.stale ?? []) mem.stale.add(kept.ts[i]!);
			for (let i = 0; i < kept.ts.length; i++) {
				const t = kept.ts[i]!;
				const v = kept.values[i]!;
				mem.ts.push(t);
				mem.values.push(v);
				for (const [map, res] of [
					[mem.minutes, MINUTE],
					[mem.hours, HOUR]
				] as const) {
					const start = t - (t % res);
					let a = map.get(start);
					if (!a) map.set(start, (a = emptyAgg()));
					addSample(a, v);
				}
			}
			result.accepted += kept.ts.length;
		}
		return result;
	}

	private select(selector: Selector): MemSeries[] {
		const matchers = toMatchers(selector);
		return [...this.byId.values()].filter((s) => matchesAll(s.labels, matchers)).sort((a, b) => (a.id < b.id ? -1 : 1));
	}

	private info(s: MemSeries): SeriesInfo {
		const info: SeriesInfo = { id: s.id, labels: { ...s.labels } };
		if (s.intervalMs !== undefined) info.intervalMs = s.intervalMs;
		if (s.ts.length > 0) Object.assign(info, { firstTs: s.ts[0]!, lastTs: s.ts.at(-1)! });
		return info;
	}

	async range(selector: Selector, from: number, to: number, step: number, options: ReadOptions = {}): Promise<RangeResult[]> {
		checkRange(from, to, step);
		const now = this.now();
		const resolution = pickResolution(from, step, now, this.retention);
		const out: RangeResult[] = [];
		for (const s of this.select(selector)) {
			const buckets = new StepBuckets(step);
			if (resolution === 'raw') {
				for (let i = 0; i < s.ts.length; i++) {
					const t = s.ts[i]!;
					if (t < from || t > to || !this.alive(t - (t % this.chunkMs), this.chunkMs, this.retention.raw, now)) continue;
					buckets.sample(t, s.values[i]!);
				}
			} else {
				const [map, res, span, keep] =
					resolution === '1m' ? [s.minutes, MINUTE, MINUTE_SPAN, this.retention.minute] : [s.hours, HOUR, HOUR_SPAN, this.retention.hour];
				const first = from - (from % res);
				for (const start of [...map.keys()].sort((a, b) => a - b)) {
					if (start < first || start > to || !this.alive(start - (start % span), span, keep, now)) continue;
					buckets.record(start, map.get(start)!);
				}
			}
			const r = buckets.result({ ...s.labels }, resolution);
			options.budget?.take(r.t.length);
			if (r.t.length > 0) out.push(r);
		}
		return out;
	}

	async raw(selector: Selector, from: number, to: number, options: ReadOptions = {}): Promise<RawResult[]> {
		const now = this.now();
		const out: RawResult[] = [];
		for (const s of this.select(selector)) {
			const r: RawResult = { labels: { ...s.labels }, ts: [], values: [] };
			for (let i = 0; i < s.ts.length; i++) {
				const t = s.ts[i]!;
				if (t < from || t > to || !this.alive(t - (t % this.chunkMs), this.chunkMs, this.retention.raw, now)) continue;
				if (s.stale.has(t)) (r.stale ??= []).push(r.ts.length);
				r.ts.push(t);
				r.values.push(s.values[i]!);
			}
			options.budget?.take(r.ts.length);
			if (r.ts.length > 0) out.push(r);
		}
		return out;
	}

	async latest(selector: Selector): Promise<LatestResult[]> {
		const out: LatestResult[] = [];
		for (const s of this.select(selector)) {
			const n = s.ts.length;
			if (n === 0) continue;
			const r: LatestResult = { labels: { ...s.labels }, ts: s.ts[n - 1]!, value: s.values[n - 1]! };
			if (s.stale.has(r.ts)) r.stale = true;
			if (s.intervalMs !== undefined) r.intervalMs = s.intervalMs;
			out.push(r);
		}
		return out;
	}

	async series(selector: Selector): Promise<SeriesInfo[]> {
		return this.select(selector).map((s) => this.info(s));
	}

	async seriesById(ids: readonly string[]): Promise<SeriesInfo[]> {
		return ids.flatMap((id) => {
			const s = this.byId.get(id);
			return s ? [this.info(s)] : [];
		});
	}

	async labelNames(selector?: Selector): Promise<string[]> {
		const names = new Set<string>();
		for (const s of selector ? this.select(selector) : this.byId.values()) for (const k of Object.keys(s.labels)) names.add(k);
		return [...names].sort();
	}

	async labelValues(name: string, selector?: Selector): Promise<string[]> {
		const values = new Set<string>();
		for (const s of selector ? this.select(selector) : this.byId.values()) {
			const v = s.labels[name];
			if (v !== undefined) values.add(v);
		}
		return [...values].sort();
	}

	private readonly meta = new Map<string, MetricMetadata>();

	async setMetadata(entries: readonly MetricMetadata[]): Promise<void> {
		for (const e of entries) this.meta.set(e.metric, { ...e });
	}

	async metadata(metric?: string): Promise<MetricMetadata[]> {
		const all = [...this.meta.values()].sort((a, b) => (a.metric < b.metric ? -1 : 1));
		return metric === undefined ? all : all.filter((m) => m.metric === metric);
	}

	async close(): Promise<void> {}
}
